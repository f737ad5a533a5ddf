#include "AdminCall.h"

#include "AdminGateway.h"
#include "GrpcAdminMapping.h"
#include "GrpcRoutes.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGrpc, "tidings.grpc")

grpc::ServerUnaryReactor *AdminCall::start(AdminGateway &gateway, grpc::CallbackServerContext *context,
                                           const char *service, const char *method,
                                           const google::protobuf::Message &request,
                                           google::protobuf::Message *response)
{
    grpc::ServerUnaryReactor *reactor = context->DefaultReactor();
    const GrpcRoute *route = GrpcRoutes::find(service, method);
    if (!route) {
        reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                     std::string("no admin operation behind ") + service + "/" + method));
        return reactor;
    }
    QString error;
    std::optional<HttpRequest> http = GrpcAdminMapping::toHttpRequest(*route, request, &error);
    if (!http) {
        reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error.toStdString()));
        return reactor;
    }
    // Metadata keys arrive lower-cased; the admin API checks the token itself, as for REST.
    const auto authorization = context->client_metadata().find("authorization");
    if (authorization != context->client_metadata().end())
        http->headers.append(
            {QByteArrayLiteral("authorization"),
             QByteArray(authorization->second.data(), qsizetype(authorization->second.size()))});
    auto call = std::make_shared<AdminCall>(context, reactor, response);
    if (!gateway.submit(std::move(*http), [call](const HttpResponse &answer) { call->finish(answer); }))
        call->finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the engine is not running"));
    return reactor;
}

AdminCall::AdminCall(grpc::CallbackServerContext *context, grpc::ServerUnaryReactor *reactor,
                     google::protobuf::Message *response)
    : m_context(context)
    , m_reactor(reactor)
    , m_response(response)
{}

AdminCall::~AdminCall()
{
    if (!m_finished)
        finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the engine stopped before answering"));
}

void AdminCall::finish(const HttpResponse &answer)
{
    if (answer.status >= 200 && answer.status < 300) {
        QString error;
        if (GrpcAdminMapping::readAnswer(answer.body, m_response, &error)) {
            finish(grpc::Status::OK);
        } else {
            qCWarning(lcGrpc).noquote() << error;
            finish(grpc::Status(grpc::StatusCode::INTERNAL, error.toStdString()));
        }
        return;
    }
    QByteArray code;
    const grpc::Status status = GrpcAdminMapping::statusOf(answer, &code);
    if (!code.isEmpty())
        m_context->AddTrailingMetadata("tidings-error-code", code.toStdString());
    finish(status);
}

void AdminCall::finish(const grpc::Status &status)
{
    if (m_finished)
        return;
    m_finished = true;
    m_reactor->Finish(status);
}
