#include "GrpcAdminServer.h"

#include "AdminGateway.h"
#include "GrpcDeliveriesService.h"
#include "GrpcEventsService.h"
#include "GrpcWebhooksService.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

GrpcAdminServer::GrpcAdminServer(std::shared_ptr<AdminGateway> gateway)
    : m_gateway(std::move(gateway))
    , m_webhooks(std::make_unique<GrpcWebhooksService>(*m_gateway))
    , m_deliveries(std::make_unique<GrpcDeliveriesService>(*m_gateway))
    , m_events(std::make_unique<GrpcEventsService>(*m_gateway))
{}

GrpcAdminServer::~GrpcAdminServer()
{
    shutdown(0);
}

bool GrpcAdminServer::start(const QString &address, QString *error)
{
    grpc::ServerBuilder builder;
    int port = 0;
    // gRPC would share a taken port with SO_REUSEPORT; a second serve must fail instead of splitting calls.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.AddListeningPort(address.toStdString(), grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(m_webhooks.get());
    builder.RegisterService(m_deliveries.get());
    builder.RegisterService(m_events.get());
    m_server = builder.BuildAndStart();
    if (!m_server || port == 0) {
        m_server.reset();
        *error = QStringLiteral("the gRPC admin API cannot listen on %1 (in use, or not an address of this "
                                "machine)")
                     .arg(address);
        return false;
    }
    m_port = port;
    return true;
}

void GrpcAdminServer::shutdown(int graceMs)
{
    if (!m_server)
        return;
    m_server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(graceMs));
    m_server->Wait();
    m_server.reset();
}
