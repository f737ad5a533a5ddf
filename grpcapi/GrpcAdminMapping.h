#pragma once

#include "GrpcRoutes.h"
#include "HttpRequest.h"
#include "HttpResponse.h"

#include <grpcpp/support/status.h>

#include <QString>

#include <optional>

namespace google::protobuf {
class Message;
}

// The translation between a gRPC admin call and the REST admin request that answers it, both ways, through
// protobuf's JSON mapping: admin.proto's field names have the REST field names as their JSON names.
class GrpcAdminMapping
{
public:
    // The REST request for `request` under `route` (method, path with its placeholder filled, query or JSON
    // body); without the authorization header, which the caller adds from the call's metadata. Nullopt and
    // a reason when the request cannot be expressed (a required path field is empty, an unknown mask path).
    static std::optional<HttpRequest> toHttpRequest(const GrpcRoute &route,
                                                    const google::protobuf::Message &request, QString *error);

    // Reads a successful REST answer into `response`. False and a reason when the JSON does not fit.
    static bool readAnswer(const QByteArray &body, google::protobuf::Message *response, QString *error);

    // The gRPC status of a REST error answer, with the REST message. `code` receives the REST error code
    // ("not_found", "in_flight", ...), for the trailing metadata.
    static grpc::Status statusOf(const HttpResponse &answer, QByteArray *code);
    // 400 -> INVALID_ARGUMENT, 401 -> UNAUTHENTICATED, 404 -> NOT_FOUND, 409 -> ALREADY_EXISTS or
    // FAILED_PRECONDITION, 503 -> UNAVAILABLE, ...
    static grpc::StatusCode statusCode(int httpStatus, const QByteArray &code);
};
