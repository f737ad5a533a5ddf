// "Replay to another URL or with an edited payload" end to end over loopback: the engine facade, the REST
// admin API and the CLI (on the database and with --server), each against real HTTP sinks; the signature is
// checked the way a receiver checks it, and the attempt's record of what changed is read back from the store.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"
#include "WebhookSignature.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QByteArray kAdminToken = QByteArrayLiteral("admin-token-for-replay-tests");
const QByteArray kEditedPayload =
    QByteArrayLiteral("{\"events\": [{\"action\": \"push\", \"edited\": true}]}");

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

// What a receiver does: the signature header against the secret, over the body it got.
WebhookSignature::Verdict verdictOf(const CapturedRequest &request, const QString &secret)
{
    QByteArray key;
    if (!WebhookSignature::decodeSecret(secret, &key))
        return WebhookSignature::Verdict::MalformedHeader;
    return WebhookSignature::verify(key, request.header("webhook-id"), request.header("webhook-timestamp"),
                                    request.body, request.header("webhook-signature"),
                                    QDateTime::currentSecsSinceEpoch());
}

} // namespace

class TestReplayOverride : public QObject
{
    Q_OBJECT

private:
    // A webhook whose endpoint answers 500 and gives up after one attempt, and one failed delivery of it.
    struct Failed
    {
        WebhookConfig webhook;
        qint64 deliveryId = 0;
        QByteArray originalBody;
    };
    static bool failOne(EngineFixture &fixture, HttpSink &sink, const EngineConfig &config, Failed *failed)
    {
        HttpSink::Behaviour failing;
        failing.status = 500;
        sink.setBehaviour(failing);
        WebhookConfig webhook;
        webhook.name = QStringLiteral("replayed");
        webhook.url = sink.url(QStringLiteral("/configured")).toString();
        webhook.secret = WebhookSignature::generateSecret();
        webhook.maxAttempts = 1;
        failed->webhook = fixture.addWebhook(webhook);
        if (!fixture.start(config))
            return false;
        if (IntakeClient(fixture.intakeUrl(), config.intakeToken)
                .post(EventFactory::envelopeOf(EventFactory::Spec{}))
                .status != 202)
            return false;
        QElapsedTimer clock;
        clock.start();
        while (fixture.deliveriesOf(failed->webhook.id).isEmpty() && clock.elapsed() < 5000)
            QTest::qWait(20);
        if (fixture.deliveriesOf(failed->webhook.id).isEmpty())
            return false;
        failed->deliveryId = fixture.deliveriesOf(failed->webhook.id).constFirst().id;
        if (!fixture.waitForState(failed->deliveryId, DeliveryState::Failed) || sink.requests().isEmpty())
            return false;
        failed->originalBody = sink.requests().constFirst().body;
        sink.clear();
        return true;
    }
    static EngineConfig adminConfig(EngineFixture &fixture)
    {
        EngineConfig config = fixture.config();
        config.adminToken = kAdminToken;
        return config;
    }
    static IntakeClient::Answer adminPost(EngineFixture &fixture, const QString &path, const QByteArray &body)
    {
        QUrl url = fixture.intakeUrl();
        url.setPath(path);
        return IntakeClient(fixture.intakeUrl(), kAdminToken)
            .send("POST", url, body, QByteArrayLiteral("application/json"));
    }
    static QString errorCode(const IntakeClient::Answer &answer)
    {
        return answer.json()
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }

private slots:
    void editedPayloadToAnotherUrlIsSignedAndRecorded();
    void editedPayloadToTheWebhookUrlCompletesTheDelivery();
    void refusalsSayWhyAndRecordNothing();
    void blockedDestinationIsRefused();
    void restReplayWithOverride();
    void cliReplayOnTheDatabase();
    void cliReplayWithServer();
};

