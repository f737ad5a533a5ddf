#pragma once

#include "DeliveryRecord.h"
#include "HttpRequest.h"
#include "HttpServer.h"
#include "IntakeRoute.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"
#include "WebhookFilter.h"

#include <QList>
#include <QObject>

class Store;

// The registry-facing endpoints: POST /v1/notify (distribution), /v1/notify/harbor and
// /v1/notify/cloudevents (see IntakeRoute). Checks the request, parses it with the route's parser and stores
// the events with their deliveries. Every request that arrives in one event-loop pass is committed in one
// transaction (group commit), and each is answered only after that commit: a 2xx means the events are on
// disk.
class NotificationIntake : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *notifyPath = "/v1/notify";

    NotificationIntake(Store &store, QByteArray token, QObject *parent = nullptr);

    void setWebhooks(const QList<WebhookConfig> &webhooks);
    // Every path the intake serves, for the router.
    QList<QByteArray> paths() const;
    // The HttpServer handler, for any of paths().
    void handle(const HttpRequest &request, const HttpResponder &responder);
    static QByteArray mediaTypeOf(const QByteArray &contentType);

signals:
    // Emitted inside the write transaction, before events are routed: the last moment to bring the webhook
    // list up to date with changes other processes (the CLI) committed, so no event is routed by a stale
    // list.
    void aboutToRoute();
    // After a commit: the events stored for the first time, and the webhooks that got new deliveries.
    void committed(const QList<RegistryEvent> &events, const QList<qint64> &webhookIds);
    void storeFailed(const QString &reason);
    // Every answer the intake gives, by HTTP status (for the metrics).
    void answered(int status);

private:
    struct PendingRequest
    {
        QList<RegistryEvent> events;
        HttpResponder responder;
    };
    struct CompiledWebhook
    {
        WebhookConfig config;
        WebhookFilter filter;
    };

    bool isAuthorized(const HttpRequest &request) const;
    void answer(const HttpResponder &responder, const HttpResponse &response);
    void flush();

    Store &m_store;
    QByteArray m_token;
    QList<IntakeRoute> m_routes;
    QList<CompiledWebhook> m_webhooks;
    QList<PendingRequest> m_pending;
};
