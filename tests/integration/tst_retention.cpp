// Retention on a real database (a SQLite file, or PostgreSQL when TIDINGS_TEST_BACKEND=postgresql): what
// goes, what stays, and that it goes in small batches.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "RetentionSweeper.h"
#include "Store.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

class TestRetention : public QObject
{
    Q_OBJECT

private:
    // Adds an event with one delivery per webhook in `state`, last touched `ageMs` ago.
    static void addHistory(Store &store, const QList<qint64> &webhookIds, DeliveryState state, qint64 ageMs,
                           int count)
    {
        const QString path = store.location();
        QList<qint64> finished;
        const qint64 then = QDateTime::currentMSecsSinceEpoch() - ageMs;
        QVERIFY(store.beginWrite());
        for (int i = 0; i < count; ++i) {
            RegistryEvent event;
            event.eventId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            event.action = QStringLiteral("push");
            event.repository = QStringLiteral("team/app");
            event.receivedAt = QDateTime::fromMSecsSinceEpoch(then, Qt::UTC);
            event.contentType = "application/json";
            event.rawJson = "{}";
            const qint64 row = store.insertEvent(event);
            QVERIFY(row > 0);
            for (qint64 webhookId : webhookIds)
                QVERIFY(store.insertDelivery(row, webhookId, QStringLiteral("msg_x"), then) > 0);
        }
        QVERIFY(store.commit());
        // Move the new rows on the way the dispatcher would have: one attempt, then the final state.
        for (const DeliveryRecord &d :
             store.deliveries(DeliveryFilter{QStringLiteral("pending"), 0, {}, {}, 0, 100000})) {
            if (state == DeliveryState::Pending)
                break;
            AttemptRecord attempt;
            attempt.deliveryId = d.id;
            attempt.number = 1;
            attempt.startedAt = QDateTime::fromMSecsSinceEpoch(then, Qt::UTC);
            attempt.url = QStringLiteral("http://x/");
            attempt.responseStatus = 200;
            QVERIFY(store.claimDelivery(d.id, QStringLiteral("me"), then, then + 60000).has_value());
            AttemptOutcome outcome;
            outcome.state = state;
            QVERIFY(store.recordAttempt(attempt, outcome, QStringLiteral("me")));
            finished.append(d.id);
        }
        // recordAttempt stamps the current time; age the rows as if they had finished `ageMs` ago, on a
        // connection of the test's own to whichever backend the store uses.
        QString error;
        const std::unique_ptr<SqlDialect> dialect = Store::dialectFor(path, &error);
        QVERIFY2(dialect, qPrintable(error));
        QSqlDatabase raw = QSqlDatabase::addDatabase(dialect->driverName(), QStringLiteral("ager"));
        QVERIFY2(dialect->configure(raw, path, &error), qPrintable(error));
        QVERIFY2(raw.open(), qPrintable(raw.lastError().text()));
        {
            QSqlQuery query(raw);
            query.prepare(QStringLiteral("UPDATE deliveries SET updated_at = ? WHERE id = ?"));
            for (qint64 id : std::as_const(finished)) {
                query.addBindValue(then);
                query.addBindValue(id);
                QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
            }
        }
        raw.close();
        raw = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("ager"));
    }

    static int count(Store &store, const QString &state)
    {
        return int(store.deliveries(DeliveryFilter{state, 0, {}, {}, 0, 1000000}).size());
    }

    static qint64 runSweep(RetentionSweeper &sweeper)
    {
        QSignalSpy finished(&sweeper, &RetentionSweeper::sweepFinished);
        sweeper.sweepNow();
        if (!finished.wait(10000))
            return -1;
        return finished.first().first().toLongLong();
    }

private slots:
    void purgesByAgeButNeverUnfinishedWork();
    void keepsTheNewestPerWebhook();
};

void TestRetention::purgesByAgeButNeverUnfinishedWork()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    Store &store = fixture.store();
    WebhookConfig webhook;
    webhook.name = QStringLiteral("a");
    webhook.url = QStringLiteral("http://127.0.0.1/");
    const qint64 id = store.insertWebhook(webhook);

    const qint64 day = 24 * 3600 * 1000;
    addHistory(store, {id}, DeliveryState::Succeeded, 40 * day, 300); // old and finished: goes
    addHistory(store, {id}, DeliveryState::Failed, 35 * day, 30);     // old and failed: goes
    addHistory(store, {id}, DeliveryState::Succeeded, 1 * day, 20);   // recent: stays
    addHistory(store, {id}, DeliveryState::Pending, 60 * day, 5);     // old but still due: stays
    QCOMPARE(count(store, QStringLiteral("succeeded")), 320);

    RetentionPolicy policy;
    policy.batch = 64;
    policy.maxPerWebhook = 0;
    RetentionSweeper sweeper(store, policy);
    sweeper.setWebhookIds({id});
    const qint64 removed = runSweep(sweeper);
    // 330 deliveries with their attempts, and the 330 events nothing refers to any more.
    QCOMPARE(removed, qint64(330 + 330));
    QCOMPARE(count(store, QStringLiteral("succeeded")), 20);
    QCOMPARE(count(store, QStringLiteral("failed")), 0);
    QCOMPARE(count(store, QStringLiteral("pending")), 5);
    for (const DeliveryRecord &d :
         store.deliveries(DeliveryFilter{QStringLiteral("succeeded"), 0, {}, {}, 0, 100}))
        QCOMPARE(store.attempts(d.id).size(), 1);
    // The pending deliveries keep their events.
    for (const DeliveryRecord &d :
         store.deliveries(DeliveryFilter{QStringLiteral("pending"), 0, {}, {}, 0, 100}))
        QVERIFY(store.event(d.eventRowId).has_value());
    // A second sweep finds nothing.
    QCOMPARE(runSweep(sweeper), qint64(0));
}

void TestRetention::keepsTheNewestPerWebhook()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    Store &store = fixture.store();
    WebhookConfig a;
    a.name = QStringLiteral("a");
    a.url = QStringLiteral("http://127.0.0.1/");
    WebhookConfig b = a;
    b.name = QStringLiteral("b");
    const qint64 idA = store.insertWebhook(a);
    const qint64 idB = store.insertWebhook(b);
    addHistory(store, {idA}, DeliveryState::Succeeded, 1000, 250);
    addHistory(store, {idB}, DeliveryState::Succeeded, 1000, 40);
    addHistory(store, {idA}, DeliveryState::Pending, 1000, 10);

    RetentionPolicy policy;
    policy.batch = 64;
    policy.maxPerWebhook = 100;
    RetentionSweeper sweeper(store, policy);
    sweeper.setWebhookIds({idA, idB});
    QCOMPARE(runSweep(sweeper), qint64(150));
    DeliveryFilter ofA{QStringLiteral("succeeded"), idA, {}, {}, 0, 1000};
    const QList<DeliveryRecord> kept = store.deliveries(ofA);
    QCOMPARE(kept.size(), 100);
    // The newest stay: the kept ids are the highest ones of webhook a.
    QVERIFY(kept.constLast().id > 150);
    QCOMPARE(count(store, QStringLiteral("pending")), 10);
    QCOMPARE(store.deliveries(DeliveryFilter{QStringLiteral("succeeded"), idB, {}, {}, 0, 1000}).size(), 40);
}

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
