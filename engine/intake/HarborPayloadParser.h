#pragma once

#include "EnvelopeParser.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

// Turns what Harbor posts to a webhook endpoint into events. Harbor has two payload formats per policy:
//
// - Default: {"type": "PUSH_ARTIFACT", "occur_at": <unix s>, "operator": "...", "event_data": {"resources":
//   [{"digest", "tag", "resource_url"}], "repository": {"name", "namespace", "repo_full_name", ...}}};
// - CloudEvents: a structured CloudEvent whose type is harbor.artifact.pushed etc. and whose data is the
//   Default format's event_data (handled by CloudEventParser, which asks this class for the Harbor parts).
//
// parse() tells them apart by "specversion", so a Harbor policy may use either format with the same URL.
//
// Harbor's types map to actions: PUSH_ARTIFACT push, PULL_ARTIFACT pull, DELETE_ARTIFACT delete,
// SCANNING_COMPLETED scan_completed, SCANNING_FAILED scan_failed, SCANNING_STOPPED scan_stopped, QUOTA_EXCEED
// quota_exceeded, QUOTA_WARNING quota_warning. REPLICATION and TAG_RETENTION are about policies, not one
// repository's artifact, and are refused with a message saying so (Harbor shows it in the policy's log).
//
// A payload names one artifact (Harbor builds one resource per event); when "resources" holds several, the
// event takes its tag and digest from the first, and the stored bytes still hold them all.
class HarborPayloadParser
{
public:
    static EnvelopeParseResult parse(const QByteArray &body, const QByteArray &mediaType,
                                     const QDateTime &receivedAt);

    // The action for a Default-format type ("PUSH_ARTIFACT") or a CloudEvents type
    // ("harbor.artifact.pushed"); empty when Tidings does not take that type.
    static QString actionForType(const QString &type);
    static QString actionForCloudEventType(const QString &type);
    // Every action a Harbor event can have, for --actions and the docs.
    static const QStringList &actions();
    static QString supportedTypesText();

    // Fills repository, tag, digest and sourceAddr (the registry host of resource_url) from event_data (or a
    // CloudEvent's data). Returns a sentence naming the problem, empty on success; `path` names the value.
    static QString applyEventData(const QJsonValue &eventData, const QString &path, RegistryEvent *event);

    // The id of a Default-format payload, which has none of its own (see the definition).
    static QString derivedEventId(const QJsonObject &payload);
};
