// The Store on a real PostgreSQL server (a private cluster, see PostgresCluster): the same migrations and
// queries as on SQLite, and the claims that make several instances safe on one queue.
#include "PostgresCluster.h"
#include "Store.h"

#include <QDateTime>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUrl>

class TestPostgresStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void migratesAndReopens();
    void refusesABadUrlWithAReason_data();
    void refusesABadUrlWithAReason();
    void storesRoutesClaimsAndRecords();
    void concurrentClaimsSkipEachOther();
    void textFiltersBindOnePlaceholderTwice();
    void textIndexesAreCreatedByTheDatabaseOwner();
    void deferredTransactionsCommitAsynchronously();

private:
    QString freshDatabase();
    static qint64 addEvent(Store &store, const QString &id, qint64 webhookId, qint64 now);
    PostgresCluster *m_cluster = nullptr;
};

void TestPostgresStore::initTestCase()
{
    QString error;
    m_cluster = PostgresCluster::shared(&error);
    QVERIFY2(m_cluster, qPrintable(error));
}

QString TestPostgresStore::freshDatabase()
{
    QString error;
    const QString url = m_cluster->createDatabase(&error);
    if (url.isEmpty())
        qWarning("cannot create a database: %s", qPrintable(error));
    return url;
}

qint64 TestPostgresStore::addEvent(Store &store, const QString &id, qint64 webhookId, qint64 now)
{
    RegistryEvent event;
    event.eventId = id;
    event.timestamp = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    event.receivedAt = event.timestamp;
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("team/app");
    event.tag = QStringLiteral("1.0");
    event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v2+json");
    event.rawJson = QByteArrayLiteral("{\"id\":\"") + id.toUtf8() +
                    QByteArrayLiteral("\",\"bytes\":\"\\u0000\xc3\xa9\"}");
    if (!store.beginWrite())
        return -1;
    const qint64 row = store.insertEvent(event);
    if (row <= 0) {
        store.rollback();
        return row;
    }
    const qint64 delivery = store.insertDelivery(row, webhookId, QStringLiteral("msg_") + id, now);
    return store.commit() ? delivery : -1;
}

void TestPostgresStore::migratesAndReopens()
{
    const QString url = freshDatabase();
    QVERIFY(!url.isEmpty());
    for (int round = 0; round < 2; ++round) {
        QString error;
        Store store(Store::dialectFor(url, &error));
        QVERIFY2(store.open(url, &error), qPrintable(error));
        QCOMPARE(store.dialect().name(), QStringLiteral("postgresql"));
        QVERIFY(store.webhooks().isEmpty());
    }
}

void TestPostgresStore::refusesABadUrlWithAReason_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no database") << "postgresql://user@localhost:5432/"
                                 << "names no database";
    QTest::newRow("no host") << "postgresql:///tidings"
                             << "names no host";
    QTest::newRow("password hidden") << "postgresql://u:hunter2@/x"
                                     << "********";
}

void TestPostgresStore::refusesABadUrlWithAReason()
{
    QFETCH(QString, url);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!Store::dialectFor(url, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1String("hunter2")), qPrintable(error));
}

void TestPostgresStore::storesRoutesClaimsAndRecords()
{
    const QString url = freshDatabase();
    QString error;
    Store store(Store::dialectFor(url, &error));
    QVERIFY2(store.open(url, &error), qPrintable(error));

    WebhookConfig webhook;
    webhook.name = QStringLiteral("ci");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    webhook.headers = {{QStringLiteral("X-Team"), QStringLiteral("Grüße \"quoted\"")}};
    webhook.retryScheduleSeconds = {0, 5};
    webhook.id = store.insertWebhook(webhook);
    QVERIFY2(webhook.id > 0, qPrintable(store.lastError()));
    QCOMPARE(store.webhookByName(QStringLiteral("ci"))->headers, webhook.headers);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 first = addEvent(store, QStringLiteral("e1"), webhook.id, now);
    QVERIFY2(first > 0, qPrintable(store.lastError()));
    // The same registry event id again is a duplicate: no new row, no error.
    QVERIFY(store.beginWrite());
    RegistryEvent again;
    again.eventId = QStringLiteral("e1");
    again.action = QStringLiteral("push");
    again.repository = QStringLiteral("team/app");
    again.contentType = "application/json";
    again.rawJson = "{}";
    QCOMPARE(store.insertEvent(again), 0);
    QVERIFY(store.commit());

    QVERIFY(store.beginWrite());
    const auto claimed = store.claimDue(webhook.id, 10, QStringLiteral("a"), now, now + 60000);
    QVERIFY(store.commit());
    QVERIFY2(claimed, qPrintable(store.lastError()));
    QCOMPARE(claimed->size(), 1);
    QCOMPARE(claimed->first().delivery.id, first);
    // Binary-safe payloads: the bytes come back as they went in.
    QVERIFY(claimed->first().event.rawJson.contains("\xc3\xa9"));
    QCOMPARE(claimed->first().event.repository, QStringLiteral("team/app"));

    AttemptRecord attempt;
    attempt.deliveryId = first;
    attempt.number = 1;
    attempt.startedAt = QDateTime::currentDateTimeUtc();
    attempt.url = webhook.url;
    attempt.requestHeaders = {{"webhook-id", "msg_e1"}};
    attempt.requestBody = "{\"events\":[]}";
    attempt.responseStatus = 503;
    attempt.errorClass = QStringLiteral("http");
    AttemptOutcome outcome{DeliveryState::Pending, QDateTime::currentDateTimeUtc().addSecs(5)};
    QVERIFY2(store.recordAttempt(attempt, outcome, QStringLiteral("a")), qPrintable(store.lastError()));
    QVERIFY(attempt.id > 0);
    const auto delivery = store.delivery(first);
    QVERIFY(delivery);
    QCOMPARE(delivery->state, DeliveryState::Pending);
    QCOMPARE(delivery->lastStatus, 503);
    QCOMPARE(store.attempts(first).size(), 1);
    QCOMPARE(store.attempts(first).first().requestHeaders, attempt.requestHeaders);
    QCOMPARE(store.queueDepth().pending, 1);
    QVERIFY(store.earliestDue(webhook.id).has_value());
    QCOMPARE(store.deliveries(DeliveryFilter{}).size(), 1);
}

