#pragma once

#include "model/RegistryEvent.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonValue>
#include <QList>
#include <QString>

struct EnvelopeParseResult
{
    bool ok = false;
    QString error; // when !ok: a sentence naming the problem, e.g. "events[1].target.repository is missing"
    QList<RegistryEvent> events; // when ok, in envelope order
};

// Turns a registry notification envelope, {"events":[ ... ]}, into events.
//
// The whole envelope is rejected when any event is unusable: the registry retries the same envelope until it
// gets a 2xx, so accepting part of it would either lose the rest or make the retry a partial duplicate.
// Everything optional is lenient (unknown actions, a bad timestamp, missing descriptor fields), because
// registries add fields and actions over time and an event that cannot be routed is worth more than none.
//
// Each event's rawJson is the exact byte range of that event object in the body, so deliveries in the
// registry format forward what the registry sent, formatting included, instead of a re-serialisation.
class EnvelopeParser
{
public:
    static constexpr int maxEventsPerEnvelope = 1000;

    // body: the raw POST body; contentType is stored on each event; receivedAt (converted to UTC) is stamped
    // on each event and stands in for a missing or unreadable event timestamp.
    // Most bodies take EnvelopeFastReader's single pass; the rest, and every error, parseThroughDocument.
    static EnvelopeParseResult parse(const QByteArray &body, const QByteArray &contentType,
                                     const QDateTime &receivedAt);
    // The general path through QJsonDocument, which words every error. The same events as parse() for any
    // body; public so the tests and the fuzzer can hold the fast reader to that.
    static EnvelopeParseResult parseThroughDocument(const QByteArray &body, const QByteArray &contentType,
                                                    const QDateTime &receivedAt);

    // RFC 3339 date-time ("2026-11-26T04:18:28.322554338Z", "...+02:00") to UTC with millisecond precision.
    // Invalid when the text does not follow RFC 3339.
    static QDateTime parseTimestamp(QStringView text);

    // "a string", "an array", ...: for error messages that say what was found instead.
    static QString jsonTypeName(const QJsonValue &value);
};
