#pragma once

#include <QString>

#include <memory>

class AdminGateway;
class GrpcDeliveriesService;
class GrpcEventsService;
class GrpcWebhooksService;

namespace grpc {
class Server;
}

// The gRPC admin API's server (`tidings serve --grpc-listen HOST:PORT`): tidings.v1.Webhooks, Deliveries
// and Events on their own port, answered by the engine's admin API through the gateway. gRPC's own threads
// take the calls; the engine thread only ever queues answers back (see AdminCall).
class GrpcAdminServer
{
public:
    explicit GrpcAdminServer(std::shared_ptr<AdminGateway> gateway);
    ~GrpcAdminServer();

    // `address` as gRPC takes it: "127.0.0.1:50051", "[::1]:50051", "0.0.0.0:0" (any free port). False and a
    // reason when it cannot listen.
    bool start(const QString &address, QString *error);
    // The port it listens on (the chosen one when started on port 0).
    int port() const { return m_port; }
    // Stops taking calls, lets those in flight finish for up to graceMs, then cancels the rest. Blocks the
    // caller (never the engine thread, which keeps answering meanwhile).
    void shutdown(int graceMs);

private:
    std::shared_ptr<AdminGateway> m_gateway;
    std::unique_ptr<GrpcWebhooksService> m_webhooks;
    std::unique_ptr<GrpcDeliveriesService> m_deliveries;
    std::unique_ptr<GrpcEventsService> m_events;
    std::unique_ptr<grpc::Server> m_server;
    int m_port = 0;
};
