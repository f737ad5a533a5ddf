#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

// The dispatch peer: the least a Qt program must do to POST the same payloads to the same endpoints, with
// the same number of requests in flight per endpoint, and no database. Tidings' dispatch is judged against
// it, both in deliveries per second and in CPU per delivery.
class BareSender : public QObject
{
    Q_OBJECT
public:
    BareSender(QList<QUrl> urls, QByteArray body, int perUrlConcurrency, QObject *parent = nullptr);

    // Sends `count` requests spread evenly over the URLs; finished() when every one has an answer.
    void start(qint64 count);
    qint64 succeeded() const { return m_succeeded; }
    qint64 failed() const { return m_failed; }

signals:
    void finished();

private:
    void sendNext(int urlIndex);

    QList<QUrl> m_urls;
    QByteArray m_body;
    int m_concurrency;
    QNetworkAccessManager m_network;
    QList<qint64> m_left; // per URL
    qint64 m_outstanding = 0;
    qint64 m_sequence = 0;
    qint64 m_succeeded = 0;
    qint64 m_failed = 0;
};
