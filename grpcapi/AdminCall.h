#pragma once

#include "HttpResponse.h"

#include <grpcpp/grpcpp.h>

#include <memory>

class AdminGateway;

namespace google::protobuf {
class Message;
}

// One gRPC admin call in flight. start() runs on a gRPC thread: it turns the call into the REST admin
// request (GrpcAdminMapping), adds the call's `authorization` metadata and submits it to the engine through
// AdminGateway, then returns; nothing on that thread waits. The engine thread answers it: finish() reads the
// REST answer into the response message and finishes the call. A call whose request the engine dropped
// (it stopped first) finishes UNAVAILABLE when the last reference goes, so every call gets an answer.
class AdminCall
{
public:
    static grpc::ServerUnaryReactor *start(AdminGateway &gateway, grpc::CallbackServerContext *context,
                                           const char *service, const char *method,
                                           const google::protobuf::Message &request,
                                           google::protobuf::Message *response);

    AdminCall(grpc::CallbackServerContext *context, grpc::ServerUnaryReactor *reactor,
              google::protobuf::Message *response);
    ~AdminCall();
    AdminCall(const AdminCall &) = delete;
    AdminCall &operator=(const AdminCall &) = delete;

    void finish(const HttpResponse &answer);
    void finish(const grpc::Status &status);

private:
    grpc::CallbackServerContext *m_context;
    grpc::ServerUnaryReactor *m_reactor;
    google::protobuf::Message *m_response;
    bool m_finished = false;
};
