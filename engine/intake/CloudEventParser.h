#pragma once

#include "EnvelopeParser.h"
#include "HttpRequest.h"

#include <QJsonObject>

// Turns CloudEvents 1.0 over HTTP into events, in the three ways the HTTP binding allows:
//
// - structured: one event as JSON, Content-Type application/cloudevents+json;
// - batch: a JSON array of structured events, Content-Type application/cloudevents-batch+json (an empty
//   batch is valid and stores nothing);
// - binary: the attributes in ce-* headers (values percent-decoded), the data as the body, its type in
//   Content-Type. The event is stored as its structured equivalent, so it can be delivered as a CloudEvent.
//
// Required: specversion "1.0", id, source, type. The event id Tidings deduplicates on is "<source>#<id>"
// (the spec makes source + id unique, not id alone). The event is normalised like a registry event:
// - Harbor's types (harbor.artifact.pushed, ...) map to Harbor's actions, and the data is read as Harbor's
//   event_data (HarborPayloadParser);
// - dev.tidings.registry.<action> (what Tidings itself sends) gives <action> back;
// - data shaped like a distribution event (an "action" and a "target" with "repository", as Azure Container
//   Registry and Tidings send) gives its action and target fields;
// - otherwise a type ending in "pushed", "pulled" or "deleted" gives push, pull or delete, and any other type
//   is the action as it is, lower-cased (so --actions can name it).
// The repository comes from the data, else from a subject written "repository:tag" or
// "repository@digest"; an event that names no repository is refused, since every filter starts there.
class CloudEventParser
{
public:
    static constexpr const char *structuredMediaType = "application/cloudevents+json";
    static constexpr const char *batchMediaType = "application/cloudevents-batch+json";

    // A request in binary mode carries ce-specversion, whatever its content type.
    static bool isBinaryMode(const HttpRequest &request);
    // Dispatches on the mode; mediaType is the request's, without parameters.
    static EnvelopeParseResult parse(const HttpRequest &request, const QByteArray &mediaType,
                                     const QDateTime &receivedAt);

    static EnvelopeParseResult parseStructured(const QByteArray &body, const QDateTime &receivedAt);
    static EnvelopeParseResult parseBatch(const QByteArray &body, const QDateTime &receivedAt);
    static EnvelopeParseResult parseBinary(const HttpRequest &request, const QDateTime &receivedAt);

    // The action for a CloudEvent's type, given its data (see the class comment); empty when the type is a
    // Harbor type Tidings does not take.
    static QString actionFor(const QString &type, const QJsonValue &data);

private:
    // One structured event object to *event. `path` prefixes attribute names in errors ("[2]" in a batch).
    static QString normalise(const QJsonObject &cloudEvent, const QString &path, const QByteArray &raw,
                             const QDateTime &receivedAt, RegistryEvent *event);
};
