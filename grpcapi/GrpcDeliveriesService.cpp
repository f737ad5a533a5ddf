#include "GrpcDeliveriesService.h"

#include "AdminCall.h"

grpc::ServerUnaryReactor *
GrpcDeliveriesService::ListDeliveries(grpc::CallbackServerContext *context,
                                      const tidings::v1::ListDeliveriesRequest *request,
                                      tidings::v1::ListDeliveriesResponse *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "ListDeliveries", *request,
                            response);
}

grpc::ServerUnaryReactor *GrpcDeliveriesService::GetDelivery(grpc::CallbackServerContext *context,
                                                             const tidings::v1::GetDeliveryRequest *request,
                                                             tidings::v1::Delivery *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "GetDelivery", *request, response);
}

grpc::ServerUnaryReactor *
GrpcDeliveriesService::ReplayDelivery(grpc::CallbackServerContext *context,
                                      const tidings::v1::ReplayDeliveryRequest *request,
                                      tidings::v1::Delivery *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "ReplayDelivery", *request,
                            response);
}

grpc::ServerUnaryReactor *
GrpcDeliveriesService::ReplayDeliveries(grpc::CallbackServerContext *context,
                                        const tidings::v1::ReplayDeliveriesRequest *request,
                                        tidings::v1::ReplayDeliveriesResponse *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "ReplayDeliveries", *request,
                            response);
}

grpc::ServerUnaryReactor *
GrpcDeliveriesService::CreateRecovery(grpc::CallbackServerContext *context,
                                      const tidings::v1::CreateRecoveryRequest *request,
                                      tidings::v1::RecoveryJob *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "CreateRecovery", *request,
                            response);
}

grpc::ServerUnaryReactor *
GrpcDeliveriesService::ListRecoveries(grpc::CallbackServerContext *context,
                                      const tidings::v1::ListRecoveriesRequest *request,
                                      tidings::v1::ListRecoveriesResponse *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "ListRecoveries", *request,
                            response);
}

grpc::ServerUnaryReactor *GrpcDeliveriesService::GetRecovery(grpc::CallbackServerContext *context,
                                                             const tidings::v1::GetRecoveryRequest *request,
                                                             tidings::v1::RecoveryJob *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "GetRecovery", *request, response);
}

grpc::ServerUnaryReactor *
GrpcDeliveriesService::CancelRecovery(grpc::CallbackServerContext *context,
                                      const tidings::v1::CancelRecoveryRequest *request,
                                      tidings::v1::RecoveryJob *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Deliveries", "CancelRecovery", *request,
                            response);
}
