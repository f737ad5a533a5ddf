#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <QUrl>

// Posts registry notifications to the intake at a constant rate, one event per request, each event id
// carrying the microsecond it was sent ("t<us>-<n>"), so the sink can tell push-to-delivery latency. The
// schedule is absolute (request n goes at n / rate seconds), so a slow answer does not slow the offered load.
class RateLoad : public QObject
{
    Q_OBJECT
public:
    RateLoad(QUrl intakeUrl, QByteArray token, QObject *parent = nullptr);

    void start(int eventsPerSecond, int seconds);
    qint64 sent() const { return m_sent; }
    qint64 accepted() const { return m_accepted; }
    qint64 refused() const { return m_refused; }
    // Intake answer times (202 after the commit), milliseconds.
    QList<double> answerTimesMs() const { return m_answerMs; }

signals:
    void finished();

private:
    void tick();
    void post();

    QUrl m_url;
    QByteArray m_token;
    QByteArray m_envelope;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_rate = 0;
    qint64 m_total = 0;
    qint64 m_sent = 0;
    qint64 m_answered = 0;
    qint64 m_accepted = 0;
    qint64 m_refused = 0;
    QList<double> m_answerMs;
};