void TestPostgresStore::concurrentClaimsSkipEachOther()
{
    const QString url = freshDatabase();
    QString error;
    Store one(Store::dialectFor(url, &error));
    Store two(Store::dialectFor(url, &error));
    QVERIFY2(one.open(url, &error), qPrintable(error));
    QVERIFY2(two.open(url, &error), qPrintable(error));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("shared");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    webhook.id = one.insertWebhook(webhook);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 20; ++i)
        QVERIFY(addEvent(one, QStringLiteral("c%1").arg(i), webhook.id, now) > 0);

    // Both instances claim while the other's transaction is still open: SKIP LOCKED hands them disjoint
    // rows instead of making the second wait or take the same ones.
    QVERIFY(one.beginWrite());
    QVERIFY(two.beginWrite());
    const auto a = one.claimDue(webhook.id, 12, QStringLiteral("one"), now, now + 60000);
    const auto b = two.claimDue(webhook.id, 12, QStringLiteral("two"), now, now + 60000);
    QVERIFY2(a && b, qPrintable(one.lastError() + two.lastError()));
    QVERIFY(one.commit());
    QVERIFY(two.commit());
    QCOMPARE(a->size(), 12);
    QCOMPARE(b->size(), 8);
    QSet<qint64> ids;
    for (const auto &c : *a)
        ids.insert(c.delivery.id);
    for (const auto &c : *b)
        QVERIFY2(!ids.contains(c.delivery.id), "a delivery was claimed by both instances");
}

void TestPostgresStore::textFiltersBindOnePlaceholderTwice()
{
    // Store::events and Store::deliveries use ":text" twice in one statement (repository OR tag); QPSQL
    // turns named placeholders into positional ones, and both positions must get the value.
    const QString url = freshDatabase();
    QString error;
    Store store(Store::dialectFor(url, &error));
    QVERIFY2(store.open(url, &error), qPrintable(error));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("text");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    webhook.id = store.insertWebhook(webhook);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QList<QPair<QString, QString>> events = {{QStringLiteral("prod/api"), QStringLiteral("v1")},
                                                   {QStringLiteral("dev/web"), QStringLiteral("prod-7")},
                                                   {QStringLiteral("dev/x"), QStringLiteral("1.0")}};
    for (int i = 0; i < events.size(); ++i) {
        RegistryEvent event;
        event.eventId = QStringLiteral("t%1").arg(i);
        event.timestamp = event.receivedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
        event.action = QStringLiteral("push");
        event.repository = events.at(i).first;
        event.tag = events.at(i).second;
        event.contentType = "application/json";
        event.rawJson = "{}";
        QVERIFY(store.beginWrite());
        const qint64 row = store.insertEvent(event);
        QVERIFY2(row > 0, qPrintable(store.lastError()));
        QVERIFY(store.insertDelivery(row, webhook.id, QStringLiteral("msg_t%1").arg(i), now) > 0);
        QVERIFY(store.commit());
    }
    EventFilter byText;
    byText.text = QStringLiteral("prod");
    const QList<RegistryEvent> found = store.events(byText);
    QVERIFY2(store.lastError().isEmpty(), qPrintable(store.lastError()));
    QCOMPARE(found.size(), 2); // one by its repository, one by its tag
    QCOMPARE(found.at(0).tag, QStringLiteral("prod-7"));
    QCOMPARE(found.at(1).repository, QStringLiteral("prod/api"));
    byText.text = QStringLiteral("1");
    QCOMPARE(store.events(byText).size(), 2); // "v1" and "1.0", not "prod-7"
    DeliveryFilter deliveries;
    deliveries.repository = QStringLiteral("prod");
    QCOMPARE(store.deliveries(deliveries).size(), 2);
}

