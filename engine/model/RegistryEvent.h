#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>
#include <QString>

// One registry notification event, as parsed from an intake envelope. Plain value type: it crosses threads
// in signals and is what filters match against.
struct RegistryEvent
{
    qint64 rowId = 0;       // events.id in the store; 0 until stored
    QString eventId;        // the registry's own id (a UUID): the deduplication key
    QDateTime timestamp;    // when the registry created the event (UTC)
    QString action;         // push, pull, mount, delete (lower case)
    QString repository;     // target.repository
    QString tag;            // target.tag, empty when the client used a digest
    QString digest;         // target.digest
    QString mediaType;      // target.mediaType, empty for deletes
    qint64 size = 0;        // target.size (or the older target.length)
    QString sourceAddr;     // source.addr: which registry instance sent it
    QString sourceInstance; // source.instanceID
    QString actor;          // actor.name, empty when anonymous
    QByteArray contentType; // the envelope's content type, reused for deliveries
    QByteArray rawJson;     // the event object exactly as the registry sent it (bytes of the envelope)
    QDateTime receivedAt;   // when Tidings accepted it (UTC)
    // Which intake format the event came in: distribution (the {"events":[...]} envelope), harbor (Harbor's
    // Default payload) or cloudevents (a structured CloudEvent, Harbor's or any other producer's). Decides
    // what "the registry's own format" means when the event is delivered.
    QString sourceFormat = QString::fromLatin1(distributionFormat);

    // Every field, so two readings of one envelope can be held to giving the same events.
    bool operator==(const RegistryEvent &other) const
    {
        return rowId == other.rowId && eventId == other.eventId && timestamp == other.timestamp &&
               action == other.action && repository == other.repository && tag == other.tag &&
               digest == other.digest && mediaType == other.mediaType && size == other.size &&
               sourceAddr == other.sourceAddr && sourceInstance == other.sourceInstance &&
               actor == other.actor && contentType == other.contentType && rawJson == other.rawJson &&
               receivedAt == other.receivedAt && sourceFormat == other.sourceFormat;
    }
    bool operator!=(const RegistryEvent &other) const { return !(*this == other); }

    static constexpr const char *distributionFormat = "distribution";
    static constexpr const char *harborFormat = "harbor";
    static constexpr const char *cloudEventsFormat = "cloudevents";
};

Q_DECLARE_METATYPE(RegistryEvent)
