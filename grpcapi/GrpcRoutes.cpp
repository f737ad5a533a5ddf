#include "GrpcRoutes.h"

#include <cstring>

const QList<GrpcRoute> &GrpcRoutes::all()
{
    static const QList<GrpcRoute> routes{
        {"tidings.v1.Webhooks", "ListWebhooks", "GET", "/v1/admin/webhooks", nullptr, nullptr},
        {"tidings.v1.Webhooks", "CreateWebhook", "POST", "/v1/admin/webhooks", nullptr, "webhook"},
        {"tidings.v1.Webhooks", "GetWebhook", "GET", "/v1/admin/webhooks/{webhook}", "webhook", nullptr},
        {"tidings.v1.Webhooks", "UpdateWebhook", "PATCH", "/v1/admin/webhooks/{webhook}", "webhook",
         "settings"},
        {"tidings.v1.Webhooks", "DeleteWebhook", "DELETE", "/v1/admin/webhooks/{webhook}", "webhook",
         nullptr},
        {"tidings.v1.Webhooks", "EnableWebhook", "POST", "/v1/admin/webhooks/{webhook}/enable", "webhook",
         nullptr},
        {"tidings.v1.Webhooks", "DisableWebhook", "POST", "/v1/admin/webhooks/{webhook}/disable", "webhook",
         nullptr},
        {"tidings.v1.Webhooks", "RotateSecret", "POST", "/v1/admin/webhooks/{webhook}/rotate-secret",
         "webhook", nullptr},
        {"tidings.v1.Deliveries", "ListDeliveries", "GET", "/v1/admin/deliveries", nullptr, nullptr},
        {"tidings.v1.Deliveries", "ReplayDeliveries", "POST", "/v1/admin/deliveries/replay", nullptr,
         nullptr},
        {"tidings.v1.Deliveries", "GetDelivery", "GET", "/v1/admin/deliveries/{delivery}", "id", nullptr},
        {"tidings.v1.Deliveries", "ReplayDelivery", "POST", "/v1/admin/deliveries/{delivery}/replay", "id",
         nullptr},
        {"tidings.v1.Deliveries", "ListRecoveries", "GET", "/v1/admin/recoveries", nullptr, nullptr},
        {"tidings.v1.Deliveries", "CreateRecovery", "POST", "/v1/admin/recoveries", nullptr, nullptr},
        {"tidings.v1.Deliveries", "GetRecovery", "GET", "/v1/admin/recoveries/{recovery}", "id", nullptr},
        {"tidings.v1.Deliveries", "CancelRecovery", "DELETE", "/v1/admin/recoveries/{recovery}", "id",
         nullptr},
        {"tidings.v1.Events", "ListEvents", "GET", "/v1/admin/events", nullptr, nullptr},
        {"tidings.v1.Events", "GetEvent", "GET", "/v1/admin/events/{event}", "id", nullptr},
    };
    return routes;
}

const GrpcRoute *GrpcRoutes::find(const char *service, const char *method)
{
    for (const GrpcRoute &route : all()) {
        if (std::strcmp(route.service, service) == 0 && std::strcmp(route.method, method) == 0)
            return &route;
    }
    return nullptr;
}
