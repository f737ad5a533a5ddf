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

#include <algorithm>
#include <utility>

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

    // Two webhooks, "a" and "b", that nothing is sent to.
    static std::pair<qint64, qint64> addWebhooksAB(Store &store)
    {
        WebhookConfig a;
        a.name = QStringLiteral("a");
        a.url = QStringLiteral("http://127.0.0.1/");
        WebhookConfig b = a;
        b.name = QStringLiteral("b");
        return {store.insertWebhook(a), store.insertWebhook(b)};
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
    void perWebhookLimitDeletesUpToItsBoundary();
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
    const auto [idA, idB] = addWebhooksAB(store);
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

void TestRetention::perWebhookLimitDeletesUpToItsBoundary()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    Store &store = fixture.store();
    // Named variables, not a structured binding: the lambda below captures idA (C++17 cannot capture a
    // binding).
    const std::pair<qint64, qint64> webhooks = addWebhooksAB(store);
    const qint64 idA = webhooks.first;
    const qint64 idB = webhooks.second;
    addHistory(store, {idA}, DeliveryState::Succeeded, 1000, 120);
    addHistory(store, {idB}, DeliveryState::Failed, 1000, 20);
    auto finishedOfA = [&store, idA] {
        QList<DeliveryRecord> rows =
            store.deliveries(DeliveryFilter{QStringLiteral("succeeded"), idA, {}, {}, 0, 1000});
        std::sort(rows.begin(), rows.end(),
                  [](const DeliveryRecord &x, const DeliveryRecord &y) { return x.id > y.id; });
        return rows;
    };
    QCOMPARE(finishedOfA().size(), 120);
    // Keeping 100: the 101st newest is the first that may go; keeping 120 or more, none may.
    const qint64 boundary = store.finishedBeyondKept(idA, 100);
    QCOMPARE(boundary, finishedOfA().at(100).id);
    QCOMPARE(store.finishedBeyondKept(idA, 120), qint64(0));
    QCOMPARE(store.finishedBeyondKept(idB, 20), qint64(0));
    QVERIFY(store.finishedBeyondKept(idB, 19) > 0);

    // A delivery that finishes during the sweep, above the boundary found at its start, stays: the batches
    // delete up to that id only, oldest first.
    QCOMPARE(store.purgeFinishedUpTo(idA, boundary, 8), 8);
    addHistory(store, {idA}, DeliveryState::Succeeded, 1000, 1);
    QCOMPARE(store.purgeFinishedUpTo(idA, boundary, 100), 12);
    QCOMPARE(store.purgeFinishedUpTo(idA, boundary, 100), 0);
    QCOMPARE(finishedOfA().size(), 101);
    QVERIFY(finishedOfA().constLast().id > boundary);
    QCOMPARE(store.deliveries(DeliveryFilter{QStringLiteral("failed"), idB, {}, {}, 0, 1000}).size(), 20);

    // Newer pending rows are not counted: keeping 100 of A's 101 finished, the oldest finished may go.
    addHistory(store, {idA}, DeliveryState::Pending, 1000, 60);
    QCOMPARE(store.finishedBeyondKept(idA, 100), finishedOfA().constLast().id);
    QCOMPARE(count(store, QStringLiteral("pending")), 60);

    if (EngineFixture::backend() == QLatin1String("sqlite")) {
        // The boundary is an index-only walk of finished rows: the partial index must match its condition.
        QString detail;
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("plan"));
            raw.setDatabaseName(store.location());
            QVERIFY2(raw.open(), qPrintable(raw.lastError().text()));
            QSqlQuery plan(raw);
            QVERIFY(plan.exec(
                QStringLiteral("EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE webhook_id = 1 AND ") +
                QLatin1String(finishedDeliveryCondition) +
                QStringLiteral(" ORDER BY id DESC LIMIT 1 OFFSET 100")));
            while (plan.next())
                detail += plan.value(3).toString();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("plan"));
        QVERIFY2(detail.contains(QLatin1String("deliveries_finished_by_webhook")), qPrintable(detail));
    }
}

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
