#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "EngineConfig.h"
#include "HttpRouter.h"
#include "MetricsRegistry.h"
#include "MissedDeliveries.h"
#include "QueueDepth.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>

class AdminApi;
class AdminGateway;
class ChangeListener;
class DeliveryPoller;
class Dispatcher;
class HttpServer;
class HealthEndpoint;
class HousekeepingLeader;
class MetricsEndpoint;
class NotificationIntake;
class OperationsNotifier;
class OverrideReplay;
class RetentionSweeper;
class TextIndexer;
class Store;
class WebhookHealthMonitor;

// The engine's parts wired together, living in the engine thread. Only Engine talks to it, through queued
// calls and signals with value types.
class EngineWorker : public QObject
{
    Q_OBJECT
public:
    explicit EngineWorker(EngineConfig config);
    ~EngineWorker() override;

    void start();
    void shutdown();
    void reloadWebhooks();
    void replay(const QList<qint64> &deliveryIds);
    void saveWebhook(const WebhookConfig &webhook);
    void cancelPendingRetries(const QList<qint64> &deliveryIds);
    void sendTestEvent(qint64 webhookId);
    // Before start(): the gateway the admin API is attached to while it runs (gRPC admin API).
    void setAdminGateway(std::shared_ptr<AdminGateway> gateway);
    void findMissedDeliveries(qint64 webhookId);
    void reenableWebhook(qint64 webhookId, bool replayMissed);
    void replayWithOverride(qint64 deliveryId, const QString &url, const QByteArray &payload);
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

private:
    void checkExternalChanges();
    // Both ways a webhook gets disabled end here: cause "gone" (410) or "failing" (--disable-after).
    void onWebhookDisabled(qint64 webhookId, const QString &reason, const QString &cause);
    void publishQueueDepth();
    void finishShutdown();
    void tearDown();

    EngineConfig m_config;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<DeliveryPoller> m_poller;
    std::unique_ptr<OverrideReplay> m_overrideReplay; // replays to another URL or with an edited payload
    std::unique_ptr<NotificationIntake> m_intake;
    std::unique_ptr<AdminApi> m_admin;
    std::shared_ptr<AdminGateway> m_adminGateway;
    HttpRouter m_router;       // the listener's paths: the intake now, more endpoints as they come
    MetricsRegistry m_metrics; // counters since start, for GET /metrics
    std::unique_ptr<MetricsEndpoint> m_metricsEndpoint;
    std::unique_ptr<HealthEndpoint> m_healthEndpoint;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<RetentionSweeper> m_retention;
    std::unique_ptr<TextIndexer>
        m_textIndexer; // SQLite: the console's text index, after the intake's commits
    std::unique_ptr<HousekeepingLeader>
        m_housekeeping;                         // runs m_retention on one instance of a shared database
    std::unique_ptr<ChangeListener> m_listener; // PostgreSQL only
    std::unique_ptr<WebhookHealthMonitor> m_health;
    std::unique_ptr<OperationsNotifier> m_ops;
    QTimer m_externalChangeTimer;
    QTimer m_queueDepthTimer;
    qint64 m_changeCounter = -1;
    bool m_stopping = false;
};
