#include "GrpcWebhooksService.h"

#include "AdminCall.h"

grpc::ServerUnaryReactor *GrpcWebhooksService::ListWebhooks(grpc::CallbackServerContext *context,
                                                            const tidings::v1::ListWebhooksRequest *request,
                                                            tidings::v1::ListWebhooksResponse *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "ListWebhooks", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::CreateWebhook(grpc::CallbackServerContext *context,
                                                             const tidings::v1::CreateWebhookRequest *request,
                                                             tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "CreateWebhook", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::GetWebhook(grpc::CallbackServerContext *context,
                                                          const tidings::v1::GetWebhookRequest *request,
                                                          tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "GetWebhook", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::UpdateWebhook(grpc::CallbackServerContext *context,
                                                             const tidings::v1::UpdateWebhookRequest *request,
                                                             tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "UpdateWebhook", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::DeleteWebhook(grpc::CallbackServerContext *context,
                                                             const tidings::v1::DeleteWebhookRequest *request,
                                                             ::google::protobuf::Empty *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "DeleteWebhook", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::EnableWebhook(grpc::CallbackServerContext *context,
                                                             const tidings::v1::EnableWebhookRequest *request,
                                                             tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "EnableWebhook", *request, response);
}

grpc::ServerUnaryReactor *
GrpcWebhooksService::DisableWebhook(grpc::CallbackServerContext *context,
                                    const tidings::v1::DisableWebhookRequest *request,
                                    tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "DisableWebhook", *request, response);
}

grpc::ServerUnaryReactor *GrpcWebhooksService::RotateSecret(grpc::CallbackServerContext *context,
                                                            const tidings::v1::RotateSecretRequest *request,
                                                            tidings::v1::Webhook *response)
{
    return AdminCall::start(m_gateway, context, "tidings.v1.Webhooks", "RotateSecret", *request, response);
}