void TestPostgresStore::textIndexesAreCreatedByTheDatabaseOwner()
{
    // Migration 6 creates pg_trgm (a trusted extension) and its GIN indexes; the owner of the database
    // needs no superuser right for it.
    const QString fresh = freshDatabase();
    QVERIFY(!fresh.isEmpty());
    const QUrl url(fresh);
    const QString freshName = url.path().mid(1);
    const QString owner = freshName + QStringLiteral("_owner");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("owner-setup"));
        db.setHostName(m_cluster->socketDirectory());
        db.setPort(m_cluster->port());
        db.setUserName(url.userName());
        db.setDatabaseName(QStringLiteral("postgres"));
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery query(db);
        QVERIFY2(
            query.exec(QStringLiteral("CREATE ROLE %1 LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").arg(owner)),
            qPrintable(query.lastError().text()));
        QVERIFY2(query.exec(QStringLiteral("ALTER DATABASE %1 OWNER TO %2").arg(freshName, owner)),
                 qPrintable(query.lastError().text()));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("owner-setup"));
    QUrl ownerUrl(fresh);
    ownerUrl.setUserName(owner);
    QString error;
    Store store(Store::dialectFor(ownerUrl.toString(), &error));
    QVERIFY2(store.open(ownerUrl.toString(), &error), qPrintable(error));
    QSqlDatabase check = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("owner-check"));
    {
        check.setHostName(m_cluster->socketDirectory());
        check.setPort(m_cluster->port());
        check.setUserName(owner);
        check.setDatabaseName(freshName);
        QVERIFY2(check.open(), qPrintable(check.lastError().text()));
        QSqlQuery query(check);
        QVERIFY(query.exec(QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
                                          "('events_repository_trgm', 'events_tag_trgm')")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), 2);
        check.close();
    }
    check = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("owner-check"));
}

void TestPostgresStore::deferredTransactionsCommitAsynchronously()
{
    const QString url = freshDatabase();
    QVERIFY(!url.isEmpty());
    QString error;
    Store store(Store::dialectFor(url, &error));
    QVERIFY2(store.open(url, &error), qPrintable(error));
    const auto synchronousCommit = [&store] {
        QSqlQuery query(QSqlDatabase::database(store.connectionName(), false));
        return query.exec(QStringLiteral("SHOW synchronous_commit")) && query.next()
                   ? query.value(0).toString()
                   : QString();
    };
    WebhookConfig webhook;
    webhook.url = QStringLiteral("http://127.0.0.1/");
    QCOMPARE(synchronousCommit(), QStringLiteral("on")); // --durability full

    // A deferred transaction (a poll round) commits asynchronously, and only that transaction.
    QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
    QCOMPARE(synchronousCommit(), QStringLiteral("off"));
    webhook.name = QStringLiteral("a");
    QVERIFY(store.insertWebhook(webhook) > 0);
    QVERIFY2(store.commit(), qPrintable(store.lastError()));
    QCOMPARE(synchronousCommit(), QStringLiteral("on"));

    // A durable one (the intake's) waits for the disk as the setting says.
    QVERIFY(store.beginWrite());
    QCOMPARE(synchronousCommit(), QStringLiteral("on"));
    webhook.name = QStringLiteral("b");
    QVERIFY(store.insertWebhook(webhook) > 0);
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    // A rolled-back deferred transaction leaves nothing behind either.
    QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
    webhook.name = QStringLiteral("c");
    QVERIFY(store.insertWebhook(webhook) > 0);
    store.rollback();
    QCOMPARE(synchronousCommit(), QStringLiteral("on"));
    QCOMPARE(store.webhooks().size(), 2);

    // Under --durability normal every commit is asynchronous: a deferred transaction changes nothing.
    Store normal(Store::dialectFor(url, &error, /*fullDurability=*/false));
    QVERIFY2(normal.open(url, &error), qPrintable(error));
    QVERIFY(normal.beginWrite(Store::CommitSync::Deferred));
    QSqlQuery query(QSqlDatabase::database(normal.connectionName(), false));
    QVERIFY(query.exec(QStringLiteral("SHOW synchronous_commit")) && query.next());
    QCOMPARE(query.value(0).toString(), QStringLiteral("off"));
    QVERIFY(normal.commit());
}

QTEST_GUILESS_MAIN(TestPostgresStore)
#include "tst_postgresstore.moc"
