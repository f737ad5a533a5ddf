#pragma once

#include "tidings/v1/admin.grpc.pb.h"

class AdminGateway;

// tidings.v1.Events (events): each method hands its call to the REST admin API on the engine thread
// (AdminCall) and returns without waiting.
class GrpcEventsService final : public tidings::v1::Events::CallbackService
{
public:
    explicit GrpcEventsService(AdminGateway &gateway)
        : m_gateway(gateway)
    {}

    grpc::ServerUnaryReactor *ListEvents(grpc::CallbackServerContext *context,
                                         const tidings::v1::ListEventsRequest *request,
                                         tidings::v1::ListEventsResponse *response) override;
    grpc::ServerUnaryReactor *GetEvent(grpc::CallbackServerContext *context,
                                       const tidings::v1::GetEventRequest *request,
                                       tidings::v1::Event *response) override;

private:
    AdminGateway &m_gateway;
};
