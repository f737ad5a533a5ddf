// Responsiveness: the console stays responsive while the engine dispatches flat out. The registry stand-in
// and the receiver run in threads of their own, so the UI thread does only the console's work; a 2 ms timer
// in the UI thread measures how long each turn of its event loop took.
#include "DeliveriesView.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QLabel>
#include <QSemaphore>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include <time.h>

namespace {

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

    // The monitor: for every turn of the UI event loop, the wall time and the UI thread's own CPU time.
    qint64 worstBusyMs = 0;
    qint64 worstWallMs = 0;
    int ticks = 0;
    QElapsedTimer wall;
    wall.start();
    qint64 lastWallNs = wall.nsecsElapsed();
    qint64 lastCpuNs = threadCpuNs();
    QTimer monitor;
    monitor.setTimerType(Qt::PreciseTimer);
    monitor.setInterval(2);
    connect(&monitor, &QTimer::timeout, this, [&] {
        const qint64 wallNs = wall.nsecsElapsed();
        const qint64 cpuNs = threadCpuNs();
        worstWallMs = std::max(worstWallMs, (wallNs - lastWallNs) / 1000000);
        worstBusyMs = std::max(worstBusyMs, (cpuNs - lastCpuNs) / 1000000);
        lastWallNs = wallNs;
        lastCpuNs = cpuNs;
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

    qInfo("%d deliveries in %lld ms; %d UI ticks; longest UI-thread busy stretch %lld ms; longest wall gap "
          "%lld ms",
          deliveries, duration.elapsed(), ticks, worstBusyMs, worstWallMs);
    // The UI thread's own work between two turns of its loop: what freezes the window. (Wall-clock gaps also
    // include the OS giving the core to the engine, the receiver or another process on a loaded machine.)
    QVERIFY2(worstBusyMs < 50,
             qPrintable(QStringLiteral("the UI thread was busy for %1 ms at once").arg(worstBusyMs)));
    QVERIFY(ticks > 200);
}

QTEST_MAIN(ResponsivenessTest)
#include "tst_responsiveness.moc"
