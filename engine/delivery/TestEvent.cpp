#include "TestEvent.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

RegistryEvent TestEvent::create()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    RegistryEvent event;
    event.eventId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    event.timestamp = now;
    event.receivedAt = now;
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("tidings/send-test");
    event.tag = QStringLiteral("latest");
    event.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
    event.digest = QStringLiteral("sha256:") +
                   QString::fromLatin1(
                       QCryptographicHash::hash(event.eventId.toUtf8(), QCryptographicHash::Sha256).toHex());
    event.size = 401;
    event.sourceAddr = QStringLiteral("tidings-send-test");
    event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json");
    const QJsonObject target{
        {QStringLiteral("mediaType"), event.mediaType},   {QStringLiteral("size"), event.size},
        {QStringLiteral("digest"), event.digest},         {QStringLiteral("length"), event.size},
        {QStringLiteral("repository"), event.repository}, {QStringLiteral("tag"), event.tag}};
    event.rawJson = QJsonDocument(QJsonObject{{QStringLiteral("id"), event.eventId},
                                              {QStringLiteral("timestamp"), now.toString(Qt::ISODateWithMs)},
                                              {QStringLiteral("action"), event.action},
                                              {QStringLiteral("target"), target},
                                              {QStringLiteral("actor"), QJsonObject{}},
                                              {QStringLiteral("source"),
                                               QJsonObject{{QStringLiteral("addr"), event.sourceAddr}}}})
                        .toJson(QJsonDocument::Compact);
    return event;
}
