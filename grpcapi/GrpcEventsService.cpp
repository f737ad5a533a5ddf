#include "GrpcEventsService.h"

#include "AdminCall.h"

grpc::ServerUnaryReactor *GrpcEventsService::ListEvents(grpc::CallbackServerContext *context,
                                                        const tidings::v1::ListEventsRequest *request,
                                                        tidings::v1::ListEventsResponse *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Events", "ListEvents", *request, response);
}

grpc::ServerUnaryReactor *GrpcEventsService::GetEvent(grpc::CallbackServerContext *context,
                                                      const tidings::v1::GetEventRequest *request,
                                                      tidings::v1::Event *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Events", "GetEvent", *request, response);
}
