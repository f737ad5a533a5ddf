// The registry-facing endpoint over real HTTP: every answer a registry (or anything else) can get.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "EventTextSearch.h"
#include "IntakeClient.h"
#include "TextIndexFile.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

class TestIntake : public QObject
{
    Q_OBJECT

private:
    static int countRows(Store &store, const QString &state = {})
    {
        DeliveryFilter filter;
        filter.state = state;
        filter.limit = 100000;
        return int(store.deliveries(filter).size());
    }

private slots:
    void answers_data();
    void answers();
    void acceptsEveryRegistryContentType_data();
    void acceptsEveryRegistryContentType();
    void tokenIsRequiredWhenConfigured();
    void bodyLimitIsEnforced();
    void keepAliveAndPipelining();
    void refusesToListenPubliclyWithoutToken();
    void acknowledgedEventsAreOnDisk();
    void manyEventsInOneRequestKeepTheirRows();
    void storedEventsJoinTheTextIndexAfterTheirCommit();
    void sameEventsFromManyConnectionsAreStoredOnce();
};

void TestIntake::answers_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messageContains");

    const QByteArray v1 = "application/vnd.docker.distribution.events.v1+json";
    const QByteArray good = EventFactory::sample(QStringLiteral("03-push-manifest.json"));
    QTest::newRow("accepted") << QByteArray("POST") << "/v1/notify" << v1 << good << 202 << QString()
                              << QString();
    QTest::newRow("unknown path") << QByteArray("POST") << "/notify" << v1 << good << 404 << "not_found"
                                  << "/v1/notify";
    QTest::newRow("wrong method") << QByteArray("GET") << "/v1/notify" << QByteArray() << QByteArray() << 405
                                  << "method_not_allowed"
                                  << "POST";
    QTest::newRow("text/plain") << QByteArray("POST") << "/v1/notify" << QByteArray("text/plain") << good
                                << 415 << "unsupported_media_type"
                                << "text/plain";
    QTest::newRow("no content type") << QByteArray("POST") << "/v1/notify" << QByteArray() << good << 415
                                     << "unsupported_media_type"
                                     << "registry envelope";
    QTest::newRow("malformed json") << QByteArray("POST") << "/v1/notify" << v1
                                    << QByteArray("{\"events\": [") << 400 << "invalid_envelope"
                                    << "JSON";
    QTest::newRow("not an envelope") << QByteArray("POST") << "/v1/notify" << v1
                                     << QByteArray("{\"hello\": 1}") << 400 << "invalid_envelope"
                                     << "events";
    QTest::newRow("empty events") << QByteArray("POST") << "/v1/notify" << v1
                                  << QByteArray("{\"events\": []}") << 400 << "invalid_envelope"
                                  << "events";
    QTest::newRow("event without id")
        << QByteArray("POST") << "/v1/notify" << v1
        << QByteArray("{\"events\":[{\"action\":\"push\",\"target\":{\"repository\":\"a\"}}]}") << 400
        << "invalid_envelope"
        << "id";
    QTest::newRow("event without repository")
        << QByteArray("POST") << "/v1/notify" << v1
        << QByteArray("{\"events\":[{\"id\":\"x\",\"action\":\"push\",\"target\":{}}]}") << 400
        << "invalid_envelope"
        << "repository";
    QTest::newRow("invalid utf-8") << QByteArray("POST") << "/v1/notify" << v1
                                   << QByteArray("{\"events\":[{\"id\":\"\xff\xfe\",\"action\":\"push\"}]}")
                                   << 400 << "invalid_envelope" << QString();
}

