#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QUrl>

#include <functional>

class QNetworkReply;

// A registry stand-in that keeps posting notifications to one intake URL, the way docker-registry does under
// load: a few requests in flight over keep-alive connections, and every envelope that was not answered 2xx
// (connection refused or reset, 5xx, timeout) sent again after a short backoff until it is. Records which
// event ids were acknowledged. Lives in the calling thread: the test's event loop must run (QTest::qWait, or
// any helper that spins one) for it to make progress.
class NotificationLoad : public QObject
{
    Q_OBJECT
public:
    // Makes the next envelope and says which event ids it carries.
    using Generator = std::function<QByteArray(QStringList *eventIds)>;

    struct Settings
    {
        int maxInFlight = 4;       // requests outstanding at once
        int intervalMs = 20;       // how often the pump looks for a free slot
        int resendBackoffMs = 300; // before an unacknowledged envelope is sent again
        int requestTimeoutMs = 10000;
        int maxEnvelopes = 0; // stop making new envelopes after this many (0: no limit)
    };

    NotificationLoad(QUrl intakeUrl, Generator generator, const Settings &settings,
                     QObject *parent = nullptr);
    NotificationLoad(QUrl intakeUrl, Generator generator, QObject *parent = nullptr)
        : NotificationLoad(std::move(intakeUrl), std::move(generator), Settings(), parent)
    {}
    ~NotificationLoad() override;

    void start();          // new envelopes and resends
    void stopGenerating(); // resends only: what is not acknowledged yet keeps being sent
    void stop();           // nothing more is sent; requests under way are abandoned
    bool isGenerating() const { return m_generating; }
    // Where the next requests go, resends included: a registry behind a load balancer that moved it to
    // another instance.
    void setUrl(const QUrl &intakeUrl) { m_url = intakeUrl; }
    QUrl url() const { return m_url; }

    // Every envelope made so far was answered 2xx and nothing is outstanding.
    bool isSettled() const { return m_outstanding.isEmpty() && m_unacked.isEmpty(); }

    QSet<QString> ackedEventIds() const { return m_acked; }
    int envelopesMade() const { return m_made; }
    int envelopesAcked() const { return m_envelopesAcked; }
    int requestsSent() const { return m_sent; }
    int resends() const { return m_resends; }
    int failures() const { return m_failures; } // answers that were not 2xx, and transport errors
    int unacked() const { return int(m_unacked.size() + m_outstanding.size()); }
    QHash<int, int> statusCounts() const { return m_statuses; } // 0: no HTTP answer

private:
    struct Envelope
    {
        QByteArray body;
        QStringList eventIds;
        int sends = 0;
        qint64 notBeforeMs = 0; // on m_clock
    };

    void pump();
    void post(Envelope envelope);
    void onFinished(QNetworkReply *reply);

    QUrl m_url;
    Generator m_generator;
    Settings m_settings;
    QNetworkAccessManager m_network;
    QTimer m_pump;
    QElapsedTimer m_clock;
    QHash<QNetworkReply *, Envelope> m_outstanding;
    QList<Envelope> m_unacked; // waiting for a resend, oldest first
    QSet<QString> m_acked;
    QHash<int, int> m_statuses;
    bool m_generating = false;
    int m_made = 0;
    int m_envelopesAcked = 0;
    int m_sent = 0;
    int m_resends = 0;
    int m_failures = 0;
};
