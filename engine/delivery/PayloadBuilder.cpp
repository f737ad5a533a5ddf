#include "PayloadBuilder.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {
const QByteArray registryV1ContentType =
    QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json");
}

DeliveryPayload PayloadBuilder::build(const RegistryEvent &event, WebhookConfig::PayloadFormat format)
{
    DeliveryPayload payload;
    // An event that came in as a CloudEvent is one already: both formats forward it as it came (wrapping it
    // in another CloudEvent would hide its type and id from the receiver).
    if (event.contentType == "application/cloudevents+json") {
        payload.body = event.rawJson;
        payload.contentType = event.contentType;
        return payload;
    }
    if (format == WebhookConfig::PayloadFormat::Registry &&
        event.sourceFormat != QLatin1StringView(RegistryEvent::distributionFormat)) {
        // Harbor's own payload, byte for byte, with the content type Harbor sent: receivers written for
        // Harbor webhooks keep working.
        payload.body = event.rawJson;
        payload.contentType =
            event.contentType.isEmpty() ? QByteArrayLiteral("application/json") : event.contentType;
        return payload;
    }
    if (format == WebhookConfig::PayloadFormat::Registry) {
        // The registry's own bytes in a one-event envelope: receivers written for registry notifications keep
        // working.
        payload.body = QByteArrayLiteral("{\"events\":[") + event.rawJson + QByteArrayLiteral("]}");
        // An envelope accepted as plain application/json is still a registry envelope; say so to the
        // receiver.
        payload.contentType = event.contentType.startsWith("application/vnd.docker.distribution.events.")
                                  ? event.contentType
                                  : registryV1ContentType;
        return payload;
    }

    // CloudEvents 1.0, structured mode.
    QJsonObject cloudEvent;
    cloudEvent.insert(QStringLiteral("specversion"), QStringLiteral("1.0"));
    cloudEvent.insert(QStringLiteral("id"), event.eventId);
    const QString source = event.sourceAddr.isEmpty() ? QStringLiteral("/registry")
                                                      : QStringLiteral("/registry/") + event.sourceAddr;
    cloudEvent.insert(QStringLiteral("source"), source);
    cloudEvent.insert(QStringLiteral("type"), cloudEventType(event.action));
    if (event.timestamp.isValid())
        cloudEvent.insert(QStringLiteral("time"), event.timestamp.toUTC().toString(Qt::ISODateWithMs));
    QString subject = event.repository;
    if (!event.tag.isEmpty())
        subject += QLatin1Char(':') + event.tag;
    else if (!event.digest.isEmpty())
        subject += QLatin1Char('@') + event.digest;
    cloudEvent.insert(QStringLiteral("subject"), subject);
    cloudEvent.insert(QStringLiteral("datacontenttype"), QStringLiteral("application/json"));
    cloudEvent.insert(QStringLiteral("data"), QJsonDocument::fromJson(event.rawJson).object());
    payload.body = QJsonDocument(cloudEvent).toJson(QJsonDocument::Compact);
    payload.contentType = QByteArrayLiteral("application/cloudevents+json");
    return payload;
}

QString PayloadBuilder::cloudEventType(const QString &action)
{
    return QStringLiteral("dev.tidings.registry.") + action;
}
