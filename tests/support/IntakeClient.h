#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QUrl>

// A registry stand-in for tests: POSTs envelopes to the intake over real HTTP and waits for the answer.
class IntakeClient
{
public:
    struct Answer
    {
        int status = 0; // 0: no HTTP answer
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
        QJsonObject json() const;
        QByteArray header(const QByteArray &name) const;
    };

    explicit IntakeClient(QUrl intakeUrl, QByteArray token = {});

    Answer post(const QByteArray &body,
                const QByteArray &contentType =
                    QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"),
                const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    Answer send(const QByteArray &method, const QUrl &url, const QByteArray &body,
                const QByteArray &contentType, const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});

private:
    QUrl m_url;
    QByteArray m_token;
    QNetworkAccessManager m_network;
};
