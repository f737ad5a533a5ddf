#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

class QJsonObject;

// One response to write. serialize() owns the framing: Content-Length, Connection, Transfer-Encoding,
// Content-Type and Date given in `headers` are ignored (a handler asking for "Connection: close" there still
// gets the connection closed by HttpConnection), as are headers with control characters in them.
struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers; // extra headers (e.g. Retry-After, WWW-Authenticate)
    QByteArray contentType; // application/octet-stream when empty and there is a body; omitted without one
    QByteArray body;

    static HttpResponse json(int status, const QJsonObject &object);
    // The JSON error shape every error uses: {"error": {"status": 413, "code": "<code>", "message":
    // "<message>"}}
    static HttpResponse error(int status, const QByteArray &code, const QString &message);
    // The snake_case code the server uses for its own errors, e.g. "payload_too_large" for 413.
    static QByteArray errorCode(int status);
    static QByteArray reasonPhrase(int status);

    // Status line, Date, Content-Type, Content-Length (always, except for 1xx, 204 and 304, which must not
    // have one), the extra headers, "Connection: keep-alive" or "Connection: close", then the body.
    // `omitBody` is for answering HEAD: the headers describe the body, which is not sent.
    QByteArray serialize(bool keepAlive, bool omitBody = false) const;
};
