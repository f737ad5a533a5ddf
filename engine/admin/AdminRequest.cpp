#include "AdminRequest.h"

#include "AdminJson.h"
#include "Store.h"
#include "WebhookConfig.h"

#include <QJsonDocument>
#include <QJsonParseError>

AdminRequest::AdminRequest(const HttpRequest &http, QStringList pathValues)
    : m_http(http)
    , m_pathValues(std::move(pathValues))
    , m_query(QString::fromUtf8(http.query))
{}

QString AdminRequest::query(const QString &name) const
{
    return m_query.queryItemValue(name, QUrl::FullyDecoded);
}

bool AdminRequest::hasQuery(const QString &name) const
{
    return m_query.hasQueryItem(name);
}

HttpResponse AdminRequest::invalid(const QString &message)
{
    return HttpResponse::error(400, "invalid_request", message);
}

HttpResponse AdminRequest::notFound(const QString &message)
{
    return HttpResponse::error(404, "not_found", message);
}

std::optional<QJsonObject> AdminRequest::jsonBody(HttpResponse *error) const
{
    if (m_http.body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(m_http.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = invalid(QStringLiteral("the body is not JSON: %1 at offset %2")
                             .arg(parseError.errorString())
                             .arg(parseError.offset));
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = invalid(QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

std::optional<int> AdminRequest::limit(int defaultLimit, int maxLimit, HttpResponse *error) const
{
    if (!hasQuery(QStringLiteral("limit")))
        return defaultLimit;
    bool ok = false;
    const int value = query(QStringLiteral("limit")).toInt(&ok);
    if (!ok || value < 1 || value > maxLimit) {
        *error = invalid(QStringLiteral("limit must be a whole number from 1 to %1").arg(maxLimit));
        return std::nullopt;
    }
    return value;
}

QString AdminRequest::encodeCursor(qint64 beforeId)
{
    // Opaque to clients: they pass back what they got, so the paging scheme can change.
    return QString::fromLatin1(QByteArray("b:" + QByteArray::number(beforeId))
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<qint64> AdminRequest::cursor(HttpResponse *error) const
{
    const QString text = query(QStringLiteral("cursor"));
    if (text.isEmpty())
        return 0;
    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    bool ok = false;
    const qint64 id =
        decoded && decoded.decoded.startsWith("b:") ? decoded.decoded.mid(2).toLongLong(&ok) : 0;
    if (!ok || id <= 0) {
        *error = invalid(QStringLiteral("cursor \"%1\" is not one this server gave out; pass nextCursor from "
                                        "the previous page unchanged")
                             .arg(text));
        return std::nullopt;
    }
    return id;
}

std::optional<QDateTime> AdminRequest::time(const QString &field, const QString &text, HttpResponse *error)
{
    if (text.isEmpty())
        return QDateTime();
    const QDateTime time = AdminJson::parseTime(text, QDateTime::currentDateTimeUtc());
    if (!time.isValid()) {
        *error = invalid(QStringLiteral("%1 \"%2\" is neither an RFC 3339 time, a date, nor an age like 12h")
                             .arg(field, text));
        return std::nullopt;
    }
    return time;
}

std::optional<WebhookConfig> AdminRequest::webhook(Store &store, const QString &reference,
                                                   HttpResponse *error)
{
    bool isNumber = false;
    const qint64 id = reference.toLongLong(&isNumber);
    std::optional<WebhookConfig> found = isNumber ? store.webhook(id) : store.webhookByName(reference);
    if (!found)
        *error = notFound(QStringLiteral("no webhook \"%1\" (give its id or its name)").arg(reference));
    return found;
}
