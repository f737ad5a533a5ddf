#include "HttpResponse.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLoggingCategory>

#include <algorithm>

namespace {

Q_LOGGING_CATEGORY(lcHttpResponse, "tidings.http.response")

bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// Refuses names and values that would break the framing (header injection / response splitting).
bool isSafeHeader(const QByteArray &name, const QByteArray &value)
{
    if (name.isEmpty() || !std::all_of(name.cbegin(), name.cend(), isTokenChar))
        return false;
    return std::none_of(value.cbegin(), value.cend(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

bool isFramingHeader(const QByteArray &name)
{
    return name.compare("content-length", Qt::CaseInsensitive) == 0 ||
           name.compare("transfer-encoding", Qt::CaseInsensitive) == 0 ||
           name.compare("connection", Qt::CaseInsensitive) == 0 ||
           name.compare("content-type", Qt::CaseInsensitive) == 0 ||
           name.compare("date", Qt::CaseInsensitive) == 0;
}

QByteArray httpDate()
{
    // Formatting a date through QLocale costs about as much as the rest of a 202 answer, and the header only
    // changes once a second: keep the last one per thread (each HTTP server runs on its own thread).
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray cached;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 second = nowMs / 1000;
    if (second != cachedSecond) {
        // IMF-fixdate; the C locale keeps day and month names English whatever the system locale is.
        cached = QLocale::c()
                     .toString(QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::UTC),
                               QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                     .toLatin1();
        cachedSecond = second;
    }
    return cached;
}

} // namespace

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    HttpResponse response;
    response.status = status;
    response.contentType = QByteArrayLiteral("application/json");
    response.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return response;
}

HttpResponse HttpResponse::error(int status, const QByteArray &code, const QString &message)
{
    const QJsonObject error{{QStringLiteral("status"), status},
                            {QStringLiteral("code"), QString::fromLatin1(code)},
                            {QStringLiteral("message"), message}};
    return json(status, QJsonObject{{QStringLiteral("error"), error}});
}

QByteArray HttpResponse::errorCode(int status)
{
    switch (status) {
    case 400:
        return QByteArrayLiteral("bad_request");
    case 401:
        return QByteArrayLiteral("unauthorized");
    case 403:
        return QByteArrayLiteral("forbidden");
    case 404:
        return QByteArrayLiteral("not_found");
    case 405:
        return QByteArrayLiteral("method_not_allowed");
    case 408:
        return QByteArrayLiteral("request_timeout");
    case 409:
        return QByteArrayLiteral("conflict");
    case 411:
        return QByteArrayLiteral("length_required");
    case 413:
        return QByteArrayLiteral("payload_too_large");
    case 415:
        return QByteArrayLiteral("unsupported_media_type");
    case 422:
        return QByteArrayLiteral("unprocessable_content");
    case 429:
        return QByteArrayLiteral("too_many_requests");
    case 431:
        return QByteArrayLiteral("headers_too_large");
    case 500:
        return QByteArrayLiteral("internal_error");
    case 501:
        return QByteArrayLiteral("not_implemented");
    case 503:
        return QByteArrayLiteral("service_unavailable");
    case 505:
        return QByteArrayLiteral("http_version_not_supported");
    default:
        return status >= 500 ? QByteArrayLiteral("server_error") : QByteArrayLiteral("client_error");
    }
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 308:
        return QByteArrayLiteral("Permanent Redirect");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        break;
    }
    switch (status / 100) {
    case 1:
        return QByteArrayLiteral("Informational");
    case 2:
        return QByteArrayLiteral("Success");
    case 3:
        return QByteArrayLiteral("Redirection");
    case 4:
        return QByteArrayLiteral("Client Error");
    default:
        return QByteArrayLiteral("Server Error");
    }
}

QByteArray HttpResponse::serialize(bool keepAlive, bool omitBody) const
{
    // A status outside 100..599 cannot be written as one; say so rather than emit a broken status line.
    const int code = status >= 100 && status <= 599 ? status : 500;
    const bool bodyAllowed = code >= 200 && code != 204 && code != 304;

    QByteArray out;
    out.reserve(256 + (bodyAllowed ? body.size() : 0));
    out += "HTTP/1.1 " + QByteArray::number(code) + ' ' + reasonPhrase(code) + "\r\n";
    out += "Date: " + httpDate() + "\r\n";
    if (bodyAllowed) {
        if (!contentType.isEmpty() && isSafeHeader(QByteArrayLiteral("Content-Type"), contentType))
            out += "Content-Type: " + contentType + "\r\n";
        else if (!body.isEmpty())
            out += "Content-Type: application/octet-stream\r\n";
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    for (const auto &header : headers) {
        if (isFramingHeader(header.first))
            continue;
        if (!isSafeHeader(header.first, header.second)) {
            qCWarning(lcHttpResponse) << "Dropping an invalid response header" << header.first;
            continue;
        }
        out += header.first + ": " + header.second + "\r\n";
    }
    out += keepAlive ? QByteArrayLiteral("Connection: keep-alive\r\n\r\n")
                     : QByteArrayLiteral("Connection: close\r\n\r\n");
    if (bodyAllowed && !omitBody)
        out += body;
    return out;
}
