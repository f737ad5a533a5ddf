#pragma once

#include <QByteArray>
#include <QList>

// Which REST admin operation answers each gRPC admin method. The one table both directions are checked
// against (tests/unit/tst_grpcroutes.cpp): every REST route has a method here, every method of the services
// in admin.proto has a route, so the two APIs cannot drift apart.
struct GrpcRoute
{
    const char *service;   // full name, e.g. "tidings.v1.Webhooks"
    const char *method;    // e.g. "CreateWebhook"
    QByteArray httpMethod; // as in AdminApi::routes()
    QByteArray path;       // as in AdminApi::routes(), with its {placeholder}
    // The request field (proto name) that fills the path's placeholder; nullptr without one.
    const char *pathField;
    // The request field (proto name) whose message is the JSON body; nullptr: the other fields are the body
    // (POST, PATCH) or the query (GET, DELETE).
    const char *bodyField;
};

class GrpcRoutes
{
public:
    static const QList<GrpcRoute> &all();
    // The route of a method, or nullptr.
    static const GrpcRoute *find(const char *service, const char *method);
};