void TestIntake::answers()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, messageContains);

    EngineFixture fixture;
    QVERIFY(fixture.start());
    QUrl url = fixture.intakeUrl();
    url.setPath(path);
    const IntakeClient::Answer answer = IntakeClient(url).send(method, url, body, contentType);
    QCOMPARE(answer.status, status);
    QCOMPARE(answer.header("content-type"), QByteArray("application/json"));
    if (status >= 400) {
        const QJsonObject error = answer.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("status")).toInt(), status);
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(messageContains),
                 qPrintable(error.value(QStringLiteral("message")).toString()));
        // Nothing of a refused request is stored.
        QCOMPARE(countRows(fixture.store()), 0);
    }
    if (status == 405)
        QCOMPARE(answer.header("allow"), QByteArray("POST"));
}

void TestIntake::acceptsEveryRegistryContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::newRow("distribution 2.x") << QByteArray("application/vnd.docker.distribution.events.v1+json");
    QTest::newRow("distribution 3.x") << QByteArray("application/vnd.docker.distribution.events.v2+json");
    QTest::newRow("plain json") << QByteArray("application/json");
    QTest::newRow("with charset") << QByteArray("application/json; charset=utf-8");
    QTest::newRow("upper case") << QByteArray("Application/JSON");
}

void TestIntake::acceptsEveryRegistryContentType()
{
    QFETCH(QByteArray, contentType);
    EngineFixture fixture;
    QVERIFY(fixture.start());
    const IntakeClient::Answer answer =
        IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{}), contentType);
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(QStringLiteral("accepted")).toInt(), 1);
}

void TestIntake::tokenIsRequiredWhenConfigured()
{
    EngineFixture fixture;
    EngineConfig config = fixture.config();
    config.intakeToken = "s3cret-token";
    QVERIFY(fixture.start(config));
    const QByteArray envelope = EventFactory::envelopeOf(EventFactory::Spec{});

    const IntakeClient::Answer missing = IntakeClient(fixture.intakeUrl()).post(envelope);
    QCOMPARE(missing.status, 401);
    QCOMPARE(missing.header("www-authenticate"), QByteArray("Bearer realm=\"tidings\""));
    QCOMPARE(
        missing.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("unauthorized"));
    QCOMPARE(IntakeClient(fixture.intakeUrl(), "s3cret-tokeN").post(envelope).status, 401);
    QCOMPARE(IntakeClient(fixture.intakeUrl(), "s3cret").post(envelope).status, 401);
    QCOMPARE(IntakeClient(fixture.intakeUrl())
                 .post(envelope, "application/json", {{"Authorization", "Basic czNjcmV0"}})
                 .status,
             401);
    QCOMPARE(countRows(fixture.store()), 0);
    QCOMPARE(IntakeClient(fixture.intakeUrl(), "s3cret-token").post(envelope).status, 202);
    // The scheme is case-insensitive (RFC 9110).
    QCOMPARE(IntakeClient(fixture.intakeUrl())
                 .post(EventFactory::envelopeOf(EventFactory::Spec{}), "application/json",
                       {{"Authorization", "bearer s3cret-token"}})
                 .status,
             202);
}

void TestIntake::bodyLimitIsEnforced()
{
    EngineFixture fixture;
    EngineConfig config = fixture.config();
    config.maxBodyBytes = 4096;
    QVERIFY(fixture.start(config));
    QList<QByteArray> events;
    for (int i = 0; i < 10; ++i)
        events.append(EventFactory::event(EventFactory::Spec{}));
    const QByteArray big = EventFactory::envelope(events);
    QVERIFY(big.size() > 4096);
    const IntakeClient::Answer answer = IntakeClient(fixture.intakeUrl()).post(big);
    QCOMPARE(answer.status, 413);
    QCOMPARE(answer.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("status")).toInt(),
             413);
    // The server stays up for the next client.
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
}

