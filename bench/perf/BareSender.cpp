#include "BareSender.h"

#include <QNetworkReply>
#include <QNetworkRequest>

BareSender::BareSender(QList<QUrl> urls, QByteArray body, int perUrlConcurrency, QObject *parent)
    : QObject(parent)
    , m_urls(std::move(urls))
    , m_body(std::move(body))
    , m_concurrency(qMax(1, perUrlConcurrency))
{}

void BareSender::start(qint64 count)
{
    m_left.clear();
    for (int i = 0; i < m_urls.size(); ++i)
        m_left.append(count / m_urls.size() + (i < count % m_urls.size() ? 1 : 0));
    for (int i = 0; i < m_urls.size(); ++i) {
        for (int slot = 0; slot < m_concurrency; ++slot)
            sendNext(i);
    }
    if (m_outstanding == 0)
        emit finished();
}

void BareSender::sendNext(int urlIndex)
{
    if (m_left[urlIndex] <= 0)
        return;
    --m_left[urlIndex];
    ++m_outstanding;
    QNetworkRequest request(m_urls.at(urlIndex));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    // A unique message id, as every webhook request carries one: the sink checks for duplicates by it.
    request.setRawHeader("webhook-id", "bare_" + QByteArray::number(++m_sequence));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply = m_network.post(request, m_body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, urlIndex] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status >= 200 && status < 300)
            ++m_succeeded;
        else
            ++m_failed;
        reply->deleteLater();
        --m_outstanding;
        sendNext(urlIndex);
        if (m_outstanding == 0)
            emit finished();
    });
}
