// Responsiveness: the console stays responsive while the engine dispatches flat out. The registry stand-in
// and the receiver run in threads of their own, so the UI thread does only the console's work; a 2 ms timer
// in the UI thread measures how long each turn of its event loop took.
//
// A turn's wall-clock time is the UI thread's own running, its blocking (a lock, a query waiting on the
// database, fsync) and the time it was ready to run but the kernel gave the core to someone else. The last
// part is the machine's load, not the console's doing: on a loaded 2-core box another process or the
// engine's own threads can hold both cores for tens of milliseconds. The kernel counts it per thread
// (/proc/thread-self/schedstat, second field: time spent waiting on a run queue), so the test asserts on
// the stall the console is answerable for: wall-clock time minus run-queue wait, under 50 ms.
#include "DeliveriesView.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QLoggingCategory>
#include <QSemaphore>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include <time.h>

namespace {

// The calling thread's time on a CPU and time spent runnable but waiting for one, in ns (schedstat).
bool threadSchedStat(qint64 *runningNs, qint64 *waitingNs)
{
    QFile file(QStringLiteral("/proc/thread-self/schedstat"));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return false;
    const QList<QByteArray> fields = file.readAll().simplified().split(' ');
    if (fields.size() < 2)
        return false;
    *runningNs = fields.at(0).toLongLong();
    *waitingNs = fields.at(1).toLongLong();
    return true;
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// A receiver answering 200 at once, in its own thread.
class SinkThread : public QThread
{
public:
    quint16 port = 0;
    QSemaphore ready;

protected:
    void run() override
    {
        HttpSink sink;
        sink.setRecording(false);
        if (sink.start())
            port = sink.port();
        ready.release();
        exec();
    }
};

// Runs the real event loop (QTRY_* would sleep between its checks, which the monitor would count as gaps)
// until the condition holds or the time is up.
template<typename Condition> bool runUntil(Condition condition, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    check.setInterval(20);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (condition())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    if (!condition())
        loop.exec();
    return condition();
}

} // namespace

class ResponsivenessTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void noStallWhileDispatchingFlatOut();
};

void ResponsivenessTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_responsiveness"));
    QSettings().clear();
    // A debug line per delivery would use up QtTest's message limit before the figures are printed.
    QLoggingCategory::setFilterRules(QStringLiteral("tidings.*.debug=false"));
}