void TestReplayOverride::editedPayloadToAnotherUrlIsSignedAndRecorded()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured, other;
    QVERIFY(configured.start() && other.start());
    Failed failed;
    QVERIFY2(failOne(fixture, configured, fixture.config(), &failed), qPrintable(fixture.lastError()));

    QSignalSpy finished(fixture.engine(), &Engine::overrideReplayFinished);
    const QString otherUrl = other.url(QStringLiteral("/elsewhere")).toString();
    fixture.engine()->replayWithOverride(failed.deliveryId, otherUrl, kEditedPayload);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.at(0).at(2).toString(), QString());

    // The other URL got the edited bytes, signed over them with the webhook's secret, same webhook-id.
    QCOMPARE(other.count(), 1);
    QCOMPARE(configured.count(), 0);
    const CapturedRequest request = other.requests().constFirst();
    QCOMPARE(request.path, QByteArrayLiteral("/elsewhere"));
    QCOMPARE(request.body, kEditedPayload);
    QCOMPARE(verdictOf(request, failed.webhook.secret), WebhookSignature::Verdict::Valid);
    QCOMPARE(QString::fromLatin1(request.header("webhook-id")),
             fixture.store().delivery(failed.deliveryId)->messageId);

    // The attempt records what changed; the delivery still describes its webhook (it stays failed).
    const QList<AttemptRecord> attempts = fixture.store().attempts(failed.deliveryId);
    QCOMPARE(attempts.size(), 2);
    const AttemptRecord &replayed = attempts.at(1);
    QCOMPARE(replayed.number, 2);
    QVERIFY(replayed.manual);
    QCOMPARE(replayed.url, otherUrl);
    QCOMPARE(replayed.responseStatus, 200);
    QCOMPARE(replayed.requestBody, kEditedPayload);
    QVERIFY(replayed.replayOverride.urlChanged());
    QCOMPARE(replayed.replayOverride.url, otherUrl);
    QCOMPARE(replayed.replayOverride.originalUrl, failed.webhook.url);
    QVERIFY(replayed.replayOverride.payloadEdited);
    QCOMPARE(replayed.replayOverride.originalPayloadSha256, sha256(failed.originalBody));
    QCOMPARE(replayed.replayOverride.payloadSha256, sha256(kEditedPayload));
    QVERIFY2(replayed.note.contains(otherUrl) && replayed.note.contains(QLatin1String("payload edited")),
             qPrintable(replayed.note));
    const DeliveryRecord delivery = *fixture.store().delivery(failed.deliveryId);
    QCOMPARE(delivery.state, DeliveryState::Failed);
    QCOMPARE(delivery.totalAttempts, 2);
    QCOMPARE(delivery.lastStatus, 500);
}

void TestReplayOverride::editedPayloadToTheWebhookUrlCompletesTheDelivery()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured;
    QVERIFY(configured.start());
    Failed failed;
    QVERIFY(failOne(fixture, configured, fixture.config(), &failed));
    configured.setBehaviour(HttpSink::Behaviour{});

    QSignalSpy finished(fixture.engine(), &Engine::overrideReplayFinished);
    QSignalSpy changed(fixture.engine(), &Engine::deliveryChanged);
    fixture.engine()->replayWithOverride(failed.deliveryId, QString(), kEditedPayload);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(configured.count(), 1);
    QCOMPARE(configured.requests().constFirst().body, kEditedPayload);
    QCOMPARE(verdictOf(configured.requests().constFirst(), failed.webhook.secret),
             WebhookSignature::Verdict::Valid);
    // Reaching the webhook's own URL with a 2xx completes the delivery; the URL is recorded as unchanged.
    QVERIFY(fixture.waitForState(failed.deliveryId, DeliveryState::Succeeded, 3000));
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 3000);
    const AttemptRecord replayed = fixture.store().attempts(failed.deliveryId).constLast();
    QVERIFY(!replayed.replayOverride.urlChanged());
    QVERIFY(replayed.replayOverride.payloadEdited);
    QCOMPARE(fixture.store().delivery(failed.deliveryId)->lastStatus, 200);

    // Unedited text is no edit: the delivery's own bytes go out and nothing is recorded as changed.
    fixture.engine()->replayWithOverride(failed.deliveryId, QString(), QByteArray());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
    QCOMPARE(configured.requests().constLast().body, failed.originalBody);
    QVERIFY(fixture.store().attempts(failed.deliveryId).constLast().replayOverride.isEmpty());
}

