// Several instances on one PostgreSQL database (issue 6): three real `tidings serve` processes share a queue
// on a private cluster; 10,000 events are posted through all three at once, and midway the instance that
// runs housekeeping is killed with SIGKILL. Its registry traffic moves to a survivor (a load balancer would
// do the same), its leases run out (webhook timeout 5 s + lease margin 2 s) and the survivors take its
// deliveries over, and one of them takes the housekeeping lock over.
//
// What is checked: every event the intake acknowledged (2xx) is in the database and reached the subscriber;
// each event was routed once (one webhook-id); deliveries that reached the subscriber twice are counted and
// are no more than the deliveries the killed instance held in flight when it died; no delivery is left
// pending or in flight; exactly one survivor runs housekeeping.
#include "EventFactory.h"
#include "HttpSink.h"
#include "NotificationLoad.h"
#include "PostgresCluster.h"
#include "Store.h"
#include "TidingsProcess.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTest>

#include <memory>
#include <vector>

namespace {

constexpr int kInstances = 3;
constexpr int kEvents = 10000;
constexpr int kConcurrency = 4; // per webhook and instance
// The kill comes once this many events are acknowledged.
constexpr int kKillAfterAcked = kEvents / 2;
// Until every acknowledged event arrived and the queue is empty.
constexpr int kDrainMs = 90000;

} // namespace

class TestMultiInstance : public QObject
{
    Q_OBJECT

private slots:
    void threeInstancesOneKilledLoseNothingAcknowledged();

private:
    // tidings_housekeeping_leader of an instance; -1 when /metrics does not answer.
    int housekeepingLeader(const TidingsProcess &instance);
    QNetworkAccessManager m_network;
};

