// The poller's rounds on a real SQLite file and a real loopback sink: how many transactions a run of
// deliveries costs. Each round is a commit (a sync to disk), so a round too many is dispatch throughput lost.
#include "DeliveryPoller.h"
#include "Dispatcher.h"
#include "HttpSink.h"
#include "Store.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestDeliveryPoller : public QObject
{
    Q_OBJECT

private:
    // One webhook pointing at `sink`, and `count` deliveries for it, all due now.
    static WebhookConfig seed(Store &store, const HttpSink &sink, int concurrency, int count)
    {
        WebhookConfig webhook;
        webhook.name = QStringLiteral("rounds");
        webhook.url = sink.url().toString();
        webhook.concurrency = concurrency;
        webhook.id = store.insertWebhook(webhook);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < count; ++i) {
            RegistryEvent event;
            event.eventId = QStringLiteral("rounds-%1").arg(i);
            event.timestamp = QDateTime::currentDateTimeUtc();
            event.receivedAt = event.timestamp;
            event.action = QStringLiteral("push");
            event.repository = QStringLiteral("rounds/app");
            event.tag = QStringLiteral("v%1").arg(i);
            event.rawJson = QByteArrayLiteral("{\"action\":\"push\"}");
            const qint64 eventRow = store.insertEvent(event);
            store.insertDelivery(eventRow, webhook.id, QStringLiteral("msg_rounds_%1").arg(i), now);
        }
        return webhook;
    }

private slots:
    void eachFinishedAttemptCostsOneRound();
    void busyDispatcherWritesItsAttemptsInBatches();
};

void TestDeliveryPoller::eachFinishedAttemptCostsOneRound()
{
    // One slot: every round writes the attempt that just finished and claims the next delivery. Settling
    // the attempt frees its slot, which the same round has already refilled: that must not cost a second,
    // empty round per delivery (it did, and halved the rounds' batches under load).
    QTemporaryDir dir;
    QString error;
    Store store(Store::dialectFor(dir.filePath(QStringLiteral("rounds.db")), &error));
    QVERIFY2(store.open(dir.filePath(QStringLiteral("rounds.db")), &error), qPrintable(error));
    HttpSink sink;
    QVERIFY(sink.start());
    const int deliveries = 12;
    const WebhookConfig webhook = seed(store, sink, /*concurrency=*/1, deliveries);
    QVERIFY(webhook.id > 0);

    Dispatcher dispatcher(store, QStringLiteral("rounds-test"));
    DeliveryPoller poller(store, dispatcher, QStringLiteral("rounds-test"), /*pollIntervalMs=*/60000);
    QSignalSpy rounds(&poller, &DeliveryPoller::roundFinished);
    poller.setWebhooks({webhook});
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), deliveries, 15000);
    // The round that writes the last attempt claims nothing more.
    QTRY_VERIFY_WITH_TIMEOUT(rounds.size() == deliveries + 1 && rounds.constLast().at(0).toInt() == 0, 5000);
    QTest::qWait(200); // and nothing follows it
    poller.stop();

    QCOMPARE(rounds.size(), deliveries + 1);
    for (int i = 0; i < deliveries; ++i)
        QCOMPARE(rounds.at(i).at(0).toInt(), 1);
    QCOMPARE(store.queueDepth().pending + store.queueDepth().inFlight, 0);
}

void TestDeliveryPoller::busyDispatcherWritesItsAttemptsInBatches()
{
    // Eight slots and a sink whose answers come 1 ms apart: a round per answer would write each attempt
    // alone. The poller waits for half of those in flight, or 2 ms after the first.
    QTemporaryDir dir;
    QString error;
    Store store(Store::dialectFor(dir.filePath(QStringLiteral("batches.db")), &error));
    QVERIFY2(store.open(dir.filePath(QStringLiteral("batches.db")), &error), qPrintable(error));
    HttpSink sink;
    HttpSink::Behaviour spread;
    spread.delayMs = 1;
    spread.delayStepMs = 1;
    sink.setBehaviour(spread);
    QVERIFY(sink.start());
    const int deliveries = 64;
    const WebhookConfig webhook = seed(store, sink, /*concurrency=*/8, deliveries);
    QVERIFY(webhook.id > 0);

    Dispatcher dispatcher(store, QStringLiteral("batches-test"));
    DeliveryPoller poller(store, dispatcher, QStringLiteral("batches-test"), /*pollIntervalMs=*/60000);
    QSignalSpy rounds(&poller, &DeliveryPoller::roundFinished);
    poller.setWebhooks({webhook});
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), deliveries, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(store.queueDepth().inFlight, 0, 5000);
    QCOMPARE(store.queueDepth().pending, 0);
    poller.stop();

    // A round per answer would be 65 and more; two answers a round, 33.
    QVERIFY2(rounds.size() <= deliveries * 2 / 3, qPrintable(QStringLiteral("%1 rounds").arg(rounds.size())));
    qInfo("%lld rounds for %d deliveries", qlonglong(rounds.size()), deliveries);
    QSet<QByteArray> ids;
    for (const CapturedRequest &request : sink.requests())
        ids.insert(request.header("webhook-id"));
    QCOMPARE(ids.size(), deliveries);
}

QTEST_GUILESS_MAIN(TestDeliveryPoller)
#include "tst_deliverypoller.moc"
