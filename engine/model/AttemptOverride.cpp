#include "AttemptOverride.h"

#include <QJsonDocument>
#include <QStringList>

QJsonObject AttemptOverride::toJson() const
{
    if (isEmpty())
        return {};
    QJsonObject json{
        {QStringLiteral("payloadEdited"), payloadEdited},
        {QStringLiteral("originalPayloadSha256"), originalPayloadSha256},
        {QStringLiteral("payloadSha256"), payloadSha256},
    };
    if (urlChanged())
        json.insert(QStringLiteral("url"),
                    QJsonObject{{QStringLiteral("from"), originalUrl}, {QStringLiteral("to"), url}});
    return json;
}

AttemptOverride AttemptOverride::fromJson(const QByteArray &json)
{
    AttemptOverride result;
    if (json.isEmpty())
        return result;
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    const QJsonObject url = object.value(QStringLiteral("url")).toObject();
    result.originalUrl = url.value(QStringLiteral("from")).toString();
    result.url = url.value(QStringLiteral("to")).toString();
    result.payloadEdited = object.value(QStringLiteral("payloadEdited")).toBool();
    result.originalPayloadSha256 = object.value(QStringLiteral("originalPayloadSha256")).toString();
    result.payloadSha256 = object.value(QStringLiteral("payloadSha256")).toString();
    return result;
}

QString AttemptOverride::summary() const
{
    QStringList parts;
    if (urlChanged())
        parts.append(QStringLiteral("replayed to %1 (webhook URL %2)").arg(url, originalUrl));
    if (payloadEdited)
        parts.append(QStringLiteral("payload edited"));
    return parts.join(QStringLiteral("; "));
}
