#include "EventFactory.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

QByteArray EventFactory::event(const Spec &spec)
{
    const QString id = spec.id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : spec.id;
    const QString digest =
        QStringLiteral("sha256:") +
        QString::fromLatin1(QCryptographicHash::hash(id.toUtf8(), QCryptographicHash::Sha256).toHex());
    QJsonObject target{{QStringLiteral("repository"), spec.repository}};
    if (!spec.mediaType.isEmpty()) {
        target.insert(QStringLiteral("mediaType"), spec.mediaType);
        target.insert(QStringLiteral("digest"), digest);
        target.insert(QStringLiteral("size"), 401);
        target.insert(QStringLiteral("length"), 401);
        target.insert(
            QStringLiteral("url"),
            QStringLiteral("http://127.0.0.1:5000/v2/%1/manifests/%2").arg(spec.repository, digest));
    }
    if (!spec.tag.isEmpty())
        target.insert(QStringLiteral("tag"), spec.tag);
    const QJsonObject event{
        {QStringLiteral("id"), id},
        {QStringLiteral("timestamp"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {QStringLiteral("action"), spec.action},
        {QStringLiteral("target"), target},
        {QStringLiteral("request"),
         QJsonObject{{QStringLiteral("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                     {QStringLiteral("addr"), QStringLiteral("127.0.0.1:40000")},
                     {QStringLiteral("host"), QStringLiteral("127.0.0.1:5000")},
                     {QStringLiteral("method"), QStringLiteral("PUT")},
                     {QStringLiteral("useragent"), QStringLiteral("skopeo/1.9.3")}}},
        {QStringLiteral("actor"), QJsonObject{}},
        {QStringLiteral("source"),
         QJsonObject{{QStringLiteral("addr"), QStringLiteral("test:5000")},
                     {QStringLiteral("instanceID"), QStringLiteral("test-instance")}}},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Indented).trimmed();
}

QByteArray EventFactory::envelope(const QList<QByteArray> &events)
{
    QByteArray body = "{\n   \"events\": [\n";
    for (qsizetype i = 0; i < events.size(); ++i) {
        body += events[i];
        body += i + 1 < events.size() ? ",\n" : "\n";
    }
    body += "   ]\n}\n";
    return body;
}

QByteArray EventFactory::sample(const QString &name)
{
    QFile file(QStringLiteral(TIDINGS_TEST_DATA_DIR) + QLatin1Char('/') + name);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray EventFactory::sampleWithNewId(const QString &name, QString *newId)
{
    QByteArray body = sample(name);
    const QJsonObject event =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("events")).toArray().at(0).toObject();
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    body.replace(event.value(QStringLiteral("id")).toString().toUtf8(), id.toUtf8());
    if (newId)
        *newId = id;
    return body;
}

RegistryEvent EventFactory::stored(const QString &eventId, const QString &repository, const QString &tag)
{
    RegistryEvent event;
    event.eventId = eventId;
    event.action = QStringLiteral("push");
    event.repository = repository;
    event.tag = tag;
    event.contentType = "application/json";
    event.rawJson = "{}";
    event.receivedAt = QDateTime::currentDateTimeUtc();
    event.timestamp = event.receivedAt;
    return event;
}
