#include "EngineWorker.h"

#include "DeliveryPoller.h"
#include "Dispatcher.h"
#include "HttpServer.h"
#include "NotificationIntake.h"
#include "RetentionSweeper.h"
#include "Store.h"
#include "TestEvent.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QThread>
#include <QUuid>

Q_LOGGING_CATEGORY(lcEngine, "tidings.engine")

EngineWorker::EngineWorker(EngineConfig config)
    : m_config(std::move(config))
    , m_externalChangeTimer(this) // children, so moveToThread() takes the timers along
    , m_queueDepthTimer(this)
{
    if (m_config.instanceId.isEmpty())
        m_config.instanceId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_externalChangeTimer.setInterval(m_config.externalChangeCheckMs);
    connect(&m_externalChangeTimer, &QTimer::timeout, this, &EngineWorker::checkExternalChanges);
    // Queue depth is published at most a few times a second, however fast deliveries change.
    m_queueDepthTimer.setInterval(250);
    m_queueDepthTimer.setSingleShot(true);
    connect(&m_queueDepthTimer, &QTimer::timeout, this, &EngineWorker::publishQueueDepth);
}

EngineWorker::~EngineWorker()
{
    tearDown();
}

void EngineWorker::tearDown()
{
    // Order matters: nothing may touch the store after it closes.
    m_server.reset();
    m_intake.reset();
    m_retention.reset();
    m_poller.reset();
    m_dispatcher.reset();
    m_store.reset();
}

void EngineWorker::start()
{
    QString error = m_config.validate();
    std::unique_ptr<SqlDialect> dialect;
    if (error.isEmpty())
        dialect =
            Store::dialectFor(m_config.databaseLocation, &error,
                              m_config.durability == EngineConfig::Durability::Full, m_config.busyTimeoutMs);
    if (!error.isEmpty()) {
        emit failed(error);
        return;
    }
    m_store = std::make_unique<Store>(std::move(dialect));
    if (!m_store->open(m_config.databaseLocation, &error)) {
        emit failed(error);
        return;
    }

    m_dispatcher = std::make_unique<Dispatcher>(*m_store, m_config.instanceId);
    QList<DestinationPolicy::Subnet> allowlist;
    DestinationPolicy::parseAllowlist(m_config.allowedDestinations, &allowlist, &error); // validated above
    m_dispatcher->setDestinationPolicy(DestinationPolicy(m_config.destinationGuardEnabled(), allowlist));
    m_poller = std::make_unique<DeliveryPoller>(*m_store, *m_dispatcher, m_config.instanceId,
                                                m_config.pollIntervalMs, m_config.leaseMarginMs);
    connect(m_dispatcher.get(), &Dispatcher::slotFreed, m_poller.get(), [this](qint64 id) {
        if (!m_stopping)
            m_poller->wake({id});
    });
    connect(m_dispatcher.get(), &Dispatcher::attemptRecorded, this,
            [this](const AttemptRecord &attempt, const DeliveryRecord &delivery) {
                emit attemptRecorded(attempt);
                emit deliveryChanged(delivery);
                m_queueDepthTimer.start();
            });
    connect(m_dispatcher.get(), &Dispatcher::webhookDisabled, this, [this](qint64 id, const QString &reason) {
        qCWarning(lcEngine) << "webhook" << id << "disabled:" << reason;
        reloadWebhooks();
        emit webhookDisabled(id, reason);
    });
    connect(m_dispatcher.get(), &Dispatcher::storeFailed, this, &EngineWorker::problem);

    QUrl intakeUrl;
    if (m_config.listen) {
        m_intake = std::make_unique<NotificationIntake>(*m_store, m_config.intakeToken);
        connect(m_intake.get(), &NotificationIntake::committed, this,
                [this](const QList<RegistryEvent> &events, const QList<qint64> &webhookIds) {
                    if (!webhookIds.isEmpty())
                        m_poller->wake(webhookIds);
                    for (const RegistryEvent &event : events)
                        emit eventReceived(event);
                    m_queueDepthTimer.start();
                });
        connect(m_intake.get(), &NotificationIntake::storeFailed, this, &EngineWorker::problem);
        connect(m_intake.get(), &NotificationIntake::aboutToRoute, this, &EngineWorker::checkExternalChanges,
                Qt::DirectConnection);

        HttpServerLimits limits;
        limits.request.maxBodyBytes = m_config.maxBodyBytes;
        limits.maxConnections = m_config.maxConnections;
        limits.headerTimeoutMs = m_config.headerTimeoutMs;
        limits.bodyTimeoutMs = m_config.bodyTimeoutMs;
        limits.idleTimeoutMs = m_config.idleTimeoutMs;
        m_server = std::make_unique<HttpServer>(limits);
        NotificationIntake *intake = m_intake.get();
        m_router.addRoute(NotificationIntake::notifyPath,
                          [intake](const HttpRequest &request, const HttpResponder &responder) {
                              intake->handle(request, responder);
                          });
        m_server->setHandler([this](const HttpRequest &request, const HttpResponder &responder) {
            m_router.route(request, responder);
        });
        if (!m_server->listen(m_config.listenAddress, m_config.listenPort)) {
            emit failed(QStringLiteral("cannot listen on %1:%2: %3")
                            .arg(m_config.listenAddress.toString())
                            .arg(m_config.listenPort)
                            .arg(m_server->errorString()));
            return;
        }
        QString host = m_config.listenAddress.toString();
        if (m_config.listenAddress.protocol() == QAbstractSocket::IPv6Protocol)
            host = QLatin1Char('[') + host + QLatin1Char(']');
        intakeUrl = QUrl(QStringLiteral("http://%1:%2%3")
                             .arg(host)
                             .arg(m_server->serverPort())
                             .arg(QLatin1String(NotificationIntake::notifyPath)));
    }

    m_retention = std::make_unique<RetentionSweeper>(*m_store, m_config.retention);

    reloadWebhooks();
    m_retention->start();
    m_changeCounter = m_store->externalChangeCounter();
    m_externalChangeTimer.start();
    m_poller->start();
    publishQueueDepth();
    emit started(intakeUrl);
}

