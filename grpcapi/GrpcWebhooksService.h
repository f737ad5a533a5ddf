#pragma once

#include "tidings/v1/admin.grpc.pb.h"

class AdminGateway;

// tidings.v1.Webhooks (webhooks): each method hands its call to the REST admin API on the engine thread
// (AdminCall) and returns without waiting.
class GrpcWebhooksService final : public tidings::v1::Webhooks::CallbackService
{
public:
    explicit GrpcWebhooksService(AdminGateway &gateway)
        : m_gateway(gateway)
    {}

    grpc::ServerUnaryReactor *ListWebhooks(grpc::CallbackServerContext *context,
                                           const tidings::v1::ListWebhooksRequest *request,
                                           tidings::v1::ListWebhooksResponse *response) override;
    grpc::ServerUnaryReactor *CreateWebhook(grpc::CallbackServerContext *context,
                                            const tidings::v1::CreateWebhookRequest *request,
                                            tidings::v1::Webhook *response) override;
    grpc::ServerUnaryReactor *GetWebhook(grpc::CallbackServerContext *context,
                                         const tidings::v1::GetWebhookRequest *request,
                                         tidings::v1::Webhook *response) override;
    grpc::ServerUnaryReactor *UpdateWebhook(grpc::CallbackServerContext *context,
                                            const tidings::v1::UpdateWebhookRequest *request,
                                            tidings::v1::Webhook *response) override;
    grpc::ServerUnaryReactor *DeleteWebhook(grpc::CallbackServerContext *context,
                                            const tidings::v1::DeleteWebhookRequest *request,
                                            ::google::protobuf::Empty *response) override;
    grpc::ServerUnaryReactor *EnableWebhook(grpc::CallbackServerContext *context,
                                            const tidings::v1::EnableWebhookRequest *request,
                                            tidings::v1::Webhook *response) override;
    grpc::ServerUnaryReactor *DisableWebhook(grpc::CallbackServerContext *context,
                                             const tidings::v1::DisableWebhookRequest *request,
                                             tidings::v1::Webhook *response) override;
    grpc::ServerUnaryReactor *RotateSecret(grpc::CallbackServerContext *context,
                                           const tidings::v1::RotateSecretRequest *request,
                                           tidings::v1::Webhook *response) override;

private:
    AdminGateway &m_gateway;
};
