#include "AdminJson.h"

#include "RetryPolicy.h"
#include "SigningKeys.h"
#include "WebhookFilter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace {

QJsonArray headersJson(const AttemptRecord::Headers &headers)
{
    QJsonArray array;
    for (const auto &header : headers)
        array.append(QJsonArray{QString::fromLatin1(header.first), QString::fromLatin1(header.second)});
    return array;
}

} // namespace

QString AdminJson::timeText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject AdminJson::webhook(const WebhookConfig &w, bool revealSecret)
{
    QJsonArray headers;
    for (const auto &header : w.headers)
        headers.append(QJsonArray{header.first, header.second});
    QJsonArray schedule;
    for (int seconds :
         w.retryScheduleSeconds.isEmpty() ? RetryPolicy::defaultScheduleSeconds() : w.retryScheduleSeconds)
        schedule.append(seconds);
    QString secret;
    if (!w.secret.isEmpty())
        secret = revealSecret ? w.secret : QStringLiteral("whsec_********");
    return QJsonObject{
        {QStringLiteral("id"), w.id},
        {QStringLiteral("name"), w.name},
        {QStringLiteral("url"), w.url},
        {QStringLiteral("secret"), secret},
        {QStringLiteral("actions"), QJsonArray::fromStringList(w.actions)},
        {QStringLiteral("repositories"), QJsonArray::fromStringList(w.repositoryGlobs)},
        {QStringLiteral("tags"), QJsonArray::fromStringList(w.tagGlobs)},
        {QStringLiteral("mediaTypes"),
         QJsonArray::fromStringList(w.mediaTypes.isEmpty() ? WebhookFilter::defaultMediaTypes()
                                                           : w.mediaTypes)},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("format"), w.payloadFormat == WebhookConfig::PayloadFormat::CloudEvents
                                       ? QStringLiteral("cloudevents")
                                       : QStringLiteral("registry")},
        {QStringLiteral("retrySchedule"), schedule},
        {QStringLiteral("maxAttempts"), RetryPolicy(w.retryScheduleSeconds, w.maxAttempts).maxAttempts()},
        {QStringLiteral("timeoutSeconds"), w.timeoutMs / 1000},
        {QStringLiteral("concurrency"), w.concurrency},
        {QStringLiteral("tlsSkipVerify"), w.tlsSkipVerify},
        {QStringLiteral("enabled"), w.enabled},
        {QStringLiteral("disabledReason"), w.disabledReason},
        // Until when the secret before the last rotation still signs next to the current one; null when it
        // no longer does. The previous secret itself is never shown.
        {QStringLiteral("previousSecretExpiresAt"),
         SigningKeys::inGracePeriod(w, QDateTime::currentDateTimeUtc())
             ? QJsonValue(timeText(w.previousSecretExpiresAt))
             : QJsonValue()},
    };
}

QJsonObject AdminJson::delivery(const DeliveryRecord &d)
{
    return QJsonObject{
        {QStringLiteral("id"), d.id},
        {QStringLiteral("webhook"), d.webhookName},
        {QStringLiteral("webhookId"), d.webhookId},
        {QStringLiteral("eventRowId"), d.eventRowId},
        {QStringLiteral("state"), deliveryStateName(d.state)},
        {QStringLiteral("attempts"), d.attempts},
        {QStringLiteral("totalAttempts"), d.totalAttempts},
        {QStringLiteral("manual"), d.manual},
        {QStringLiteral("action"), d.action},
        {QStringLiteral("repository"), d.repository},
        {QStringLiteral("tag"), d.tag},
        {QStringLiteral("lastStatus"), d.lastStatus},
        {QStringLiteral("lastError"), d.lastError},
        {QStringLiteral("messageId"), d.messageId},
        {QStringLiteral("createdAt"), timeText(d.createdAt)},
        {QStringLiteral("updatedAt"), timeText(d.updatedAt)},
        {QStringLiteral("nextAttemptAt"),
         d.state == DeliveryState::Pending ? timeText(d.nextAttemptAt) : QString()},
    };
}

QJsonObject AdminJson::attempt(const AttemptRecord &a)
{
    return QJsonObject{
        {QStringLiteral("number"), a.number},
        {QStringLiteral("manual"), a.manual},
        {QStringLiteral("note"), a.note},
        {QStringLiteral("startedAt"), timeText(a.startedAt)},
        {QStringLiteral("durationMs"), a.durationMs},
        {QStringLiteral("url"), a.url},
        {QStringLiteral("requestHeaders"), headersJson(a.requestHeaders)},
        {QStringLiteral("requestBody"), QString::fromUtf8(a.requestBody)},
        {QStringLiteral("responseStatus"), a.responseStatus},
        {QStringLiteral("responseHeaders"), headersJson(a.responseHeaders)},
        {QStringLiteral("responseBody"), QString::fromUtf8(a.responseBody)},
        {QStringLiteral("errorClass"), a.errorClass},
        {QStringLiteral("errorMessage"), a.errorMessage},
        // What a replay to another URL or with an edited payload changed; null for every other attempt.
        {QStringLiteral("override"),
         a.replayOverride.isEmpty() ? QJsonValue() : QJsonValue(a.replayOverride.toJson())},
    };
}

QJsonObject AdminJson::event(const RegistryEvent &e)
{
    return QJsonObject{
        {QStringLiteral("id"), e.rowId},
        {QStringLiteral("eventId"), e.eventId},
        {QStringLiteral("action"), e.action},
        {QStringLiteral("repository"), e.repository},
        {QStringLiteral("tag"), e.tag},
        {QStringLiteral("digest"), e.digest},
        {QStringLiteral("mediaType"), e.mediaType},
        {QStringLiteral("size"), e.size},
        {QStringLiteral("actor"), e.actor},
        {QStringLiteral("sourceAddr"), e.sourceAddr},
        {QStringLiteral("sourceInstance"), e.sourceInstance},
        {QStringLiteral("timestamp"), timeText(e.timestamp)},
        {QStringLiteral("receivedAt"), timeText(e.receivedAt)},
        {QStringLiteral("contentType"), QString::fromLatin1(e.contentType)},
        {QStringLiteral("payload"), QJsonDocument::fromJson(e.rawJson).object()},
    };
}

QDateTime AdminJson::parseTime(const QString &text, const QDateTime &now)
{
    static const QRegularExpression age(QStringLiteral("^(\\d+)([smhd])$"));
    const QRegularExpressionMatch match = age.match(text.trimmed());
    if (match.hasMatch()) {
        const qint64 amount = match.captured(1).toLongLong();
        const QChar unit = match.captured(2).at(0);
        const qint64 seconds = unit == QLatin1Char('s')   ? amount
                               : unit == QLatin1Char('m') ? amount * 60
                               : unit == QLatin1Char('h') ? amount * 3600
                                                          : amount * 86400;
        return now.addSecs(-seconds);
    }
    QDateTime time = QDateTime::fromString(text.trimmed(), Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(text.trimmed(), Qt::ISODate);
    if (time.isValid() && time.timeSpec() == Qt::LocalTime && !text.contains(QLatin1Char('T')))
        time.setTimeSpec(Qt::UTC); // a bare date means the start of that day in UTC
    return time;
}
