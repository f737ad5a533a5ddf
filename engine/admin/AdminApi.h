#pragma once

#include "DeliveryResource.h"
#include "EventResource.h"
#include "HttpServer.h"
#include "OverrideReplayEndpoint.h"
#include "RecoveryJobs.h"
#include "WebhookResource.h"

#include <QByteArray>
#include <QList>
#include <QObject>

class Store;

// One operation of the admin API: its method and its path, with {placeholders} as in the OpenAPI document
// (docs/api/openapi.yaml). The table is public so a test can hold the document and the server to each other.
struct AdminRoute
{
    QByteArray method;
    QByteArray path;
};

// The REST admin API under /v1/admin/ on the serve listener: webhooks, deliveries, replay, recovery jobs,
// events. Guarded by its own bearer token, never the intake's (a registry holding the intake token must not
// be able to change subscribers). Without a token the API is off and every path answers 404 with a reason
// that says how to turn it on. Runs in the engine thread on the engine's store connection; what it changes
// is announced by signals so the engine reloads webhooks or claims replayed deliveries at once.
class AdminApi : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *prefix = "/v1/admin/";

    struct Options
    {
        QByteArray token; // empty: the API is off
        int recoveryBatchSize = 200;
        int recoveryIntervalMs = 0;
    };

    AdminApi(Store &store, Options options, QObject *parent = nullptr);

    // The HttpRouter handler for the prefix.
    void handle(const HttpRequest &request, const HttpResponder &responder);
    // The answer to one admin request, authorization included; for callers that are not an HTTP connection
    // (the gRPC admin API, through AdminGateway). With a responder, an operation that answers later (a replay
    // with an override) answers through it and this returns answeredLater().
    HttpResponse answer(const HttpRequest &request, const HttpResponder *responder = nullptr);
    static QList<AdminRoute> routes();
    // Turns on replays to another URL or with an edited payload (a replay with a body); without it such a
    // replay is refused.
    void setOverrideReplay(OverrideReplay *replays);

signals:
    void webhooksChanged();
    void deliveriesQueued();

private:
    enum class Operation
    {
        ListWebhooks,
        CreateWebhook,
        GetWebhook,
        UpdateWebhook,
        DeleteWebhook,
        EnableWebhook,
        DisableWebhook,
        RotateSecret,
        ListDeliveries,
        ReplayDeliveries,
        GetDelivery,
        ReplayDelivery,
        ListRecoveries,
        CreateRecovery,
        GetRecovery,
        CancelRecovery,
        ListEvents,
        GetEvent
    };
    struct RouteEntry
    {
        AdminRoute route;
        Operation operation;
    };
    static const QList<RouteEntry> &table();
    // The path's values for the route's placeholders when the path fits its shape.
    static std::optional<QStringList> match(const QByteArray &pattern, const QByteArray &path);

    bool isAuthorized(const HttpRequest &request) const;
    static HttpResponse answeredLater();
    HttpResponse dispatch(Operation operation, const AdminRequest &request);

    QByteArray m_token;
    WebhookResource m_webhooks;
    DeliveryResource m_deliveries;
    EventResource m_events;
    RecoveryJobs m_recoveries;
    std::unique_ptr<OverrideReplayEndpoint> m_overrides;
};