void TestReplayOverride::refusalsSayWhyAndRecordNothing()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured;
    QVERIFY(configured.start());
    Failed failed;
    QVERIFY(failOne(fixture, configured, fixture.config(), &failed));

    QSignalSpy finished(fixture.engine(), &Engine::overrideReplayFinished);
    fixture.engine()->replayWithOverride(failed.deliveryId, QString(),
                                         QByteArrayLiteral("{\"events\": [,]}"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QString error = finished.at(0).at(2).toString();
    QVERIFY2(error.contains(QLatin1String("not valid JSON")) && error.contains(QLatin1String("line 1")),
             qPrintable(error));

    fixture.engine()->replayWithOverride(failed.deliveryId, QStringLiteral("ftp://example.org/hook"), {});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 5000);
    error = finished.at(1).at(2).toString();
    QVERIFY2(error.contains(QLatin1String("http:// or https://")), qPrintable(error));

    fixture.engine()->replayWithOverride(987654, QString(), {});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 5000);
    QVERIFY2(finished.at(2).at(2).toString().contains(QLatin1String("no delivery 987654")),
             qPrintable(finished.at(2).at(2).toString()));

    QCOMPARE(configured.count(), 0);
    QCOMPARE(fixture.store().attempts(failed.deliveryId).size(), 1);
}

void TestReplayOverride::blockedDestinationIsRefused()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured;
    QVERIFY(configured.start());
    // The guard on, as on a server, with the test's loopback sinks allowed.
    EngineConfig config = adminConfig(fixture);
    config.destinationGuard = EngineConfig::DestinationGuard::On;
    config.allowedDestinations = {QStringLiteral("127.0.0.1/32")};
    Failed failed;
    QVERIFY(failOne(fixture, configured, config, &failed));

    QSignalSpy finished(fixture.engine(), &Engine::overrideReplayFinished);
    fixture.engine()->replayWithOverride(failed.deliveryId, QStringLiteral("http://169.254.169.254/latest"),
                                         {});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    const QString error = finished.at(0).at(2).toString();
    QVERIFY2(error.contains(QLatin1String("not an allowed destination")), qPrintable(error));
    QCOMPARE(fixture.store().attempts(failed.deliveryId).size(), 1);

    // The same through the admin API: 422 with the reason.
    const IntakeClient::Answer answer =
        adminPost(fixture, QStringLiteral("/v1/admin/deliveries/%1/replay").arg(failed.deliveryId),
                  QByteArrayLiteral("{\"url\": \"http://10.1.2.3/hook\"}"));
    QCOMPARE(answer.status, 422);
    QCOMPARE(errorCode(answer), QStringLiteral("blocked_destination"));
    QCOMPARE(fixture.store().attempts(failed.deliveryId).size(), 1);
}

