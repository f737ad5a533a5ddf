#include "IntakeClient.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QTimer>

QJsonObject IntakeClient::Answer::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray IntakeClient::Answer::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

IntakeClient::IntakeClient(QUrl intakeUrl, QByteArray token)
    : m_url(std::move(intakeUrl))
    , m_token(std::move(token))
{}

IntakeClient::Answer IntakeClient::post(const QByteArray &body, const QByteArray &contentType,
                                        const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    return send(QByteArrayLiteral("POST"), m_url, body, contentType, extraHeaders);
}

IntakeClient::Answer IntakeClient::send(const QByteArray &method, const QUrl &url, const QByteArray &body,
                                        const QByteArray &contentType,
                                        const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    QNetworkRequest request(url);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token);
    for (const auto &header : extraHeaders)
        request.setRawHeader(header.first, header.second);
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(15000, &loop, &QEventLoop::quit);
    loop.exec();
    Answer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    answer.headers = reply->rawHeaderPairs();
    reply->abort();
    reply->deleteLater();
    return answer;
}