int TestMultiInstance::housekeepingLeader(const TidingsProcess &instance)
{
    QUrl url = instance.intakeUrl();
    url.setPath(QStringLiteral("/metrics"));
    QNetworkRequest request(url);
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network.get(request);
    QEventLoop loop;
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    if (reply->error() != QNetworkReply::NoError)
        return -1;
    static const QRegularExpression leader(QStringLiteral("^tidings_housekeeping_leader (\\d)$"),
                                           QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = leader.match(QString::fromUtf8(reply->readAll()));
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

void TestMultiInstance::threeInstancesOneKilledLoseNothingAcknowledged()
{
    QElapsedTimer runtime;
    runtime.start();
    QString error;
    PostgresCluster *cluster = PostgresCluster::shared(&error);
    QVERIFY2(cluster, qPrintable(error));
    const QString url = cluster->createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    Store store(Store::dialectFor(url, &error));
    QVERIFY2(store.open(url, &error), qPrintable(error));

    // The subscriber: which webhook-ids it received, how often, and for which event.
    HttpSink sink;
    sink.setRecording(false);
    QVERIFY(sink.start());
    QHash<QString, int> receiptsByMessage;
    QHash<QString, QSet<QString>> messagesByEvent;
    int unreadable = 0;
    connect(&sink, &HttpSink::requestReceived, this, [&](const CapturedRequest &request) {
        const QString messageId = QString::fromLatin1(request.header("webhook-id"));
        const QString eventId = QJsonDocument::fromJson(request.body)
                                    .object()
                                    .value(u"events")
                                    .toArray()
                                    .at(0)
                                    .toObject()
                                    .value(u"id")
                                    .toString();
        if (messageId.isEmpty() || eventId.isEmpty()) {
            ++unreadable;
            return;
        }
        ++receiptsByMessage[messageId];
        messagesByEvent[eventId].insert(messageId);
    });
    WebhookConfig webhook;
    webhook.name = QStringLiteral("subscriber");
    webhook.url = sink.url().toString();
    webhook.concurrency = kConcurrency;
    webhook.timeoutMs = 5000;
    webhook.retryScheduleSeconds = {0, 1, 1, 2};
    webhook.maxAttempts = 100;
    QVERIFY(store.insertWebhook(webhook) > 0);

    // Three instances; each logs its instance id (the lease owner) when it listens.
    std::vector<std::unique_ptr<TidingsProcess>> instances;
    QStringList instanceIds;
    const QStringList serveArgs{QStringLiteral("--poll-interval"), QStringLiteral("0.5"),
                                QStringLiteral("--lease-margin"), QStringLiteral("2")};
    static const QRegularExpression instanceLine(
        QStringLiteral("listening; intake \\S+ database .* instance (\\S+)"));
    for (int i = 0; i < kInstances; ++i) {
        auto instance = std::make_unique<TidingsProcess>(url);
        instance->setEchoServeStderr(false);
        QVERIFY2(instance->startServe(serveArgs, &error), qPrintable(error));
        QRegularExpressionMatch match;
        QTRY_VERIFY_WITH_TIMEOUT(
            (match = instanceLine.match(QString::fromUtf8(instance->serveStderr()))).hasMatch(), 5000);
        instanceIds.append(match.captured(1));
        instances.push_back(std::move(instance));
    }

    // A registry per instance, together 10,000 events, one per envelope as docker-registry sends them.
    std::vector<std::unique_ptr<NotificationLoad>> loads;
    for (int i = 0; i < kInstances; ++i) {
        NotificationLoad::Settings settings;
        settings.maxInFlight = 8;
        settings.intervalMs = 1;
        settings.maxEnvelopes = kEvents / kInstances + (i < kEvents % kInstances ? 1 : 0);
        auto sequence = std::make_shared<int>(0);
        const QString prefix = QStringLiteral("i%1").arg(i);
        auto generator = [prefix, sequence](QStringList *eventIds) {
            EventFactory::Spec spec;
            spec.id = QStringLiteral("%1-%2").arg(prefix).arg(++*sequence, 5, 10, QLatin1Char('0'));
            eventIds->append(spec.id);
            return EventFactory::envelopeOf(spec);
        };
        loads.push_back(std::make_unique<NotificationLoad>(instances[i]->intakeUrl(), generator, settings));
    }
    for (const auto &load : loads)
        load->start();
    auto ackedCount = [&] {
        int acked = 0;
        for (const auto &load : loads)
            acked += int(load->ackedEventIds().size());
        return acked;
    };

    // Midway: kill the instance that runs housekeeping, so the takeover of both its leases and its lock
    // is exercised.
    QTRY_VERIFY_WITH_TIMEOUT(ackedCount() >= kKillAfterAcked, 60000);
    int victim = -1;
    for (int i = 0; i < kInstances && victim < 0; ++i) {
        if (housekeepingLeader(*instances[i]) == 1)
            victim = i;
    }
    QVERIFY2(victim >= 0, "no instance reports that it runs housekeeping");
    const int ackedAtKill = ackedCount();
    instances[victim]->kill();
    QCOMPARE(instances[victim]->serveExitStatus(), QProcess::CrashExit);
    // What it held in flight stays so until its leases expire, 7 s from their claim: count it now.
    DeliveryFilter inFlightFilter;
    inFlightFilter.state = QStringLiteral("in_flight");
    inFlightFilter.limit = 100000;
    int victimInFlight = 0;
    for (const DeliveryRecord &delivery : store.deliveries(inFlightFilter))
        victimInFlight += delivery.leaseOwner == instanceIds.at(victim) ? 1 : 0;
    const int survivor = (victim + 1) % kInstances;
    loads[victim]->setUrl(instances[survivor]->intakeUrl());
    qInfo().noquote() << QStringLiteral("killed instance %1 (%2, the housekeeping leader) with %3 events "
                                        "acknowledged; it held %4 deliveries in flight")
                             .arg(victim)
                             .arg(instanceIds.at(victim))
                             .arg(ackedAtKill)
                             .arg(victimInFlight);

    // One survivor takes housekeeping over once the server has dropped the dead instance's session.
    QElapsedTimer takeover;
    takeover.start();
    auto leaders = [&] {
        int count = 0;
        for (int i = 0; i < kInstances; ++i)
            count += i != victim && housekeepingLeader(*instances[i]) == 1 ? 1 : 0;
        return count;
    };
    QTRY_COMPARE_WITH_TIMEOUT(leaders(), 1, 20000);
    const qint64 takeoverMs = takeover.elapsed();

    // Every envelope made and acknowledged, every acknowledged event at the subscriber, nothing left over.
    QElapsedTimer drainClock;
    drainClock.start();
    auto settled = [&] {
        for (const auto &load : loads) {
            if (load->isGenerating() || !load->isSettled())
                return false;
        }
        return true;
    };
    QSet<QString> acked;
    bool drained = false;
    while (drainClock.elapsed() < kDrainMs) {
        QTest::qWait(250);
        if (!settled())
            continue;
        acked.clear();
        for (const auto &load : loads)
            acked.unite(load->ackedEventIds());
        bool allReceived = true;
        for (const QString &id : std::as_const(acked)) {
            if (!messagesByEvent.contains(id)) {
                allReceived = false;
                break;
            }
        }
        if (!allReceived)
            continue;
        const QueueDepth depth = store.queueDepth();
        if (depth.pending == 0 && depth.inFlight == 0) {
            drained = true;
            break;
        }
    }
    const qint64 drainMs = drainClock.elapsed();

    // The database side: every acknowledged event stored, and the state of every delivery.
    EventFilter everyEvent;
    everyEvent.limit = 100000;
    QSet<QString> stored;
    for (const RegistryEvent &event : store.events(everyEvent))
        stored.insert(event.eventId);
    DeliveryFilter everyDelivery;
    everyDelivery.limit = 100000;
    const QList<DeliveryRecord> deliveries = store.deliveries(everyDelivery);
    QHash<QString, int> states;
    for (const DeliveryRecord &delivery : deliveries)
        ++states[deliveryStateName(delivery.state)];

    QStringList notStored;
    QStringList notReceived;
    for (const QString &id : std::as_const(acked)) {
        if (!stored.contains(id) && notStored.size() < 10)
            notStored.append(id);
        if (!messagesByEvent.contains(id) && notReceived.size() < 10)
            notReceived.append(id);
    }
    int lostInDatabase = 0;
    int lostAtSubscriber = 0;
    for (const QString &id : std::as_const(acked)) {
        lostInDatabase += stored.contains(id) ? 0 : 1;
        lostAtSubscriber += messagesByEvent.contains(id) ? 0 : 1;
    }
    int duplicates = 0;
    for (int receipts : std::as_const(receiptsByMessage))
        duplicates += receipts - 1;
    int routedTwice = 0;
    for (const QSet<QString> &messages : std::as_const(messagesByEvent))
        routedTwice += messages.size() > 1 ? 1 : 0;
    int requests = 0;
    int resends = 0;
    for (const auto &load : loads) {
        requests += load->requestsSent();
        resends += load->resends();
    }
    qInfo().noquote()
        << QStringLiteral("%1 instances, %2 events acknowledged (%3 requests, %4 resends); stored %5 events, "
                          "%6 deliveries {succeeded %7, pending %8, in flight %9, failed %10}; subscriber "
                          "received %11 distinct webhook-ids, %12 duplicates (bound: %13 in flight at the "
                          "killed instance); lost: %14 in the database, %15 at the subscriber; housekeeping "
                          "taken over after %16 ms; drained in %17 ms; runtime %18 s")
               .arg(kInstances)
               .arg(acked.size())
               .arg(requests)
               .arg(resends)
               .arg(stored.size())
               .arg(deliveries.size())
               .arg(states.value(QStringLiteral("succeeded")))
               .arg(states.value(QStringLiteral("pending")))
               .arg(states.value(QStringLiteral("in_flight")))
               .arg(states.value(QStringLiteral("failed")))
               .arg(receiptsByMessage.size())
               .arg(duplicates)
               .arg(victimInFlight)
               .arg(lostInDatabase)
               .arg(lostAtSubscriber)
               .arg(takeoverMs)
               .arg(drainMs)
               .arg(runtime.elapsed() / 1000.0, 0, 'f', 1);

    for (int i = 0; i < kInstances; ++i) {
        if (i != victim)
            QVERIFY2(instances[i]->isServing(), instances[i]->serveStderr().constData());
    }
    QVERIFY2(settled(), "some envelopes were never acknowledged");
    QCOMPARE(acked.size(), kEvents);
    QVERIFY2(
        lostInDatabase == 0,
        qPrintable(
            QStringLiteral("acknowledged but not stored: %1").arg(notStored.join(QStringLiteral(", ")))));
    QVERIFY2(lostAtSubscriber == 0, qPrintable(QStringLiteral("acknowledged but never delivered: %1")
                                                   .arg(notReceived.join(QStringLiteral(", ")))));
    QVERIFY2(drained, "deliveries are still pending or in flight");
    QCOMPARE(unreadable, 0);
    // A resent envelope whose first send was stored (its 2xx lost in the kill) is recognised by its event id.
    QCOMPARE(routedTwice, 0);
    QCOMPARE(int(deliveries.size()), kEvents);
    QCOMPARE(states.value(QStringLiteral("succeeded")), kEvents);
    QCOMPARE(int(receiptsByMessage.size()), kEvents);
    QVERIFY2(
        duplicates <= victimInFlight,
        qPrintable(QStringLiteral("%1 duplicate receipts, more than the %2 deliveries the killed instance "
                                  "held in flight")
                       .arg(duplicates)
                       .arg(victimInFlight)));

    for (int i = 0; i < kInstances; ++i) {
        if (i != victim)
            QVERIFY2(instances[i]->stop(15000), instances[i]->serveStderr().constData());
    }
}

QTEST_GUILESS_MAIN(TestMultiInstance)
#include "tst_multiinstance.moc"