void TestReplayOverride::restReplayWithOverride()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured, other;
    QVERIFY(configured.start() && other.start());
    Failed failed;
    QVERIFY(failOne(fixture, configured, adminConfig(fixture), &failed));
    const QString path = QStringLiteral("/v1/admin/deliveries/%1/replay").arg(failed.deliveryId);

    // The payload as a string is sent byte for byte; the answer comes when the attempt is over.
    const QString otherUrl = other.url(QStringLiteral("/rest")).toString();
    QJsonObject body{{QStringLiteral("url"), otherUrl},
                     {QStringLiteral("payload"), QString::fromUtf8(kEditedPayload)}};
    IntakeClient::Answer answer = adminPost(fixture, path, QJsonDocument(body).toJson());
    QVERIFY2(answer.status == 200, answer.body.constData());
    const QJsonObject attempt = answer.json().value(QStringLiteral("attempt")).toObject();
    QCOMPARE(attempt.value(QStringLiteral("responseStatus")).toInt(), 200);
    const QJsonObject change = attempt.value(QStringLiteral("override")).toObject();
    QCOMPARE(change.value(QStringLiteral("url")).toObject().value(QStringLiteral("to")).toString(), otherUrl);
    QCOMPARE(change.value(QStringLiteral("url")).toObject().value(QStringLiteral("from")).toString(),
             failed.webhook.url);
    QVERIFY(change.value(QStringLiteral("payloadEdited")).toBool());
    QCOMPARE(change.value(QStringLiteral("originalPayloadSha256")).toString(), sha256(failed.originalBody));
    QCOMPARE(
        answer.json().value(QStringLiteral("delivery")).toObject().value(QStringLiteral("state")).toString(),
        QStringLiteral("failed"));
    QCOMPARE(other.count(), 1);
    QCOMPARE(other.requests().constFirst().body, kEditedPayload);
    QCOMPARE(verdictOf(other.requests().constFirst(), failed.webhook.secret),
             WebhookSignature::Verdict::Valid);

    // The delivery's detail shows the change on its attempt; other attempts have none.
    QUrl detailUrl = fixture.intakeUrl();
    detailUrl.setPath(QStringLiteral("/v1/admin/deliveries/%1").arg(failed.deliveryId));
    const IntakeClient::Answer detail =
        IntakeClient(fixture.intakeUrl(), kAdminToken).send("GET", detailUrl, {}, {});
    const QJsonArray log = detail.json().value(QStringLiteral("attemptLog")).toArray();
    QCOMPARE(log.size(), 2);
    QVERIFY(log.at(0).toObject().value(QStringLiteral("override")).isNull());
    QVERIFY(log.at(1)
                .toObject()
                .value(QStringLiteral("override"))
                .toObject()
                .value(QStringLiteral("payloadEdited"))
                .toBool());

    // Refusals with their codes; nothing sent, nothing recorded.
    answer = adminPost(fixture, path, QByteArrayLiteral("{\"payload\": \"{not json\"}"));
    QCOMPARE(answer.status, 400);
    QCOMPARE(errorCode(answer), QStringLiteral("invalid_payload"));
    answer = adminPost(fixture, path, QByteArrayLiteral("{\"url\": \"not a url\"}"));
    QCOMPARE(answer.status, 400);
    QCOMPARE(errorCode(answer), QStringLiteral("invalid_url"));
    answer = adminPost(fixture, path, QByteArrayLiteral("{\"target\": \"http://x\"}"));
    QCOMPARE(answer.status, 400);
    answer = adminPost(fixture, QStringLiteral("/v1/admin/deliveries/424242/replay"),
                       QByteArrayLiteral("{\"url\": \"http://127.0.0.1:1/\"}"));
    QCOMPARE(answer.status, 404);
    QCOMPARE(other.count(), 1);
    QCOMPARE(fixture.store().attempts(failed.deliveryId).size(), 2);

    // Without a body it is still the plain replay: queued, 202.
    answer = adminPost(fixture, path, QByteArray());
    QCOMPARE(answer.status, 202);
}

void TestReplayOverride::cliReplayOnTheDatabase()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink configured, other;
    QVERIFY(configured.start() && other.start());
    Failed failed;
    QVERIFY(failOne(fixture, configured, fixture.config(), &failed));
    QVERIFY(fixture.stop());

    QTemporaryDir dir;
    const QString payloadFile = dir.filePath(QStringLiteral("edited.json"));
    QFile file(payloadFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kEditedPayload);
    file.close();

    TidingsProcess cli(fixture.databaseLocation());
    const QString otherUrl = other.url(QStringLiteral("/cli")).toString();
    CliResult result =
        cli.runCli({QStringLiteral("delivery"), QStringLiteral("replay"), QString::number(failed.deliveryId),
                    QStringLiteral("--url"), otherUrl, QStringLiteral("--payload-file"), payloadFile});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("HTTP 200") && result.out.contains("payload edited"),
             result.out.constData());
    QCOMPARE(other.count(), 1);
    QCOMPARE(other.requests().constFirst().body, kEditedPayload);
    QCOMPARE(verdictOf(other.requests().constFirst(), failed.webhook.secret),
             WebhookSignature::Verdict::Valid);
    const AttemptRecord replayed = fixture.store().attempts(failed.deliveryId).constLast();
    QCOMPARE(replayed.replayOverride.url, otherUrl);
    QVERIFY(replayed.replayOverride.payloadEdited);

    // Usage errors before anything is sent.
    QFile broken(dir.filePath(QStringLiteral("broken.json")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("{\"a\": }");
    broken.close();
    result = cli.runCli({QStringLiteral("replay"), QString::number(failed.deliveryId),
                         QStringLiteral("--payload-file"), broken.fileName()});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains("not valid JSON"), result.err.constData());
    result =
        cli.runCli({QStringLiteral("replay"), QStringLiteral("--failed"), QStringLiteral("--url"), otherUrl});
    QCOMPARE(result.exitCode, 2);
    // The guard, when turned on for the command line, refuses private targets not allowed.
    QProcessEnvironment environment = cli.environment();
    environment.insert(QStringLiteral("TIDINGS_DESTINATION_GUARD"), QStringLiteral("on"));
    cli.setEnvironment(environment);
    result = cli.runCli(
        {QStringLiteral("replay"), QString::number(failed.deliveryId), QStringLiteral("--url"), otherUrl});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("not an allowed destination"), result.err.constData());
    QCOMPARE(other.count(), 1);
}