void TestIntake::keepAliveAndPipelining()
{
    EngineFixture fixture;
    QVERIFY(fixture.start());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(fixture.intakeUrl().port()));
    QVERIFY(socket.waitForConnected(3000));
    auto request = [](const QByteArray &body) -> QByteArray {
        return QByteArray("POST /v1/notify HTTP/1.1\r\nHost: tidings\r\nContent-Type: application/json\r\n"
                          "Content-Length: ") +
               QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    // Three requests in one write, the middle one bad: three answers, in order, on one connection.
    const QByteArray duplicate = EventFactory::envelopeOf(EventFactory::Spec{});
    socket.write(request(duplicate) + request("{not json") + request(duplicate));
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll()).count("HTTP/1.1 ") == 3, 5000);
    const qsizetype first = received.indexOf("HTTP/1.1 202");
    const qsizetype second = received.indexOf("HTTP/1.1 400");
    const qsizetype third = received.indexOf("HTTP/1.1 202", first + 1);
    QVERIFY2(first >= 0 && second > first && third > second, received.constData());
    QVERIFY(received.contains("\"duplicates\":1"));
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(countRows(fixture.store()), 0); // no webhooks, but the event is stored once
}

void TestIntake::refusesToListenPubliclyWithoutToken()
{
    EngineFixture fixture;
    EngineConfig config = fixture.config();
    config.listenAddress = QHostAddress(QHostAddress::AnyIPv4);
    QVERIFY(!fixture.start(config));
    QVERIFY2(fixture.lastError().contains(QStringLiteral("--intake-token")), qPrintable(fixture.lastError()));
    config.intakeToken = "token";
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
}

void TestIntake::acknowledgedEventsAreOnDisk()
{
    EngineFixture fixture;
    WebhookConfig webhook;
    webhook.name = QStringLiteral("nowhere");
    webhook.url = QStringLiteral("http://127.0.0.1:9/never");
    webhook.retryScheduleSeconds = {3600}; // never attempted during the test
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());
    QString id;
    const QByteArray envelope = EventFactory::sampleWithNewId(QStringLiteral("03-push-manifest.json"), &id);
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(envelope).status, 202);
    // Read back through another connection right after the 2xx: the event and its delivery are committed.
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(webhook.id);
    QCOMPARE(deliveries.size(), 1);
    const std::optional<RegistryEvent> event = fixture.store().event(deliveries.first().eventRowId);
    QVERIFY(event.has_value());
    QCOMPARE(event->eventId, id);
    QCOMPARE(event->repository, QStringLiteral("nginx"));
    QCOMPARE(event->tag, QStringLiteral("1.23-alpine"));
    QCOMPARE(event->digest,
             QStringLiteral("sha256:5f71e537ad052bd770c8d4eb2130a9738b6a882c3e818bc366c931538c180f31"));
    QCOMPARE(event->mediaType, QStringLiteral("application/vnd.oci.image.manifest.v1+json"));
    QCOMPARE(event->sourceAddr, QStringLiteral("vm:5055"));
    QVERIFY(envelope.contains(event->rawJson));
}

