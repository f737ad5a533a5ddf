#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "EngineConfig.h"
#include "MissedDeliveries.h"
#include "QueueDepth.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QObject>
#include <QThread>
#include <QUrl>

#include <memory>

class AdminGateway;
class EngineWorker;

// The one object the app, the console and the tests use. The engine runs in a thread of its own, so a busy
// engine never freezes a window; everything it reports arrives as queued signals carrying plain values.
class Engine : public QObject
{
    Q_OBJECT
public:
    explicit Engine(EngineConfig config, QObject *parent = nullptr);
    ~Engine() override;

    const EngineConfig &config() const { return m_config; }
    bool isRunning() const { return m_running; }
    QUrl intakeUrl() const { return m_intakeUrl; }

    // Asynchronous: started() or failed() follows.
    void start();
    // Graceful: in-flight attempts get EngineConfig::gracefulStopMs to finish; stopped() follows.
    void stop();
    // Blocks (running an event loop) until the engine has stopped or the time is up.
    bool stopAndWait(int timeoutMs = 30000);

    void replay(const QList<qint64> &deliveryIds);
    void reloadWebhooks();
    // The admin API for callers on other threads (the gRPC admin API): requests submitted while the engine
    // runs are answered on the engine thread; otherwise they are refused. Valid for the engine's lifetime and
    // safe to keep beyond it.
    std::shared_ptr<AdminGateway> adminGateway() const { return m_adminGateway; }

    // Console actions, run in the engine thread; each answers with a signal.
    // Inserts when webhook.id is 0, else updates; webhookSaved follows (with an error when it was refused).
    void saveWebhook(const WebhookConfig &webhook);
    // Pending deliveries become cancelled; deliveryChanged follows for each, problem for the others.
    void cancelPendingRetries(const QList<qint64> &deliveryIds);
    // Queues a synthetic tag push for the webhook whatever its filters; testEventQueued follows, then the
    // usual attemptRecorded/deliveryChanged of that delivery.
    void sendTestEvent(qint64 webhookId);
    // A disabled webhook: what it missed (WebhookReenabler); missedDeliveriesFound follows.
    void findMissedDeliveries(qint64 webhookId);
    // Enables a disabled webhook again, sending what it missed again or not; webhookReenabled follows (and
    // the deliveries' usual signals).
    void reenableWebhook(qint64 webhookId, bool replayMissed);
    // "Replay to another URL or with an edited payload": one manual attempt of the delivery, sent at once
    // to `url` (empty: the webhook's) with `payload` (null: as configured; else JSON), recorded with what it
    // changed (see OverrideReplay). overrideReplayFinished follows, with an error when it was refused.
    void replayWithOverride(qint64 deliveryId, const QString &url, const QByteArray &payload);
    // A new secret; the previous one keeps signing next to it for `graceSeconds` (0: stops at once).
    // secretRotated follows with the webhook as stored (new secret, previousSecretExpiresAt).
    void rotateSecret(qint64 webhookId, qint64 graceSeconds);

signals:
    void started(const QUrl &intakeUrl);
    void failed(const QString &reason);
    void stopped();
    void eventReceived(const RegistryEvent &event);
    void deliveryChanged(const DeliveryRecord &delivery);
    void attemptRecorded(const AttemptRecord &attempt);
    void queueDepthChanged(const QueueDepth &depth);
    void webhookDisabled(qint64 webhookId, const QString &reason);
    void problem(const QString &message);
    void webhookSaved(const WebhookConfig &webhook, const QString &error);
    void testEventQueued(qint64 webhookId, qint64 deliveryId, const QString &error);
    void missedDeliveriesFound(const MissedDeliveries &missed);
    void webhookReenabled(const ReenableOutcome &outcome);
    void overrideReplayFinished(qint64 deliveryId, const AttemptRecord &attempt, const QString &error);
    void secretRotated(const WebhookConfig &webhook, const QString &error);

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    static void registerMetaTypes();

    EngineConfig m_config;
    QThread m_thread;
    EngineWorker *m_worker = nullptr;
    std::shared_ptr<AdminGateway> m_adminGateway;
    QUrl m_intakeUrl;
    bool m_running = false;
    bool m_stopRequested = false;
    bool m_forwardingEvents = false;
    bool m_forwardingDeliveries = false;
    bool m_forwardingAttempts = false;
};
