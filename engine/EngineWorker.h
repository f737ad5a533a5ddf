#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "EngineConfig.h"
#include "HttpRouter.h"
#include "QueueDepth.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>

class DeliveryPoller;
class Dispatcher;
class HttpServer;
class NotificationIntake;
class RetentionSweeper;
class Store;

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

private:
    void checkExternalChanges();
    void publishQueueDepth();
    void finishShutdown();
    void tearDown();

    EngineConfig m_config;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<DeliveryPoller> m_poller;
    std::unique_ptr<NotificationIntake> m_intake;
    HttpRouter m_router; // the listener's paths: the intake now, more endpoints as they come
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<RetentionSweeper> m_retention;
    QTimer m_externalChangeTimer;
    QTimer m_queueDepthTimer;
    qint64 m_changeCounter = -1;
    bool m_stopping = false;
};
