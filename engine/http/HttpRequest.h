#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

// One parsed HTTP/1.x request, as produced by HttpRequestParser. Plain value type.
struct HttpRequest
{
    QByteArray method;                            // as sent, e.g. "POST"
    QByteArray target;                            // request-target as sent, e.g. "/v1/notify?x=1"
    QByteArray path;                              // target without the query
    QByteArray query;                             // after '?', may be empty
    int versionMinor = 1;                         // HTTP/1.0 or HTTP/1.1 only
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased, values trimmed, in order
    QByteArray body;                              // de-chunked
    bool keepAlive = true; // HTTP/1.1 default on unless "Connection: close"; 1.0 off unless "keep-alive"

    // First value of the header or empty. Names are compared as given, so pass them lower-case.
    QByteArray header(QByteArrayView lowerName) const
    {
        for (const auto &field : headers) {
            if (lowerName == field.first)
                return field.second;
        }
        return {};
    }

    bool hasHeader(QByteArrayView lowerName) const
    {
        for (const auto &field : headers) {
            if (lowerName == field.first)
                return true;
        }
        return false;
    }
};
