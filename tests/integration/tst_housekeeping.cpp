// Housekeeping on one instance at a time: two real engines on one PostgreSQL database (a private cluster),
// each with a short retention. Exactly one of them holds the advisory lock and sweeps, the other never
// does; when the leader stops, the other takes over. What each engine does is read where an operator reads
// it: GET /metrics (tidings_housekeeping_leader, tidings_retention_sweeps_total). On SQLite the lock is a
// no-op and an engine leads at once. (Takeover after a SIGKILL is in tst_multiinstance.)
#include "Engine.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "PostgresCluster.h"
#include "Store.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

// One engine of the test, and what its /metrics says.
struct Instance
{
    std::unique_ptr<Engine> engine;
    QUrl metricsUrl;
};

struct HousekeepingMetrics
{
    bool answered = false;
    int leader = -1;
    double sweeps = -1;
    double removed = -1;
};

} // namespace

class TestHousekeeping : public QObject
{
    Q_OBJECT

private slots:
    void oneOfTwoInstancesSweepsAndTheOtherTakesOver();
    void sqliteEngineLeadsAtOnce();

private:
    EngineConfig configFor(const QString &location) const;
    bool start(Instance &instance, const EngineConfig &config, QString *error);
    HousekeepingMetrics metrics(const Instance &instance);

    QNetworkAccessManager m_network;
};

EngineConfig TestHousekeeping::configFor(const QString &location) const
{
    EngineConfig config;
    config.databaseLocation = location;
    config.listenPort = 0;
    config.pollIntervalMs = 500;
    config.gracefulStopMs = 1000;
    config.housekeepingCheckMs = 200;
    // History older than a second goes; a sweep at least every second (RetentionSweeper's floor).
    config.retention.maxAgeMs = 1000;
    return config;
}

bool TestHousekeeping::start(Instance &instance, const EngineConfig &config, QString *error)
{
    instance.engine = std::make_unique<Engine>(config);
    QSignalSpy started(instance.engine.get(), &Engine::started);
    QSignalSpy failed(instance.engine.get(), &Engine::failed);
    instance.engine->start();
    QElapsedTimer clock;
    clock.start();
    while (started.isEmpty() && failed.isEmpty() && clock.elapsed() < 15000)
        QTest::qWait(10);
    if (started.isEmpty()) {
        *error = failed.isEmpty() ? QStringLiteral("the engine did not start within 15 s")
                                  : failed.first().first().toString();
        return false;
    }
    instance.metricsUrl = instance.engine->intakeUrl();
    instance.metricsUrl.setPath(QStringLiteral("/metrics"));
    return true;
}

HousekeepingMetrics TestHousekeeping::metrics(const Instance &instance)
{
    HousekeepingMetrics result;
    QNetworkRequest request(instance.metricsUrl);
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network.get(request);
    QEventLoop loop;
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    if (reply->error() != QNetworkReply::NoError)
        return result;
    result.answered = true;
    for (const QByteArray &line : reply->readAll().split('\n')) {
        if (line.startsWith('#'))
            continue;
        const QList<QByteArray> parts = line.split(' ');
        if (parts.size() != 2)
            continue;
        if (parts[0] == "tidings_housekeeping_leader")
            result.leader = parts[1].toInt();
        else if (parts[0] == "tidings_retention_sweeps_total")
            result.sweeps = parts[1].toDouble();
        else if (parts[0] == "tidings_retention_removed_rows_total")
            result.removed = parts[1].toDouble();
    }
    return result;
}

void TestHousekeeping::oneOfTwoInstancesSweepsAndTheOtherTakesOver()
{
    QString error;
    PostgresCluster *cluster = PostgresCluster::shared(&error);
    QVERIFY2(cluster, qPrintable(error));
    const QString url = cluster->createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    Store store(Store::dialectFor(url, &error));
    QVERIFY2(store.open(url, &error), qPrintable(error));
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("sink");
    webhook.url = sink.url().toString();
    QVERIFY(store.insertWebhook(webhook) > 0);

    Instance a;
    Instance b;
    QVERIFY2(start(a, configFor(url), &error), qPrintable(error));
    QVERIFY2(start(b, configFor(url), &error), qPrintable(error));

    // One leader, decided within a few checks.
    QTRY_VERIFY_WITH_TIMEOUT(metrics(a).leader + metrics(b).leader == 1, 10000);
    Instance &leader = metrics(a).leader == 1 ? a : b;
    Instance &follower = &leader == &a ? b : a;

    // History that retention has to remove: events through the follower's intake, delivered, then older than
    // the retention of one second.
    IntakeClient intake(follower.engine->intakeUrl());
    for (int i = 0; i < 5; ++i)
        QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 5, 10000);
    DeliveryFilter all;
    all.limit = 1000;
    QTRY_VERIFY_WITH_TIMEOUT(store.deliveries(all).isEmpty(), 15000);

    // For several sweep intervals: the same single leader; it sweeps, the other one never does.
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 3000) {
        const HousekeepingMetrics l = metrics(leader);
        const HousekeepingMetrics f = metrics(follower);
        QVERIFY(l.answered && f.answered);
        QCOMPARE(l.leader, 1);
        QCOMPARE(f.leader, 0);
        QCOMPARE(f.sweeps, 0.0);
        QTest::qWait(250);
    }
    const HousekeepingMetrics before = metrics(leader);
    QVERIFY2(before.sweeps >= 2, qPrintable(QString::number(before.sweeps)));
    // Five deliveries with their attempts and their five events.
    QCOMPARE(before.removed, 10.0);
    QCOMPARE(metrics(follower).removed, 0.0);
    qInfo() << "leader swept" << before.sweeps << "times, removed" << before.removed
            << "rows; the other instance swept 0 times";

    // The leader stops (and releases the lock): the other takes over within a few checks and sweeps.
    QVERIFY(leader.engine->stopAndWait(15000));
    leader.engine.reset();
    QElapsedTimer takeover;
    takeover.start();
    QTRY_COMPARE_WITH_TIMEOUT(metrics(follower).leader, 1, 10000);
    const qint64 takeoverMs = takeover.elapsed();
    QTRY_VERIFY_WITH_TIMEOUT(metrics(follower).sweeps >= 1, 10000);
    qInfo() << "the other instance took housekeeping over after" << takeoverMs << "ms";

    // And it does the work: new history goes.
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 6, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(metrics(follower).removed >= 2, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(store.deliveries(all).isEmpty(), 15000);
    QVERIFY(follower.engine->stopAndWait(15000));
}

void TestHousekeeping::sqliteEngineLeadsAtOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Instance only;
    QString error;
    QVERIFY2(start(only, configFor(dir.filePath(QStringLiteral("t.db"))), &error), qPrintable(error));
    // No lock to take: the engine is the housekeeping leader from the start and sweeps.
    QCOMPARE(metrics(only).leader, 1);
    QTRY_VERIFY_WITH_TIMEOUT(metrics(only).sweeps >= 1, 10000);
    QVERIFY(only.engine->stopAndWait(15000));
}

QTEST_GUILESS_MAIN(TestHousekeeping)
#include "tst_housekeeping.moc"
