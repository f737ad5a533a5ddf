#include "Engine.h"

#include "AdminGateway.h"
#include "EngineWorker.h"

#include <QEventLoop>
#include <QMetaMethod>
#include <QTimer>

Engine::Engine(EngineConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_adminGateway(std::make_shared<AdminGateway>())
{
    registerMetaTypes();
    m_thread.setObjectName(QStringLiteral("tidings-engine"));
}

Engine::~Engine()
{
    if (m_worker)
        stopAndWait();
}

void Engine::registerMetaTypes()
{
    qRegisterMetaType<RegistryEvent>();
    qRegisterMetaType<DeliveryRecord>();
    qRegisterMetaType<AttemptRecord>();
    qRegisterMetaType<QueueDepth>();
    qRegisterMetaType<WebhookConfig>();
    qRegisterMetaType<MissedDeliveries>();
    qRegisterMetaType<ReenableOutcome>();
}

void Engine::start()
{
    if (m_worker)
        return;
    m_stopRequested = false;
    m_worker = new EngineWorker(m_config);
    m_worker->setAdminGateway(m_adminGateway);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &EngineWorker::started, this, [this](const QUrl &url) {
        m_running = true;
        m_intakeUrl = url;
        emit started(url);
    });
    connect(m_worker, &EngineWorker::failed, this, [this](const QString &reason) {
        emit failed(reason);
        // The worker's parts live in its thread: take them down there before the thread ends.
        stop();
    });
    connect(m_worker, &EngineWorker::stopped, this, [this] {
        m_running = false;
        m_thread.quit();
        m_thread.wait();
        m_worker = nullptr;
        emit stopped();
    });
    // eventReceived, deliveryChanged and attemptRecorded are forwarded once something listens to them (see
    // connectNotify): at thousands of deliveries a second, copying each record to a thread nobody reads
    // from is a cost `serve` should not pay.
    connect(m_worker, &EngineWorker::queueDepthChanged, this, &Engine::queueDepthChanged);
    connect(m_worker, &EngineWorker::webhookDisabled, this, &Engine::webhookDisabled);
    connect(m_worker, &EngineWorker::problem, this, &Engine::problem);
    connect(m_worker, &EngineWorker::webhookSaved, this, &Engine::webhookSaved);
    connect(m_worker, &EngineWorker::testEventQueued, this, &Engine::testEventQueued);
    connect(m_worker, &EngineWorker::missedDeliveriesFound, this, &Engine::missedDeliveriesFound);
    connect(m_worker, &EngineWorker::webhookReenabled, this, &Engine::webhookReenabled);
    // Listeners connected before the start (the console builds its window first) are forwarded to as well;
    // a restarted engine has a new worker to forward from.
    m_forwardingEvents = m_forwardingDeliveries = m_forwardingAttempts = false;
    for (const QMetaMethod &signal :
         {QMetaMethod::fromSignal(&Engine::eventReceived), QMetaMethod::fromSignal(&Engine::deliveryChanged),
          QMetaMethod::fromSignal(&Engine::attemptRecorded)}) {
        if (isSignalConnected(signal))
            connectNotify(signal);
    }
    connect(m_worker, &EngineWorker::overrideReplayFinished, this, &Engine::overrideReplayFinished);
    connect(m_worker, &EngineWorker::secretRotated, this, &Engine::secretRotated);
    m_thread.start();
    QMetaObject::invokeMethod(m_worker, &EngineWorker::start, Qt::QueuedConnection);
}

void Engine::stop()
{
    if (!m_worker || m_stopRequested)
        return;
    m_stopRequested = true;
    QMetaObject::invokeMethod(m_worker, &EngineWorker::shutdown, Qt::QueuedConnection);
}

bool Engine::stopAndWait(int timeoutMs)
{
    if (!m_worker)
        return true;
    QEventLoop loop;
    connect(this, &Engine::stopped, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    stop();
    if (m_worker)
        loop.exec();
    return m_worker == nullptr;
}

void Engine::replay(const QList<qint64> &deliveryIds)
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker,
                                  [worker = m_worker, deliveryIds] { worker->replay(deliveryIds); });
}

void Engine::reloadWebhooks()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &EngineWorker::reloadWebhooks, Qt::QueuedConnection);
}

void Engine::connectNotify(const QMetaMethod &signal)
{
    // Called on the thread that connects; the console and the tests connect on this object's thread.
    if (!m_worker)
        return; // stopped: nothing will be reported any more
    if (signal == QMetaMethod::fromSignal(&Engine::eventReceived) && !m_forwardingEvents) {
        m_forwardingEvents = true;
        connect(m_worker, &EngineWorker::eventReceived, this, &Engine::eventReceived);
    } else if (signal == QMetaMethod::fromSignal(&Engine::deliveryChanged) && !m_forwardingDeliveries) {
        m_forwardingDeliveries = true;
        connect(m_worker, &EngineWorker::deliveryChanged, this, &Engine::deliveryChanged);
    } else if (signal == QMetaMethod::fromSignal(&Engine::attemptRecorded) && !m_forwardingAttempts) {
        m_forwardingAttempts = true;
        connect(m_worker, &EngineWorker::attemptRecorded, this, &Engine::attemptRecorded);
    }
}

void Engine::saveWebhook(const WebhookConfig &webhook)
{
    if (!m_worker) {
        emit webhookSaved(webhook, tr("the engine is not running"));
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, webhook] { worker->saveWebhook(webhook); });
}

void Engine::cancelPendingRetries(const QList<qint64> &deliveryIds)
{
    if (m_worker)
        QMetaObject::invokeMethod(
            m_worker, [worker = m_worker, deliveryIds] { worker->cancelPendingRetries(deliveryIds); });
}

void Engine::sendTestEvent(qint64 webhookId)
{
    if (!m_worker) {
        emit testEventQueued(webhookId, 0, tr("the engine is not running"));
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, webhookId] { worker->sendTestEvent(webhookId); });
}

void Engine::findMissedDeliveries(qint64 webhookId)
{
    if (!m_worker) {
        MissedDeliveries missed;
        missed.webhookId = webhookId;
        missed.error = tr("the engine is not running");
        emit missedDeliveriesFound(missed);
        return;
    }
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, webhookId] { worker->findMissedDeliveries(webhookId); });
}

void Engine::reenableWebhook(qint64 webhookId, bool replayMissed)
{
    if (!m_worker) {
        ReenableOutcome outcome;
        outcome.webhookId = webhookId;
        outcome.error = tr("the engine is not running");
        emit webhookReenabled(outcome);
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, webhookId, replayMissed] {
        worker->reenableWebhook(webhookId, replayMissed);
    });
}

void Engine::replayWithOverride(qint64 deliveryId, const QString &url, const QByteArray &payload)
{
    if (!m_worker) {
        emit overrideReplayFinished(deliveryId, AttemptRecord(), tr("the engine is not running"));
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, deliveryId, url, payload] {
        worker->replayWithOverride(deliveryId, url, payload);
    });
}

void Engine::rotateSecret(qint64 webhookId, qint64 graceSeconds)
{
    if (!m_worker) {
        WebhookConfig webhook;
        webhook.id = webhookId;
        emit secretRotated(webhook, tr("the engine is not running"));
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, webhookId, graceSeconds] {
        worker->rotateSecret(webhookId, graceSeconds);
    });
}