void EngineWorker::reloadWebhooks()
{
    if (!m_store)
        return;
    const QList<WebhookConfig> webhooks = m_store->webhooks();
    if (m_intake)
        m_intake->setWebhooks(webhooks);
    m_poller->setWebhooks(webhooks);
    QList<qint64> ids;
    for (const WebhookConfig &webhook : webhooks)
        ids.append(webhook.id);
    if (m_retention)
        m_retention->setWebhookIds(ids);
}

void EngineWorker::replay(const QList<qint64> &deliveryIds)
{
    if (!m_store || m_stopping)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (qint64 id : deliveryIds) {
        if (m_store->replay(id, now) != Store::ReplayResult::Replayed)
            emit problem(QStringLiteral("delivery %1 was not replayed: it is in flight or gone").arg(id));
        else if (std::optional<DeliveryRecord> delivery = m_store->delivery(id))
            emit deliveryChanged(*delivery);
    }
    m_poller->wake();
    m_queueDepthTimer.start();
}

void EngineWorker::checkExternalChanges()
{
    // The CLI (or another process) committed: webhooks may have changed, replays may be due now.
    const qint64 counter = m_store->externalChangeCounter();
    if (counter == m_changeCounter)
        return;
    m_changeCounter = counter;
    reloadWebhooks();
    m_poller->wake();
    m_queueDepthTimer.start();
}

void EngineWorker::publishQueueDepth()
{
    if (m_store)
        emit queueDepthChanged(m_store->queueDepth());
}

void EngineWorker::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_externalChangeTimer.stop();
    m_queueDepthTimer.stop();
    if (m_retention)
        m_retention->stop();
    if (m_server)
        m_server->close();
    if (!m_poller) {
        emit stopped();
        return;
    }
    m_poller->stop();
    // Let attempts under way finish (and be recorded) for a while, then hand the rest back to the queue.
    auto *clock = new QElapsedTimer;
    clock->start();
    auto *waiter = new QTimer(this);
    waiter->setInterval(20);
    connect(waiter, &QTimer::timeout, this, [this, waiter, clock] {
        if (m_dispatcher->inFlight() > 0 && clock->elapsed() < m_config.gracefulStopMs)
            return;
        waiter->stop();
        waiter->deleteLater();
        delete clock;
        finishShutdown();
    });
    waiter->start();
}

void EngineWorker::finishShutdown()
{
    if (m_dispatcher->inFlight() > 0) {
        qCInfo(lcEngine) << "releasing" << m_dispatcher->inFlight()
                         << "unfinished attempts back to the queue";
        m_dispatcher->abortAll();
    }
    tearDown();
    emit stopped();
}

void EngineWorker::saveWebhook(const WebhookConfig &webhook)
{
    if (!m_store || m_stopping) {
        emit webhookSaved(webhook, QStringLiteral("the engine is stopping"));
        return;
    }
    WebhookConfig saved = webhook;
    bool ok = false;
    if (saved.id == 0) {
        saved.id = m_store->insertWebhook(saved);
        ok = saved.id > 0;
    } else {
        ok = m_store->updateWebhook(saved);
    }
    if (!ok) {
        emit webhookSaved(webhook, m_store->lastError());
        return;
    }
    reloadWebhooks();
    m_poller->wake({saved.id});
    if (std::optional<WebhookConfig> stored = m_store->webhook(saved.id))
        saved = *stored;
    emit webhookSaved(saved, QString());
}

void EngineWorker::cancelPendingRetries(const QList<qint64> &deliveryIds)
{
    if (!m_store || m_stopping)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (qint64 id : deliveryIds) {
        if (!m_store->cancelPending(id, now))
            emit problem(
                QStringLiteral("delivery %1 was not cancelled: it is not waiting for a retry").arg(id));
        else if (std::optional<DeliveryRecord> delivery = m_store->delivery(id))
            emit deliveryChanged(*delivery);
    }
    m_queueDepthTimer.start();
}

void EngineWorker::sendTestEvent(qint64 webhookId)
{
    if (!m_store || m_stopping) {
        emit testEventQueued(webhookId, 0, QStringLiteral("the engine is stopping"));
        return;
    }
    const std::optional<WebhookConfig> webhook = m_store->webhook(webhookId);
    if (!webhook) {
        emit testEventQueued(webhookId, 0, QStringLiteral("the webhook no longer exists"));
        return;
    }
    if (!webhook->enabled) {
        emit testEventQueued(webhookId, 0, QStringLiteral("the webhook is disabled"));
        return;
    }
    const RegistryEvent event = TestEvent::create();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 deliveryId = -1;
    if (m_store->beginWrite()) {
        const qint64 eventRow = m_store->insertEvent(event);
        if (eventRow > 0)
            deliveryId = m_store->insertDelivery(
                eventRow, webhookId, QStringLiteral("msg_") + QUuid::createUuid().toString(QUuid::Id128),
                now);
        if (deliveryId <= 0) {
            m_store->rollback();
            deliveryId = -1;
        } else if (!m_store->commit()) {
            deliveryId = -1;
        }
    }
    if (deliveryId < 0) {
        emit testEventQueued(webhookId, 0, m_store->lastError());
        return;
    }
    m_poller->wake({webhookId});
    m_queueDepthTimer.start();
    emit testEventQueued(webhookId, deliveryId, QString());
}