void TestIntake::storedEventsJoinTheTextIndexAfterTheirCommit()
{
    // SQLite's text index (the console's filter) is not written by the intake's commits, nor in the
    // database: the engine's TextIndexer adds what was stored to a file of its own, in batches of 500 a
    // moment later, on a thread of its own, and at start-up what other writers stored while it was not
    // running.
    if (EngineFixture::backend() != QLatin1String("sqlite"))
        QSKIP("PostgreSQL's trigram indexes follow every insert");
    EngineFixture fixture;
    Store &store = fixture.store();
    const QString indexPath = TextIndexFile::pathFor(fixture.databasePath());
    // A plain connection to the database with the index attached, to read it the way the console does.
    const QString connection = QStringLiteral("text-index-reader");
    auto connect = [&] {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(fixture.databasePath());
        QSqlQuery attach(db);
        return db.open() && attach.exec(QStringLiteral("ATTACH DATABASE '%1' AS %2")
                                            .arg(indexPath, TextIndexFile::attachedName()));
    };
    auto removeConnection = qScopeGuard([&] { QSqlDatabase::removeDatabase(connection); });
    auto scalar = [&](const QString &sql) {
        QSqlQuery query(QSqlDatabase::database(connection));
        return query.exec(sql) && query.next() ? query.value(0).toLongLong() : -1;
    };
    auto mark = [&] {
        return scalar(EventTextSearch(QStringLiteral("sqlite")).indexedUpToStatement());
    };
    auto newest = [&] {
        return scalar(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM events"));
    };
    auto indexMatchesEvents = [&] {
        QSqlQuery query(QSqlDatabase::database(connection));
        const bool ok = query.exec(
            QStringLiteral("INSERT INTO events_text (events_text, rank) VALUES ('integrity-check', 1)"));
        return ok ? QString() : query.lastError().text();
    };
    auto matching = [&](const QString &phrase) {
        QSqlQuery query(QSqlDatabase::database(connection));
        query.prepare(QStringLiteral("SELECT COUNT(*) FROM events_text WHERE events_text MATCH ?"));
        query.addBindValue(phrase);
        return query.exec() && query.next() ? query.value(0).toInt() : -1;
    };

    // Stored while no engine runs (as by the CLI or an engine that stopped before indexing).
    QVERIFY(store.beginWrite());
    for (int i = 0; i < 3; ++i)
        QVERIFY(store.insertEvent(EventFactory::stored(QStringLiteral("offline-%1").arg(i),
                                                       QStringLiteral("team/offline"))) > 0);
    QVERIFY(store.commit());
    QVERIFY(!QFile::exists(indexPath));
    QVERIFY(fixture.start());
    QTRY_VERIFY(QFile::exists(indexPath));
    QVERIFY(connect());
    // The database itself holds no index since schema version 10.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM main.sqlite_master WHERE name = 'events_text'")), 0);
    QTRY_COMPARE_WITH_TIMEOUT(mark(), newest(), 5000);
    QCOMPARE(matching(QStringLiteral("\"team/offline\"")), 3);

    // 1,200 events in 12 requests: more than two batches.
    IntakeClient client(fixture.intakeUrl());
    for (int request = 0; request < 12; ++request) {
        QList<QByteArray> events;
        for (int i = 0; i < 100; ++i) {
            EventFactory::Spec spec;
            spec.repository = QStringLiteral("team/indexed-%1").arg(request);
            spec.tag = QStringLiteral("build-%1").arg(i);
            events.append(EventFactory::event(spec));
        }
        QCOMPARE(client.post(EventFactory::envelope(events)).status, 202);
    }
    QCOMPARE(newest(), 1203);
    QTRY_COMPARE_WITH_TIMEOUT(mark(), 1203, 10000);
    QCOMPARE(matching(QStringLiteral("\"team/indexed-\"")), 1200);
    QCOMPARE(matching(QStringLiteral("{repository} : \"indexed-11\" AND {tag} : \"build-99\"")), 1);
    const QString check = indexMatchesEvents();
    QVERIFY2(check.isEmpty(), qPrintable(check));
}

void TestIntake::manyEventsInOneRequestKeepTheirRows()
{
    // 72 events in one envelope: more than one multi-row INSERT (32 rows each), one id repeated inside the
    // envelope and one already stored. Each new event must get its own row and its own delivery.
    EngineFixture fixture;
    WebhookConfig webhook;
    webhook.name = QStringLiteral("nowhere");
    webhook.url = QStringLiteral("http://127.0.0.1:9/never");
    webhook.retryScheduleSeconds = {3600};
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());
    IntakeClient client(fixture.intakeUrl());
    EventFactory::Spec earlier;
    earlier.id = QStringLiteral("stored-before");
    QCOMPARE(client.post(EventFactory::envelopeOf(earlier)).status, 202);

    QList<QByteArray> events;
    QStringList ids;
    for (int i = 0; i < 70; ++i) {
        EventFactory::Spec spec;
        // Not in sorted order, so that the rows go in in another order than the envelope lists them.
        spec.id = QStringLiteral("event-%1").arg((i * 37) % 70, 2, 10, QLatin1Char('0'));
        spec.repository = QStringLiteral("team/app-%1").arg(spec.id);
        ids.append(spec.id);
        events.append(EventFactory::event(spec));
        if (i == 40)
            events.append(EventFactory::event(earlier));
    }
    EventFactory::Spec repeat;
    repeat.id = ids.at(5);
    repeat.repository = QStringLiteral("team/app-%1").arg(repeat.id);
    events.append(EventFactory::event(repeat));
    const IntakeClient::Answer answer = client.post(EventFactory::envelope(events));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(QStringLiteral("accepted")).toInt(), 70);
    QCOMPARE(answer.json().value(QStringLiteral("duplicates")).toInt(), 2);
    QCOMPARE(answer.json().value(QStringLiteral("deliveries")).toInt(), 70);

    // Every delivery points at the row of its own event (the repository names the id).
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(webhook.id);
    QCOMPARE(deliveries.size(), 71);
    QSet<QString> seen;
    for (const DeliveryRecord &delivery : deliveries) {
        const std::optional<RegistryEvent> event = fixture.store().event(delivery.eventRowId);
        QVERIFY(event.has_value());
        if (event->eventId == earlier.id)
            continue;
        QCOMPARE(event->repository, QStringLiteral("team/app-%1").arg(event->eventId));
        seen.insert(event->eventId);
    }
    QCOMPARE(seen.size(), 70);
}

