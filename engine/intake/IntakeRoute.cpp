#include "IntakeRoute.h"

#include "CloudEventParser.h"
#include "HarborPayloadParser.h"

IntakeRoute IntakeRoute::distribution()
{
    IntakeRoute route;
    route.path = QByteArrayLiteral("/v1/notify");
    route.accepts = [](const HttpRequest &, const QByteArray &mediaType) {
        return mediaType == "application/vnd.docker.distribution.events.v1+json" ||
               mediaType == "application/vnd.docker.distribution.events.v2+json" ||
               mediaType == "application/json";
    };
    route.what = QStringLiteral("a registry envelope");
    route.expectedTypes =
        QStringLiteral("application/vnd.docker.distribution.events.v1+json, ...v2+json or application/json");
    route.parse = [](const HttpRequest &request, const QByteArray &mediaType, const QDateTime &receivedAt) {
        return EnvelopeParser::parse(request.body, mediaType, receivedAt);
    };
    return route;
}

IntakeRoute IntakeRoute::harbor()
{
    IntakeRoute route;
    route.path = QByteArrayLiteral("/v1/notify/harbor");
    // Harbor sends its Default format as application/json and its CloudEvents format as
    // application/cloudevents+json.
    route.accepts = [](const HttpRequest &, const QByteArray &mediaType) {
        return mediaType == "application/json" || mediaType == CloudEventParser::structuredMediaType;
    };
    route.what = QStringLiteral("a Harbor webhook payload");
    route.expectedTypes = QStringLiteral("application/json (Harbor's Default format) or "
                                         "application/cloudevents+json (its CloudEvents format)");
    route.parse = [](const HttpRequest &request, const QByteArray &mediaType, const QDateTime &receivedAt) {
        return HarborPayloadParser::parse(request.body, mediaType, receivedAt);
    };
    return route;
}

IntakeRoute IntakeRoute::cloudEvents()
{
    IntakeRoute route;
    route.path = QByteArrayLiteral("/v1/notify/cloudevents");
    // Binary mode carries the data's own content type, which can be anything; the ce-specversion header
    // is what marks the request as a CloudEvent.
    route.accepts = [](const HttpRequest &request, const QByteArray &mediaType) {
        return mediaType == CloudEventParser::structuredMediaType ||
               mediaType == CloudEventParser::batchMediaType || CloudEventParser::isBinaryMode(request);
    };
    route.what = QStringLiteral("a CloudEvent");
    route.expectedTypes = QStringLiteral("application/cloudevents+json (structured), "
                                         "application/cloudevents-batch+json (batch), or binary mode with "
                                         "ce-specversion, ce-id, ce-source and ce-type headers");
    route.parse = &CloudEventParser::parse;
    return route;
}
