#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "DestinationPolicy.h"
#include "EndpointBackoff.h"
#include "HttpClient.h"
#include "PayloadBuilder.h"
#include "Store.h"
#include "WebhookConfig.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <map>
#include <memory>
#include <optional>

// Sends claimed deliveries with HttpClient, many at once, at most `concurrency` per webhook so
// that a slow or dead endpoint only ever holds its own slots. Each finished request becomes an attempt record
// and a new delivery state in one transaction.
class Dispatcher : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype maxRecordedResponseBytes = 64 * 1024;

    Dispatcher(Store &store, QString owner, QObject *parent = nullptr);
    ~Dispatcher() override;

    void setDestinationPolicy(const DestinationPolicy &policy) { m_policy = policy; }

    // Slots left for a webhook right now, counting `settling` finished attempts as free already: its
    // concurrency less what is in flight, or nothing while its endpoint is paused (EndpointBackoff).
    int freeSlots(const WebhookConfig &webhook, int settling = 0) const;
    // While the webhook's endpoint is paused after repeated failures: milliseconds until it may be probed.
    std::optional<qint64> pauseLeftMs(qint64 webhookId) const;
    // The webhook changed (URL, enabled) or is gone: the failures of its old endpoint no longer hold it back.
    void forgetFailures(qint64 webhookId, const QString &webhookName);
    // Deliveries were replayed: paused webhooks send their probe now (EndpointBackoff::endPauses).
    void endPauses() { m_backoff.endPauses(m_clock.elapsed()); }
    int inFlight() const { return m_inFlight; }
    // inFlight() less the requests that have gone unanswered far longer than answers take here (4 x the
    // running average of the answers, plus 10 ms): what the poller's rounds wait for half of. An endpoint
    // that answers after seconds is not part of the wave of answers a round gathers; counted in, it shifted
    // which answers made each round's half, and healthy webhooks drifted apart (docs/performance.md).
    int inFlightExpectedSoon() const;
    void dispatch(const ClaimedDelivery &claimed, const WebhookConfig &webhook);
    // Aborts every request without recording an attempt and hands the deliveries back to the queue.
    void abortAll();

    // An attempt that has its answer and waits to be written, with what to report once it is.
    struct FinishedAttempt
    {
        AttemptRecord attempt;
        AttemptOutcome outcome;
        DeliveryRecord delivery; // as claimed; moved on to the outcome once recorded
        QString webhookName;
        QString disableReason; // not empty: the answer disables the webhook
    };

    // On: finished attempts wait for the poller, which writes them in the transaction of its next claims
    // (attemptsWaiting() asks it to run). Off: the dispatcher writes them itself at the end of each
    // event-loop pass. The poller turns it on while it runs.
    void setRecordInRounds(bool on);
    // Finished attempts waiting for the poller to write them.
    int finishedWaiting() const { return int(m_finished.size()); }
    // The finished attempts not yet written; the caller writes them (writeFinished inside its transaction)
    // and then hands them to settleFinished, whether or not the write committed.
    QList<FinishedAttempt> takeFinished();
    bool writeFinished(QList<FinishedAttempt> &finished);
    void settleFinished(QList<FinishedAttempt> &finished, bool recorded);

    // What came back, or why nothing did.
    struct Result
    {
        int status = 0;
        AttemptRecord::Headers headers;
        QByteArray retryAfter;
        QString errorClass;
        QString errorMessage;
        bool permanent = false; // no point retrying (the destination is not allowed)
    };
    // The answer as the attempt log classes it: an error class and message for anything but a 2xx.
    static Result resultOf(const HttpClientResponse &response);

    // Headers the dispatcher sets itself; a webhook's static headers may not replace them.
    static bool isReservedHeader(QByteArrayView lowerName);
    // Header names whose values never reach the attempt log.
    static bool isSecretHeader(QByteArrayView lowerName);
    static QByteArray maskedValue(const QByteArray &value);
    // A URL's user and password (https://user:pass@host/) as an Authorization: Basic header, unless `headers`
    // has an Authorization header already.
    static void addUrlCredentials(const QUrl &url, AttemptRecord::Headers &headers);
    // The URL as the attempt log keeps it: without its password.
    static QString loggedUrl(const QUrl &url, const QString &configured);

signals:
    void attemptRecorded(const AttemptRecord &attempt, const DeliveryRecord &delivery);
    void webhookDisabled(qint64 webhookId, const QString &reason);
    void storeFailed(const QString &reason);
    // Another attempt finished and waits to be written (emitted for each while recording in rounds).
    void attemptsWaiting();
    // The endpoint failed EndpointBackoff::failureThreshold times in a row: no new claims for pauseMs.
    void endpointPaused(qint64 webhookId, const QString &webhookName, int failures, qint64 pauseMs);
    // A held-back webhook sends at its full concurrency again: a probe got an answer, or its configuration
    // changed (`why` says which).
    void endpointResumed(qint64 webhookId, const QString &webhookName, const QString &why);

private:
    struct InFlightRequest
    {
        ClaimedDelivery claimed;
        WebhookConfig webhook;
        AttemptRecord attempt;
        HttpClientRequest request;
        QUrl url; // webhook.url, parsed
        DeliveryPayload payload;
        QElapsedTimer clock;
        qint64 sentAtMs = 0; // on the dispatcher's m_clock
        bool hasDeadline = false;
        std::multimap<qint64, quint64>::iterator deadline; // in m_deadlines while hasDeadline
        quint64 generation = 0; // abortAll() moves to a new one; older lookups then come back to nothing
    };
    using RequestPointer = std::shared_ptr<InFlightRequest>;

    // Resolves and checks the destination when the guard is on, then sends.
    void send(const RequestPointer &request, const QHostAddress &pinnedAddress);
    void armDeadlineTimer();
    void expireDeadlines();
    void onFinished(quint64 requestId, const HttpClientResponse &response);
    void complete(InFlightRequest &request, const Result &result);
    void flushFinished();
    void releaseSlot(qint64 webhookId);
    void recordEndpointHealth(const InFlightRequest &request, const Result &result, qint64 retryDelayMs);
    QUrl parsedUrl(const QString &url);

    Store &m_store;
    QString m_owner;
    HttpClient
        m_http; // pools connections by TLS settings too: a verified webhook never rides an unverified one
    DestinationPolicy m_policy;
    EndpointBackoff m_backoff;                 // on m_clock's time base
    QHash<quint64, RequestPointer> m_requests; // by HttpClient's request id
    QHash<QString, QUrl> m_parsedUrls; // parsing a URL costs as much as setting all of a request's headers
    QHash<qint64, int> m_inFlightPerWebhook;
    int m_inFlight = 0; // including requests still resolving their destination
    quint64 m_generation = 0;
    QList<FinishedAttempt> m_finished;
    bool m_recordInRounds = false;
    QElapsedTimer m_clock;                      // the time base of m_deadlines
    double m_averageAnswerMs = 0;               // running average of the answers' times (1/16 weight)
    std::multimap<qint64, quint64> m_deadlines; // each request's total deadline, earliest first
    QTimer m_deadlineTimer;
    bool m_flushScheduled = false;
};
