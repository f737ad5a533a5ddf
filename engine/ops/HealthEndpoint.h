#pragma once

#include "HttpServer.h"

class Store;

// GET /healthz and GET /readyz, for process supervisors and load balancers. /healthz answers 200 whenever
// the engine thread answers at all (it serves the intake too, so a stuck engine fails it by not answering).
// /readyz answers 200 only when the database answers a query, and 503 with the reason otherwise, so a load
// balancer stops sending registry notifications to an instance that could not store them. Both are open:
// they say nothing but "ok" or the database error.
class HealthEndpoint
{
public:
    static constexpr const char *livenessPath = "/healthz";
    static constexpr const char *readinessPath = "/readyz";

    explicit HealthEndpoint(Store &store);

    void handleLiveness(const HttpRequest &request, const HttpResponder &responder);
    void handleReadiness(const HttpRequest &request, const HttpResponder &responder);

private:
    static bool refuseMethod(const HttpRequest &request, const HttpResponder &responder);

    Store &m_store;
    bool m_ready = true; // the last answer, so a probe every few seconds logs only the changes
};