void TestReplayOverride::cliReplayWithServer()
{
    if (EngineFixture::backend() != QLatin1String("sqlite"))
        QSKIP("serve on a private database file: SQLite only");
    QTemporaryDir dir;
    TidingsProcess server(dir.filePath(QStringLiteral("server.db")));
    QString error;
    QVERIFY2(server.startServe({QStringLiteral("--admin-token"), QString::fromLatin1(kAdminToken)}, &error),
             qPrintable(error));
    QUrl base = server.intakeUrl();
    base.setPath(QString());
    HttpSink configured, other;
    QVERIFY(configured.start() && other.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    configured.setBehaviour(failing);
    const QString secret = WebhookSignature::generateSecret();
    const QStringList remote{QStringLiteral("--server"), base.toString(), QStringLiteral("--token"),
                             QString::fromLatin1(kAdminToken)};
    CliResult result = server.runCli(
        remote + QStringList{QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                             QStringLiteral("remote"), QStringLiteral("--url"), configured.url().toString(),
                             QStringLiteral("--secret"), secret, QStringLiteral("--max-attempts"),
                             QStringLiteral("1")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QTest::qWait(1500); // serve routes with the webhook set of its last change check
    QCOMPARE(IntakeClient(server.intakeUrl()).post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(configured.count(), 1, 10000);
    qint64 id = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const CliResult list =
                server.runCli(remote + QStringList{QStringLiteral("deliveries"), QStringLiteral("list"),
                                                   QStringLiteral("--status"), QStringLiteral("failed"),
                                                   QStringLiteral("--json")});
            const QJsonArray rows = QJsonDocument::fromJson(list.out).array();
            id = rows.isEmpty() ? 0 : rows.at(0).toObject().value(QStringLiteral("id")).toInteger();
            return id > 0;
        }(),
        10000);

    const QString payloadFile = dir.filePath(QStringLiteral("edited.json"));
    QFile file(payloadFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kEditedPayload);
    file.close();
    const QString otherUrl = other.url(QStringLiteral("/via-server")).toString();
    result = server.runCli(remote + QStringList{QStringLiteral("replay"), QString::number(id),
                                                QStringLiteral("--url"), otherUrl,
                                                QStringLiteral("--payload-file"), payloadFile});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("HTTP 200"), result.out.constData());
    QCOMPARE(other.count(), 1);
    QCOMPARE(other.requests().constFirst().body, kEditedPayload);
    QCOMPARE(verdictOf(other.requests().constFirst(), secret), WebhookSignature::Verdict::Valid);

    const CliResult shown =
        server.runCli(remote + QStringList{QStringLiteral("deliveries"), QStringLiteral("show"),
                                           QString::number(id), QStringLiteral("--json")});
    const QJsonArray log =
        QJsonDocument::fromJson(shown.out).object().value(QStringLiteral("attemptLog")).toArray();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log.at(1)
                 .toObject()
                 .value(QStringLiteral("override"))
                 .toObject()
                 .value(QStringLiteral("url"))
                 .toObject()
                 .value(QStringLiteral("to"))
                 .toString(),
             otherUrl);
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestReplayOverride)
#include "tst_replayoverride.moc"
