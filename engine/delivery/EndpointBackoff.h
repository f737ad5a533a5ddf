#pragma once

#include <QHash>

#include <optional>

// Holds back a webhook whose endpoint keeps failing, so that a dead receiver costs the other webhooks
// nothing.
//
// Without it every queued delivery to a dead endpoint takes its own failed attempt within seconds: 10,000
// deliveries to a port that refuses connections are 10,000 refused requests and 10,000 attempt rows written,
// all of it engine time taken from the healthy endpoints, and every one of those deliveries has spent its
// first attempt. After `failureThreshold` transient failures in a row (no answer, 408, 429 or 5xx) the
// webhook gets no new claims until the retry of the failure that tripped it is due (its own retry schedule,
// Retry-After included, at most maxPauseMs). Then one delivery at a time probes the endpoint; the first
// answer that is not a transient failure gives it back its full concurrency, another failure pauses it again.
//
// Per process and in memory: after a restart, or on another instance, the first few failures find the
// endpoint down again. Plain logic on a millisecond clock the caller passes in, so tests drive it directly.
class EndpointBackoff
{
public:
    static constexpr int failureThreshold = 5;
    static constexpr qint64 maxPauseMs = 60 * 1000;

    // What recordFailure() changed, for the log.
    enum class Change
    {
        None,
        Paused,  // the webhook was sending normally and is paused now
        Resumed, // recordSuccess(): the webhook was paused or probing and sends normally again
    };

    // An attempt got an answer that says the endpoint works (2xx, and also 4xx other than 408 and 429: the
    // receiver is up, it just refuses this delivery).
    Change recordSuccess(qint64 webhookId);
    // An attempt failed in a way that says the endpoint is down or overloaded; retryDelayMs is the delay its
    // delivery was given before the next attempt.
    Change recordFailure(qint64 webhookId, qint64 nowMs, qint64 retryDelayMs);

    // Requests the webhook may have in flight now: its concurrency, 1 while probing, 0 while paused.
    int allowedConcurrency(qint64 webhookId, int concurrency, qint64 nowMs) const;
    // While paused: milliseconds until the probe may go (at least 1).
    std::optional<qint64> pauseLeftMs(qint64 webhookId, qint64 nowMs) const;
    bool isHeldBack(qint64 webhookId) const;
    int consecutiveFailures(qint64 webhookId) const;
    // Its configuration changed (a new URL, re-enabled) or it is gone: the history says nothing about the new
    // endpoint. True when the webhook was held back until now.
    bool forget(qint64 webhookId);
    // Someone replayed deliveries (they may have fixed the receiver): every paused webhook may send its probe
    // now instead of at the end of its pause. Still one request at a time until one gets an answer.
    void endPauses(qint64 nowMs);

private:
    struct State
    {
        int consecutiveFailures = 0;
        qint64 pausedUntilMs = -1; // -1: sending normally; else held back, and paused while now < this
    };
    QHash<qint64, State> m_states; // only webhooks with a failure since their last success
};
