#include "RateLoad.h"

#include "BenchClock.h"

#include <QFile>
#include <QNetworkReply>
#include <QNetworkRequest>

RateLoad::RateLoad(QUrl intakeUrl, QByteArray token, QObject *parent)
    : QObject(parent)
    , m_url(std::move(intakeUrl))
    , m_token(std::move(token))
{
    QFile file(QStringLiteral(TIDINGS_BENCH_DATA_DIR "/push-manifest.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    m_envelope = file.readAll();
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    connect(&m_timer, &QTimer::timeout, this, &RateLoad::tick);
}

void RateLoad::start(int eventsPerSecond, int seconds)
{
    m_rate = qMax(1, eventsPerSecond);
    m_total = qint64(m_rate) * seconds;
    m_clock.start();
    m_timer.start();
}

void RateLoad::tick()
{
    const qint64 due = qMin(m_total, m_clock.nsecsElapsed() * m_rate / 1000000000);
    while (m_sent < due)
        post();
    if (m_sent >= m_total)
        m_timer.stop();
}

void RateLoad::post()
{
    const qint64 n = m_sent++;
    const QByteArray id = 't' + QByteArray::number(BenchClock::nowUs()) + '-' + QByteArray::number(n);
    QByteArray body = m_envelope;
    body.replace("c23898ed-87ca-498e-8f04-277d89c31ee7", id);
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/vnd.docker.distribution.events.v2+json"));
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = m_network.post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, clock] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 202)
            ++m_accepted;
        else
            ++m_refused;
        m_answerMs.append(clock.nsecsElapsed() / 1e6);
        reply->deleteLater();
        if (++m_answered == m_total)
            emit finished();
    });
}
