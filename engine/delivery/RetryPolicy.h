#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

// When the attempts of one delivery happen. Element i of the schedule is the delay before attempt i+1, so the
// first element is usually 0 (deliver at once). The default follows Svix and the Standard Webhooks example:
// quick retries for blips, then hours apart to ride out a receiver that is down for a day.
//
// Pure value type: the dispatcher owns one per webhook and asks it for delays; nothing here touches a clock
// except the production overload of delayMsBefore() that draws its own random number.
class RetryPolicy
{
public:
    static constexpr int maxScheduleEntries = 50;
    static constexpr int maxDelaySeconds = 30 * 24 * 3600;

    static QList<int> defaultScheduleSeconds();

    // scheduleSeconds empty: the default. maxAttempts 0 (or negative): the schedule's length; larger than the
    // schedule: the last delay repeats. jitter is clamped to [0, 1].
    RetryPolicy(QList<int> scheduleSeconds = {}, int maxAttempts = 0, double jitter = 0.2,
                int maxRetryAfterSeconds = 6 * 3600);

    QList<int> scheduleSeconds() const { return m_schedule; }
    int maxAttempts() const { return m_maxAttempts; }
    double jitter() const { return m_jitter; }
    int maxRetryAfterSeconds() const { return m_maxRetryAfterSeconds; }

    // Delay before attempt 1, in milliseconds, without jitter: "deliver at once" must stay at once.
    qint64 delayBeforeFirst() const;

    // Delay in milliseconds before attempt nextAttemptNumber (>= 2; smaller values are treated as 1), drawn
    // uniformly from [d*(1-jitter), d*(1+jitter)] with `random` in [0, 1). Never negative; a zero delay stays
    // zero. Jitter spreads the retries of many deliveries that failed together (a receiver outage) so they do
    // not all come back in the same second.
    qint64 delayMsBefore(int nextAttemptNumber, double random) const;
    qint64 delayMsBefore(int nextAttemptNumber) const;

    // A receiver's Retry-After is honoured but bounded: it may postpone the retry (never bring it forward)
    // and by at most maxRetryAfterSeconds, so one receiver cannot park a delivery for days.
    // retryAfterMs < 0 (absent or invalid) leaves scheduledMs as it is.
    qint64 applyRetryAfter(qint64 scheduledMs, qint64 retryAfterMs) const;

    // Parses a Retry-After value (RFC 9110 section 10.2.3): delta-seconds, or an HTTP-date in IMF-fixdate,
    // RFC 850 or asctime form, taken relative to `now`. A date in the past gives 0. -1 when absent or
    // invalid.
    static qint64 parseRetryAfterMs(const QByteArray &value, const QDateTime &now);

    bool hasAttemptsLeft(int attemptsMade) const { return attemptsMade < m_maxAttempts; }

    // An empty string when the schedule is usable (an empty schedule is: it means the default), else a
    // sentence naming the bad entry.
    static QString validateSchedule(const QList<int> &scheduleSeconds);

private:
    qint64 scheduledMs(int attemptNumber) const;

    QList<int> m_schedule;
    int m_maxAttempts = 0;
    double m_jitter = 0.2;
    int m_maxRetryAfterSeconds = 6 * 3600;
};
