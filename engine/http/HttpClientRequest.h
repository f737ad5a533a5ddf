#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

// One POST for HttpClient. Plain value type.
struct HttpClientRequest
{
    QString url;            // http or https; its host and port make the Host header and the TLS name
    QHostAddress connectTo; // not null: connect to this address instead of resolving the URL's host
    bool skipTlsVerify = false;
    QList<QPair<QByteArray, QByteArray>> headers; // sent as given; Host and Content-Length are the client's
    QByteArray body;
    qsizetype keptResponseBytes = 64 * 1024; // the rest of a longer answer is read and dropped
};
