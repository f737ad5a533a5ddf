#pragma once

#include "RegistryEvent.h"

#include <QByteArray>
#include <QList>
#include <QString>

// Registry envelopes for tests, shaped like docker-registry's own (see tests/data for captured ones).
class EventFactory
{
public:
    struct Spec
    {
        QString id; // empty: a fresh UUID
        QString action = QStringLiteral("push");
        QString repository = QStringLiteral("team/app");
        QString tag = QStringLiteral("1.0");
        QString mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
    };

    // One event object (pretty-printed like the registry does).
    static QByteArray event(const Spec &spec);
    // An envelope holding the given event objects.
    static QByteArray envelope(const QList<QByteArray> &events);
    static QByteArray envelopeOf(const Spec &spec) { return envelope(QList<QByteArray>{event(spec)}); }
    // A captured sample from tests/data, e.g. "03-push-manifest.json".
    static QByteArray sample(const QString &name);
    // A sample with its event id replaced, so it counts as a new event.
    static QByteArray sampleWithNewId(const QString &name, QString *newId = nullptr);
    // An event as the intake hands it to Store::insertEvent (received now), for tests that store events
    // without an engine running, as the CLI or another process would.
    static RegistryEvent stored(const QString &eventId, const QString &repository, const QString &tag = {});
};
