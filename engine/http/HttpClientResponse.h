#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

// What HttpClient got back for one request, or why it got nothing. Plain value type.
struct HttpClientResponse
{
    int status = 0; // 0: no complete answer; errorClass says why
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body; // the first HttpClientRequest::keptResponseBytes
    // Empty with an answer; otherwise one of the attempt log's classes: dns, connect, tls, network,
    // invalid_target.
    QString errorClass;
    QString errorMessage;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &header : headers) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                return header.second;
        }
        return {};
    }
};

Q_DECLARE_METATYPE(HttpClientResponse)