void TestIntake::sameEventsFromManyConnectionsAreStoredOnce()
{
    // A registry that times out and resends while the first try is still committing: eight connections post
    // the same 200 events, one after another, each in its own order. On PostgreSQL the intake commits on two
    // connections of its own, so two of these groups can insert the same ids at the same time: each event
    // must be stored once, and every request answered 202 with the right counts. (The rows go in in id order
    // so that two such inserts cannot deadlock; this test does not reliably provoke that interleaving.)
    EngineFixture fixture;
    QVERIFY(fixture.start());
    QList<QByteArray> events;
    constexpr int count = 200;
    for (int i = 0; i < count; ++i) {
        EventFactory::Spec spec;
        spec.id = QStringLiteral("resent-%1").arg(i, 3, 10, QLatin1Char('0'));
        events.append(EventFactory::event(spec));
    }
    constexpr int connections = 8;
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int c = 0; c < connections; ++c) {
        QList<QByteArray> ordered = events;
        std::rotate(ordered.begin(), ordered.begin() + c * 25, ordered.end());
        if (c % 2)
            std::reverse(ordered.begin(), ordered.end());
        const QByteArray body = EventFactory::envelope(ordered);
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, quint16(fixture.intakeUrl().port()));
        QVERIFY(socket->waitForConnected(3000));
        socket->write("POST /v1/notify HTTP/1.1\r\nHost: tidings\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QVERIFY(socket->waitForBytesWritten(3000));
        sockets.push_back(std::move(socket));
        QTest::qWait(2); // a pass of the intake's event loop each: the groups go to both connections
    }
    QList<QByteArray> answers(connections);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bool all = true;
            for (int c = 0; c < connections; ++c) {
                answers[c] += sockets[c]->readAll();
                all = all && answers[c].contains("}");
            }
            return all;
        }(),
        15000);
    int accepted = 0;
    int duplicates = 0;
    for (const QByteArray &answer : std::as_const(answers)) {
        QVERIFY2(answer.startsWith("HTTP/1.1 202"), answer.constData());
        const QJsonObject body = QJsonDocument::fromJson(answer.mid(answer.indexOf("\r\n\r\n") + 4)).object();
        accepted += body.value(QStringLiteral("accepted")).toInt();
        duplicates += body.value(QStringLiteral("duplicates")).toInt();
    }
    QCOMPARE(accepted, count);
    QCOMPARE(duplicates, connections * count - count);
    EventFilter filter;
    filter.limit = 1000;
    QCOMPARE(fixture.store().events(filter).size(), count);
}

QTEST_GUILESS_MAIN(TestIntake)
#include "tst_intake.moc"