void ResponsivenessTest::noStallWhileDispatchingFlatOut()
{
    constexpr int envelopes = 40;
    constexpr int eventsPerEnvelope = 50;
    constexpr int deliveries = envelopes * eventsPerEnvelope;

    SinkThread sink;
    sink.start();
    sink.ready.acquire();
    QVERIFY(sink.port != 0);

    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    EngineConfig config = fixture.config();
    config.durability = EngineConfig::Durability::Normal; // more commits a second: a harder test for the UI
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("flat-out");
    webhook.url = QStringLiteral("http://127.0.0.1:%1/hook").arg(sink.port);
    webhook.concurrency = 16;
    fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    DeliveryLogModel *model = window.deliveriesView()->model();
    // Qt's one-time costs of a first window (fonts, styles, plugins loaded from disk) before measuring: they
    // are not the load's doing, and a blocked first paint would count as a stall.
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.grab();

    // The monitor: for every turn of the UI event loop, the wall time, the UI thread's own CPU time, and the
    // time it waited for a core (see the top of the file).
    qint64 running = 0;
    qint64 waiting = 0;
    QVERIFY2(threadSchedStat(&running, &waiting), "no /proc/thread-self/schedstat on this kernel");
    qint64 worstBusyMs = 0;
    qint64 worstWallMs = 0;
    qint64 worstStallCpuMs = 0;  // the UI thread's CPU time inside the worst stall
    qint64 worstStallAtMs = 0;   // when it ended, from the start of the monitor
    qint64 worstStallMs = 0;     // wall minus run-queue wait: the console's own stall
    qint64 worstStallWaitMs = 0; // the run-queue wait inside the worst wall-clock gap
    int gapsOver50 = 0;
    int ticks = 0;
    QElapsedTimer wall;
    wall.start();
    qint64 lastWallNs = wall.nsecsElapsed();
    qint64 lastCpuNs = threadCpuNs();
    qint64 lastWaitNs = waiting;
    QTimer monitor;
    monitor.setTimerType(Qt::PreciseTimer);
    monitor.setInterval(2);
    connect(&monitor, &QTimer::timeout, this, [&] {
        const qint64 wallNs = wall.nsecsElapsed();
        const qint64 cpuNs = threadCpuNs();
        qint64 runNs = 0;
        qint64 waitNs = lastWaitNs;
        threadSchedStat(&runNs, &waitNs);
        const qint64 gapMs = (wallNs - lastWallNs) / 1000000;
        const qint64 waitMs = (waitNs - lastWaitNs) / 1000000;
        if (gapMs > worstWallMs) {
            worstWallMs = gapMs;
            worstStallWaitMs = waitMs;
        }
        if (gapMs >= 50)
            ++gapsOver50;
        const qint64 stallMs = (wallNs - lastWallNs - (waitNs - lastWaitNs)) / 1000000;
        if (stallMs > worstStallMs) {
            worstStallMs = stallMs;
            worstStallCpuMs = (cpuNs - lastCpuNs) / 1000000;
            worstStallAtMs = wallNs / 1000000;
        }
        worstBusyMs = std::max(worstBusyMs, (cpuNs - lastCpuNs) / 1000000);
        lastWallNs = wallNs;
        lastCpuNs = cpuNs;
        lastWaitNs = waitNs;
        ++ticks;
    });
    monitor.start();

    const QUrl intakeUrl = fixture.intakeUrl();
    QThread *registry = QThread::create([intakeUrl] {
        IntakeClient intake(intakeUrl);
        for (int e = 0; e < envelopes; ++e) {
            QList<QByteArray> events;
            for (int i = 0; i < eventsPerEnvelope; ++i) {
                EventFactory::Spec spec;
                spec.tag = QStringLiteral("%1.%2").arg(e).arg(i);
                events.append(EventFactory::event(spec));
            }
            intake.post(EventFactory::envelope(events));
        }
    });
    registry->start();

    QElapsedTimer duration;
    duration.start();
    QVERIFY(runUntil([&] { return model->rowCount() == deliveries; }, 60000));
    // Then every one succeeded, followed live under a state filter.
    DeliveryLogFilter succeeded;
    succeeded.state = QStringLiteral("succeeded");
    model->setFilter(succeeded);
    QVERIFY(runUntil([&] { return model->rowCount() == deliveries; }, 60000));
    QVERIFY(runUntil(
        [&] { return window.queueLabel()->text() == QStringLiteral("Queue: 0 pending, 0 in flight"); },
        10000));
    monitor.stop();
    QVERIFY(registry->wait(10000));
    delete registry;
    sink.quit();
    sink.wait();

    qInfo("%d deliveries in %lld ms; %d UI ticks; longest stall of the UI thread (wall minus run-queue wait) "
          "%lld ms (%lld ms of it on a CPU, %lld ms after the start); longest CPU-busy stretch %lld ms; "
          "longest "
          "wall-clock gap %lld ms, of which %lld ms waiting for a core; %d wall-clock gaps of 50 ms or more",
          deliveries, duration.elapsed(), ticks, worstStallMs, worstStallCpuMs, worstStallAtMs, worstBusyMs,
          worstWallMs, worstStallWaitMs, gapsOver50);
    // What freezes the window: the UI thread running or blocked for 50 ms between two turns of its loop.
    QVERIFY2(worstStallMs < 50,
             qPrintable(QStringLiteral("the UI thread stalled for %1 ms at once (%2 ms of it on a CPU)")
                            .arg(worstStallMs)
                            .arg(worstBusyMs)));
    QVERIFY(ticks > 200);
}

QTEST_MAIN(ResponsivenessTest)
#include "tst_responsiveness.moc"
