#pragma once

#include "HttpServer.h"

#include <QByteArray>

class MetricsRegistry;
class Store;

// GET /metrics: the registry's counters plus gauges read from the database at scrape time (queue depth per
// webhook and state, age of the oldest due delivery). Open unless a token is configured; then it wants
// "Authorization: Bearer <token>" like the intake. Lives on the engine thread, next to the store.
class MetricsEndpoint
{
public:
    static constexpr const char *path = "/metrics";

    MetricsEndpoint(Store &store, const MetricsRegistry &registry, QByteArray token);

    void handle(const HttpRequest &request, const HttpResponder &responder);
    // The exposition text, as a scrape gets it.
    QByteArray render();

private:
    Store &m_store;
    const MetricsRegistry &m_registry;
    QByteArray m_token;
};
