#include "EngineWorker.h"

#include "AdminApi.h"
#include "DeliveryPoller.h"
#include "Dispatcher.h"
#include "HttpServer.h"
#include "NotificationIntake.h"
#include "RetentionSweeper.h"
#include "Store.h"

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
    m_admin.reset();
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
        // The admin API: its own token; what it changes takes effect in this engine at once (its writes are
        // on this connection, so the external-change check would not see them).
        m_admin = std::make_unique<AdminApi>(
            *m_store,
            AdminApi::Options{m_config.adminToken, m_config.recoveryBatchSize, m_config.recoveryIntervalMs});
        connect(m_admin.get(), &AdminApi::webhooksChanged, this, [this] {
            reloadWebhooks();
            m_poller->wake();
        });
        connect(m_admin.get(), &AdminApi::deliveriesQueued, this, [this] {
            if (!m_stopping)
                m_poller->wake();
            m_queueDepthTimer.start();
        });
        AdminApi *admin = m_admin.get();
        m_router.addRoute(AdminApi::prefix,
                          [admin](const HttpRequest &request, const HttpResponder &responder) {
                              admin->handle(request, responder);
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
