#include "EngineWorker.h"

#include "AdminApi.h"
#include "AdminGateway.h"
#include "ChangeListener.h"

#include "DeliveryPoller.h"
#include "Dispatcher.h"
#include "HealthEndpoint.h"
#include "HousekeepingLeader.h"
#include "HttpServer.h"
#include "MetricsEndpoint.h"
#include "NotificationIntake.h"
#include "OperationsNotifier.h"
#include "OverrideReplay.h"
#include "RetentionSweeper.h"
#include "SecretRotation.h"
#include "Store.h"
#include "TestEvent.h"
#include "TextIndexer.h"
#include "WebhookHealthMonitor.h"
#include "WebhookReenabler.h"
#include "WebhookSignature.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QThread>
#include <QUuid>

Q_LOGGING_CATEGORY(lcEngine, "tidings.engine")
Q_LOGGING_CATEGORY(lcDelivery, "tidings.delivery")

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
    // Runs on the engine's thread as it ends (deleteLater on QThread::finished), the thread that signed.
    WebhookSignature::releaseThreadState();
}

void EngineWorker::tearDown()
{
    // Order matters: nothing may touch the store after it closes.
    m_server.reset();
    m_metricsEndpoint.reset();
    m_healthEndpoint.reset();
    m_intake.reset();
    if (m_adminGateway)
        m_adminGateway->detach(); // before the API goes: calls queued from now on are refused
    m_admin.reset();
    m_housekeeping.reset(); // releases the housekeeping lock while the store is open
    m_retention.reset();
    m_textIndexer.reset();
    m_health.reset();
    m_ops.reset();
    m_overrideReplay.reset();
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
    if (!m_store->checkpointInBackground(&error)) {
        qCWarning(lcEngine).noquote() << "WAL checkpoints stay in the committing thread:" << error;
        error.clear();
    }

    m_dispatcher = std::make_unique<Dispatcher>(*m_store, m_config.instanceId);
    QList<DestinationPolicy::Subnet> allowlist;
    DestinationPolicy::parseAllowlist(m_config.allowedDestinations, &allowlist, &error); // validated above
    m_dispatcher->setDestinationPolicy(DestinationPolicy(m_config.destinationGuardEnabled(), allowlist));
    m_overrideReplay = std::make_unique<OverrideReplay>(*m_store);
    m_overrideReplay->setDestinationPolicy(DestinationPolicy(m_config.destinationGuardEnabled(), allowlist));
    connect(
        m_overrideReplay.get(), &OverrideReplay::finished, this, [this](const OverrideReplayResult &result) {
            if (result.attempt.id > 0) {
                qCInfo(lcDelivery).noquote()
                    << "delivery" << result.deliveryId << "replayed with an override (" << result.attempt.note
                    << "): answered" << result.attempt.responseStatus << result.attempt.errorClass;
                emit attemptRecorded(result.attempt);
                if (result.delivery.id > 0)
                    emit deliveryChanged(result.delivery);
                m_queueDepthTimer.start();
            }
            emit overrideReplayFinished(result.deliveryId, result.attempt, result.errorMessage);
        });
    m_poller = std::make_unique<DeliveryPoller>(*m_store, *m_dispatcher, m_config.instanceId,
                                                m_config.pollIntervalMs, m_config.leaseMarginMs);
    m_ops = std::make_unique<OperationsNotifier>(QUrl(m_config.opsWebhookUrl), m_config.instanceId);
    connect(m_ops.get(), &OperationsNotifier::postFailed, this, &EngineWorker::problem);
    m_health = std::make_unique<WebhookHealthMonitor>(*m_store, m_config.disableAfterMs);
    connect(m_health.get(), &WebhookHealthMonitor::webhookDisabled, this,
            [this](qint64 id, const QString &reason) {
                onWebhookDisabled(id, reason, QStringLiteral("failing"));
            });
    connect(m_health.get(), &WebhookHealthMonitor::storeFailed, this, &EngineWorker::problem);
    connect(m_dispatcher.get(), &Dispatcher::attemptRecorded, this,
            [this](const AttemptRecord &attempt, const DeliveryRecord &delivery) {
                m_health->attemptRecorded(delivery.webhookId, attempt);
                m_metrics.recordAttempt(attempt, delivery);
                // One line per attempt: failures are worth an operator's eye, successes only when debugging.
                if (attempt.errorClass.isEmpty())
                    qCDebug(lcDelivery).noquote()
                        << "delivery" << delivery.id << "to" << delivery.webhookName << "attempt"
                        << attempt.number << "answered" << attempt.responseStatus << "in"
                        << attempt.durationMs << "ms";
                else
                    qCInfo(lcDelivery).noquote()
                        << "delivery" << delivery.id << "to" << delivery.webhookName << "attempt"
                        << attempt.number << "failed:" << attempt.errorClass << attempt.responseStatus
                        << attempt.errorMessage << "after" << attempt.durationMs << "ms; now"
                        << MetricsRegistry::deliveryOutcome(delivery);
                emit attemptRecorded(attempt);
                emit deliveryChanged(delivery);
                m_queueDepthTimer.start();
            });
    connect(m_dispatcher.get(), &Dispatcher::webhookDisabled, this, [this](qint64 id, const QString &reason) {
        onWebhookDisabled(id, reason, QStringLiteral("gone"));
    });
    connect(m_dispatcher.get(), &Dispatcher::storeFailed, this, &EngineWorker::problem);
    connect(m_dispatcher.get(), &Dispatcher::endpointPaused, this,
            [this](qint64 id, const QString &name, int failures, qint64 pauseMs) {
                m_metrics.recordEndpointPaused(name);
                qCWarning(lcDelivery).noquote()
                    << QStringLiteral(
                           "webhook %1 (%2): its endpoint failed %3 times in a row; no new deliveries "
                           "to it for %4 ms, then one at a time until it answers")
                           .arg(name)
                           .arg(id)
                           .arg(failures)
                           .arg(pauseMs);
            });
    connect(m_dispatcher.get(), &Dispatcher::endpointResumed, this,
            [this](qint64 id, const QString &name, const QString &why) {
                m_metrics.recordEndpointResumed(name);
                qCInfo(lcDelivery).noquote()
                    << QStringLiteral("webhook %1 (%2): %3; sending at full concurrency")
                           .arg(name)
                           .arg(id)
                           .arg(why);
            });

    if (m_store->dialect().indexesTextAfterCommit()) {
        // Its thread starts by indexing what other writers stored while no engine ran.
        m_textIndexer = std::make_unique<TextIndexer>(m_config.databaseLocation);
        connect(m_textIndexer.get(), &TextIndexer::indexFailed, this, [](const QString &error) {
            qCWarning(lcEngine).noquote()
                << "cannot add new events to the console's text index yet (retrying every 2 s):" << error;
        });
        connect(m_textIndexer.get(), &TextIndexer::indexRecovered, this,
                [] { qCInfo(lcEngine) << "the console's text index is catching up again"; });
    }

    QUrl intakeUrl;
    if (m_config.listen) {
        m_intake = std::make_unique<NotificationIntake>(*m_store, m_config.intakeToken);
        if (m_store->dialect().intakeOnOwnConnections()) {
            const EngineConfig config = m_config;
            QString intakeError;
            const bool own = m_intake->useOwnConnections(
                [config](QString *error) -> std::unique_ptr<Store> {
                    std::unique_ptr<SqlDialect> dialect = Store::dialectFor(
                        config.databaseLocation, error, config.durability == EngineConfig::Durability::Full,
                        config.busyTimeoutMs);
                    if (!dialect)
                        return nullptr;
                    auto store = std::make_unique<Store>(std::move(dialect));
                    if (!store->open(config.databaseLocation, error))
                        return nullptr;
                    // Its pg_notify names this instance, so this instance's listener skips it (the intake
                    // wakes the local poller itself).
                    store->setChangeOrigin(config.instanceId);
                    return store;
                },
                &intakeError);
            if (!own)
                qCWarning(lcEngine).noquote()
                    << "the intake writes on the engine's connection; its own did not open:" << intakeError;
        }
        connect(m_intake.get(), &NotificationIntake::committed, this,
                [this](const QList<RegistryEvent> &events, const QList<qint64> &webhookIds) {
                    m_metrics.recordEventsAccepted(int(events.size()));
                    if (m_textIndexer)
                        m_textIndexer->scheduleSoon();
                    if (!webhookIds.isEmpty())
                        m_poller->wake(webhookIds);
                    for (const RegistryEvent &event : events)
                        emit eventReceived(event);
                    m_queueDepthTimer.start();
                });
        connect(m_intake.get(), &NotificationIntake::storeFailed, this, &EngineWorker::problem);
        connect(m_intake.get(), &NotificationIntake::answered, this,
                [this](int status) { m_metrics.recordIntakeAnswer(status); });
        connect(m_intake.get(), &NotificationIntake::aboutToRoute, this, &EngineWorker::checkExternalChanges,
                Qt::DirectConnection);

        HttpServerLimits limits;
        limits.request.maxBodyBytes = m_config.maxBodyBytes;
        limits.maxConnections = m_config.maxConnections;
        limits.headerTimeoutMs = m_config.headerTimeoutMs;
        limits.bodyTimeoutMs = m_config.bodyTimeoutMs;
        limits.idleTimeoutMs = m_config.idleTimeoutMs;
        m_server = std::make_unique<HttpServer>(limits);
        connect(m_server.get(), &HttpServer::requestRefused, this,
                [this](int status) { m_metrics.recordHttpRefusal(status); });
        NotificationIntake *intake = m_intake.get();
        // /v1/notify, /v1/notify/harbor, /v1/notify/cloudevents: one intake, one group commit.
        for (const QByteArray &path : intake->paths()) {
            m_router.addRoute(path, [intake](const HttpRequest &request, const HttpResponder &responder) {
                intake->handle(request, responder);
            });
        }
        m_metricsEndpoint = std::make_unique<MetricsEndpoint>(*m_store, m_metrics, m_config.metricsToken);
        MetricsEndpoint *metrics = m_metricsEndpoint.get();
        m_router.addRoute(MetricsEndpoint::path,
                          [metrics](const HttpRequest &request, const HttpResponder &responder) {
                              metrics->handle(request, responder);
                          });
        m_healthEndpoint = std::make_unique<HealthEndpoint>(*m_store);
        HealthEndpoint *health = m_healthEndpoint.get();
        m_router.addRoute(HealthEndpoint::livenessPath,
                          [health](const HttpRequest &request, const HttpResponder &responder) {
                              health->handleLiveness(request, responder);
                          });
        m_router.addRoute(HealthEndpoint::readinessPath,
                          [health](const HttpRequest &request, const HttpResponder &responder) {
                              health->handleReadiness(request, responder);
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
            if (!m_stopping) {
                m_dispatcher->endPauses(); // replays: "try now", also for a paused endpoint
                m_poller->wake();
            }
            m_queueDepthTimer.start();
        });
        m_admin->setOverrideReplay(m_overrideReplay.get());
        AdminApi *admin = m_admin.get();
        if (m_adminGateway)
            m_adminGateway->attach(admin);
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
    connect(m_retention.get(), &RetentionSweeper::sweepFinished, this,
            [this](qint64 removed) { m_metrics.recordRetentionSweep(removed); });
    // Retention runs only while this instance holds the housekeeping lock (always on SQLite): several
    // instances on one PostgreSQL database would otherwise all sweep the same history.
    m_housekeeping = std::make_unique<HousekeepingLeader>(*m_store, m_config.housekeepingCheckMs);
    connect(m_housekeeping.get(), &HousekeepingLeader::leadershipChanged, this, [this](bool leader) {
        m_metrics.setHousekeepingLeader(leader);
        if (leader && !m_stopping)
            m_retention->start();
        else
            m_retention->stop();
    });

    // On a shared PostgreSQL database, other instances and the CLI announce their commits; SQLite is watched
    // through its data_version counter instead (checkExternalChanges).
    m_store->setChangeOrigin(m_config.instanceId);
    if (m_store->dialect().name() == QLatin1String("postgresql")) {
        m_listener = std::make_unique<ChangeListener>(m_config.instanceId);
        QString listenError;
        if (!m_listener->start(m_config.databaseLocation, &listenError)) {
            emit failed(listenError);
            return;
        }
        connect(m_listener.get(), &ChangeListener::changed, this, [this](Store::Change change) {
            if (m_stopping)
                return;
            if (change == Store::Change::Webhooks)
                reloadWebhooks();
            m_poller->wake();
            m_queueDepthTimer.start();
        });
    }

    reloadWebhooks();
    m_housekeeping->start();
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
    if (m_health)
        m_health->setWebhooks(webhooks);
    QList<qint64> ids;
    for (const WebhookConfig &webhook : webhooks)
        ids.append(webhook.id);
    if (m_retention)
        m_retention->setWebhookIds(ids);
}

void EngineWorker::onWebhookDisabled(qint64 webhookId, const QString &reason, const QString &cause)
{
    WebhookConfig webhook;
    webhook.id = webhookId;
    if (std::optional<WebhookConfig> stored = m_store->webhook(webhookId))
        webhook = *stored;
    m_ops->webhookDisabled(webhook, cause, reason); // the log line and the operations webhook
    reloadWebhooks();
    emit webhookDisabled(webhookId, reason);
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
    m_dispatcher->endPauses(); // a replay means "try now", also for an endpoint paused after failures
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
    m_dispatcher->endPauses(); // the CLI may have replayed deliveries: "try now"
    if (m_textIndexer)
        m_textIndexer->scheduleSoon(); // it may have stored events
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
    if (m_textIndexer)
        m_textIndexer->stop(); // the next start indexes what is left
    if (m_housekeeping)
        m_housekeeping->stop(); // another instance takes retention over now, not when this one is gone
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

void EngineWorker::setAdminGateway(std::shared_ptr<AdminGateway> gateway)
{
    m_adminGateway = std::move(gateway);
}

void EngineWorker::findMissedDeliveries(qint64 webhookId)
{
    if (!m_store || m_stopping) {
        MissedDeliveries missed;
        missed.webhookId = webhookId;
        missed.error = QStringLiteral("the engine is stopping");
        emit missedDeliveriesFound(missed);
        return;
    }
    emit missedDeliveriesFound(WebhookReenabler(*m_store).find(webhookId));
}

void EngineWorker::reenableWebhook(qint64 webhookId, bool replayMissed)
{
    if (!m_store || m_stopping) {
        ReenableOutcome outcome;
        outcome.webhookId = webhookId;
        outcome.error = QStringLiteral("the engine is stopping");
        emit webhookReenabled(outcome);
        return;
    }
    const ReenableOutcome outcome = WebhookReenabler(*m_store).reenable(webhookId, replayMissed);
    if (outcome.error.isEmpty()) {
        qCInfo(lcEngine).noquote() << "webhook" << webhookId << "re-enabled;" << outcome.replayed
                                   << "deliveries replayed," << outcome.routed << "missed events routed,"
                                   << outcome.cancelled << "held deliveries cancelled";
        reloadWebhooks();
        m_poller->wake({webhookId});
        m_queueDepthTimer.start();
    }
    emit webhookReenabled(outcome);
}

void EngineWorker::replayWithOverride(qint64 deliveryId, const QString &url, const QByteArray &payload)
{
    if (!m_overrideReplay || m_stopping) {
        emit overrideReplayFinished(deliveryId, AttemptRecord(), QStringLiteral("the engine is stopping"));
        return;
    }
    OverrideReplayResult refusal;
    if (m_overrideReplay->start(OverrideReplayRequest{deliveryId, url, payload}, &refusal) == 0)
        emit overrideReplayFinished(deliveryId, AttemptRecord(), refusal.errorMessage);
}

void EngineWorker::rotateSecret(qint64 webhookId, qint64 graceSeconds)
{
    WebhookConfig unchanged;
    unchanged.id = webhookId;
    if (!m_store || m_stopping) {
        emit secretRotated(unchanged, QStringLiteral("the engine is stopping"));
        return;
    }
    QString error;
    const std::optional<WebhookConfig> rotated =
        SecretRotation::rotate(*m_store, webhookId, graceSeconds, &error);
    if (!rotated) {
        emit secretRotated(unchanged, error);
        return;
    }
    reloadWebhooks();
    emit secretRotated(*rotated, QString());
}
