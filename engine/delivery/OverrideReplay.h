#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "DestinationPolicy.h"
#include "HttpClient.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

class Store;

// A replay to another URL or with an edited payload.
struct OverrideReplayRequest
{
    qint64 deliveryId = 0;
    QString url;        // empty: the webhook's URL
    QByteArray payload; // null: the body the delivery sends as configured; else the exact bytes (JSON)
};

// How one came out. errorCode empty: the attempt was made and recorded (whatever the receiver answered).
struct OverrideReplayResult
{
    qint64 ticket = 0;
    qint64 deliveryId = 0;
    QString errorCode; // not_found, in_flight, invalid_url, invalid_payload, blocked_destination, storage
    QString errorMessage;
    AttemptRecord attempt;
    DeliveryRecord delivery; // as stored after the attempt
};

Q_DECLARE_METATYPE(OverrideReplayResult)

// Sends one manual attempt of a delivery with an override and records it on that delivery's timeline, with
// what it changed (AttemptOverride). Semantics, as GitHub's and Svix's redeliveries: the same delivery and
// the same webhook-id (the receiver's idempotency key), a new attempt number; signed as usual with the
// webhook's secret(s) over the body actually sent; subject to the same destination policy as deliveries.
// It is sent once, at once, and never retried. It completes the delivery only when it reached the webhook's
// own URL with a 2xx; an attempt that went elsewhere never changes the delivery's state.
// Kept apart from the Dispatcher so a one-off experiment never takes a webhook's concurrency slot or
// enters its retry schedule.
class OverrideReplay : public QObject
{
    Q_OBJECT
public:
    explicit OverrideReplay(Store &store, QObject *parent = nullptr);
    ~OverrideReplay() override;

    void setDestinationPolicy(const DestinationPolicy &policy) { m_policy = policy; }

    // Checks the request and sends it: the ticket that finished() will carry. 0 when refused before anything
    // was sent (nothing recorded), with `refusal` filled (errorCode, errorMessage).
    qint64 start(const OverrideReplayRequest &request, OverrideReplayResult *refusal);
    int inFlight() const { return int(m_pending.size()); }
    // Aborts whatever is under way without recording it.
    void abortAll();

    // Why a target URL cannot be used, or empty.
    static QString checkUrl(const QString &url);
    // Why an edited payload cannot be sent (not JSON, with where), or empty.
    static QString checkPayload(const QByteArray &payload);

signals:
    void finished(const OverrideReplayResult &result);

private:
    struct Pending;
    void send(const std::shared_ptr<Pending> &pending, const QHostAddress &pinned);
    void onAnswered(quint64 requestId, const HttpClientResponse &response);
    void finish(const std::shared_ptr<Pending> &pending);
    void refuseLater(const std::shared_ptr<Pending> &pending, const QString &code, const QString &message);

    Store &m_store;
    DestinationPolicy m_policy;
    HttpClient m_http; // the deliveries' client: a replay goes out as a delivery would
    QHash<qint64, std::shared_ptr<Pending>> m_pending;
    QHash<quint64, qint64> m_ticketOfRequest; // HttpClient's request id -> ticket, while sent
    qint64 m_nextTicket = 1;
};
