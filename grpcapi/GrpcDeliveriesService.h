#pragma once

#include "tidings/v1/admin.grpc.pb.h"

class AdminGateway;

// tidings.v1.Deliveries (deliveries, replay and recovery jobs): each method hands its call to the REST admin
// API on the engine thread (AdminCall) and returns without waiting.
class GrpcDeliveriesService final : public tidings::v1::Deliveries::CallbackService
{
public:
    explicit GrpcDeliveriesService(AdminGateway &gateway)
        : m_gateway(gateway)
    {}

    grpc::ServerUnaryReactor *ListDeliveries(grpc::CallbackServerContext *context,
                                             const tidings::v1::ListDeliveriesRequest *request,
                                             tidings::v1::ListDeliveriesResponse *response) override;
    grpc::ServerUnaryReactor *GetDelivery(grpc::CallbackServerContext *context,
                                          const tidings::v1::GetDeliveryRequest *request,
                                          tidings::v1::Delivery *response) override;
    grpc::ServerUnaryReactor *ReplayDelivery(grpc::CallbackServerContext *context,
                                             const tidings::v1::ReplayDeliveryRequest *request,
                                             tidings::v1::Delivery *response) override;
    grpc::ServerUnaryReactor *ReplayDeliveries(grpc::CallbackServerContext *context,
                                               const tidings::v1::ReplayDeliveriesRequest *request,
                                               tidings::v1::ReplayDeliveriesResponse *response) override;
    grpc::ServerUnaryReactor *CreateRecovery(grpc::CallbackServerContext *context,
                                             const tidings::v1::CreateRecoveryRequest *request,
                                             tidings::v1::RecoveryJob *response) override;
    grpc::ServerUnaryReactor *ListRecoveries(grpc::CallbackServerContext *context,
                                             const tidings::v1::ListRecoveriesRequest *request,
                                             tidings::v1::ListRecoveriesResponse *response) override;
    grpc::ServerUnaryReactor *GetRecovery(grpc::CallbackServerContext *context,
                                          const tidings::v1::GetRecoveryRequest *request,
                                          tidings::v1::RecoveryJob *response) override;
    grpc::ServerUnaryReactor *CancelRecovery(grpc::CallbackServerContext *context,
                                             const tidings::v1::CancelRecoveryRequest *request,
                                             tidings::v1::RecoveryJob *response) override;

private:
    AdminGateway &m_gateway;
};
