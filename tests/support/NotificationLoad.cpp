#include "NotificationLoad.h"

#include <QNetworkReply>
#include <QNetworkRequest>

NotificationLoad::NotificationLoad(QUrl intakeUrl, Generator generator, const Settings &settings,
                                   QObject *parent)
    : QObject(parent)
    , m_url(std::move(intakeUrl))
    , m_generator(std::move(generator))
    , m_settings(settings)
{
    m_clock.start();
    m_pump.setInterval(qMax(1, m_settings.intervalMs));
    connect(&m_pump, &QTimer::timeout, this, &NotificationLoad::pump);
}

NotificationLoad::~NotificationLoad()
{
    stop();
}

void NotificationLoad::start()
{
    m_generating = true;
    m_pump.start();
}

void NotificationLoad::stopGenerating()
{
    m_generating = false;
}

void NotificationLoad::stop()
{
    m_generating = false;
    m_pump.stop();
    const QList<QNetworkReply *> replies = m_outstanding.keys();
    for (QNetworkReply *reply : replies) {
        Envelope envelope = m_outstanding.take(reply);
        m_unacked.append(envelope);
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void NotificationLoad::pump()
{
    const qint64 now = m_clock.elapsed();
    while (m_outstanding.size() < m_settings.maxInFlight) {
        // Like the registry: what was not acknowledged goes first, once its backoff has passed.
        if (!m_unacked.isEmpty() && m_unacked.constFirst().notBeforeMs <= now) {
            ++m_resends;
            post(m_unacked.takeFirst());
            continue;
        }
        if (m_generating && m_settings.maxEnvelopes > 0 && m_made >= m_settings.maxEnvelopes)
            m_generating = false;
        if (!m_generating)
            return;
        Envelope envelope;
        envelope.body = m_generator(&envelope.eventIds);
        ++m_made;
        post(std::move(envelope));
        // One new envelope per tick keeps the rate near 1000 / intervalMs at most.
        return;
    }
}

void NotificationLoad::post(Envelope envelope)
{
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"));
    request.setTransferTimeout(m_settings.requestTimeoutMs);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    ++envelope.sends;
    ++m_sent;
    QNetworkReply *reply = m_network.post(request, envelope.body);
    m_outstanding.insert(reply, std::move(envelope));
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onFinished(reply); });
}

void NotificationLoad::onFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    auto it = m_outstanding.find(reply);
    if (it == m_outstanding.end())
        return;
    Envelope envelope = std::move(it.value());
    m_outstanding.erase(it);
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const int status = statusAttribute.isValid() ? statusAttribute.toInt() : 0;
    ++m_statuses[status];
    if (status >= 200 && status < 300 && reply->error() == QNetworkReply::NoError) {
        for (const QString &id : std::as_const(envelope.eventIds))
            m_acked.insert(id);
        ++m_envelopesAcked;
        return;
    }
    ++m_failures;
    envelope.notBeforeMs = m_clock.elapsed() + m_settings.resendBackoffMs;
    m_unacked.append(std::move(envelope));
}
