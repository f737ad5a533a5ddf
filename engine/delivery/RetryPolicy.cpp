#include "RetryPolicy.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <limits>

QList<int> RetryPolicy::defaultScheduleSeconds()
{
    return {0, 5, 300, 1800, 7200, 18000, 36000, 36000};
}

RetryPolicy::RetryPolicy(QList<int> scheduleSeconds, int maxAttempts, double jitter, int maxRetryAfterSeconds)
    : m_schedule(scheduleSeconds.isEmpty() ? defaultScheduleSeconds() : std::move(scheduleSeconds))
    , m_maxAttempts(maxAttempts > 0 ? maxAttempts : int(m_schedule.size()))
    , m_jitter(std::isfinite(jitter) ? std::clamp(jitter, 0.0, 1.0) : 0.0)
    , m_maxRetryAfterSeconds(std::max(0, maxRetryAfterSeconds))
{}

qint64 RetryPolicy::scheduledMs(int attemptNumber) const
{
    const qsizetype index = std::clamp<qsizetype>(attemptNumber - 1, 0, m_schedule.size() - 1);
    return qint64(std::max(0, m_schedule.at(index))) * 1000;
}

qint64 RetryPolicy::delayBeforeFirst() const
{
    return scheduledMs(1);
}

qint64 RetryPolicy::delayMsBefore(int nextAttemptNumber, double random) const
{
    const qint64 base = scheduledMs(nextAttemptNumber);
    if (base == 0 || m_jitter == 0.0)
        return base;
    const double r = std::isfinite(random) ? std::clamp(random, 0.0, 1.0) : 0.5;
    const double factor = 1.0 - m_jitter + 2.0 * m_jitter * r;
    return std::max<qint64>(0, std::llround(double(base) * factor));
}

qint64 RetryPolicy::delayMsBefore(int nextAttemptNumber) const
{
    return delayMsBefore(nextAttemptNumber, QRandomGenerator::global()->generateDouble());
}

qint64 RetryPolicy::applyRetryAfter(qint64 scheduledMs, qint64 retryAfterMs) const
{
    if (retryAfterMs < 0)
        return scheduledMs;
    return std::max(scheduledMs, std::min(retryAfterMs, qint64(m_maxRetryAfterSeconds) * 1000));
}

namespace {

int monthFromName(const QByteArray &name)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i) {
        if (name == months[i])
            return i + 1;
    }
    return 0;
}

bool isDayName(const QByteArray &name, bool longForm)
{
    static const char *const shortDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const longDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                           "Friday", "Saturday", "Sunday"};
    for (int i = 0; i < 7; ++i) {
        if (name == (longForm ? longDays[i] : shortDays[i]))
            return true;
    }
    return false;
}

bool parseNumber(const QByteArray &digits, int expectedLength, int *value)
{
    if (digits.size() != expectedLength)
        return false;
    int result = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9')
            return false;
        result = result * 10 + (c - '0');
    }
    *value = result;
    return true;
}

// "08:49:37"
bool parseClock(const QByteArray &text, QTime *time)
{
    const QList<QByteArray> parts = text.split(':');
    int h = 0, m = 0, s = 0;
    if (parts.size() != 3 || !parseNumber(parts.at(0), 2, &h) || !parseNumber(parts.at(1), 2, &m) ||
        !parseNumber(parts.at(2), 2, &s)) {
        return false;
    }
    // HTTP dates allow a leap second; QTime does not, and a second either way does not matter for a retry.
    *time = QTime(h, m, std::min(s, 59));
    return time->isValid();
}

// RFC 9110 accepts three forms; senders must use the first, recipients must accept all three.
QDateTime parseHttpDate(const QByteArray &value, const QDateTime &now)
{
    const QList<QByteArray> tokens = value.simplified().split(' ');
    int day = 0, month = 0, year = 0;
    QTime time;

    if (tokens.size() == 6 && tokens.at(0).endsWith(',') && tokens.at(5) == "GMT") {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if (!isDayName(tokens.at(0).chopped(1), false) || !parseNumber(tokens.at(1), 2, &day) ||
            !(month = monthFromName(tokens.at(2))) || !parseNumber(tokens.at(3), 4, &year) ||
            !parseClock(tokens.at(4), &time)) {
            return {};
        }
    } else if (tokens.size() == 4 && tokens.at(0).endsWith(',') && tokens.at(3) == "GMT") {
        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        const QList<QByteArray> date = tokens.at(1).split('-');
        if (!isDayName(tokens.at(0).chopped(1), true) || date.size() != 3 ||
            !parseNumber(date.at(0), 2, &day) || !(month = monthFromName(date.at(1))) ||
            !parseNumber(date.at(2), 2, &year) || !parseClock(tokens.at(2), &time)) {
            return {};
        }
        // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
        const int currentYear = now.toUTC().date().year();
        year += (currentYear / 100) * 100;
        if (year > currentYear + 50)
            year -= 100;
    } else if (tokens.size() == 5) {
        // asctime: "Sun Nov  6 08:49:37 1994" (simplified() folded the padding of the day)
        if (!isDayName(tokens.at(0), false) || !(month = monthFromName(tokens.at(1))) ||
            !(parseNumber(tokens.at(2), 1, &day) || parseNumber(tokens.at(2), 2, &day)) ||
            !parseClock(tokens.at(3), &time) || !parseNumber(tokens.at(4), 4, &year)) {
            return {};
        }
    } else {
        return {};
    }

    const QDate date(year, month, day);
    if (!date.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC);
}

} // namespace

qint64 RetryPolicy::parseRetryAfterMs(const QByteArray &value, const QDateTime &now)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return -1;

    if (std::all_of(trimmed.cbegin(), trimmed.cend(), [](char c) { return c >= '0' && c <= '9'; })) {
        // Absurdly large values saturate instead of overflowing; applyRetryAfter() clamps them anyway.
        constexpr qint64 maxSeconds = std::numeric_limits<qint64>::max() / 1000;
        bool ok = false;
        const qulonglong seconds = trimmed.toULongLong(&ok);
        if (!ok || seconds > qulonglong(maxSeconds))
            return maxSeconds * 1000;
        return qint64(seconds) * 1000;
    }

    const QDateTime date = parseHttpDate(trimmed, now);
    if (!date.isValid() || !now.isValid())
        return -1;
    return std::max<qint64>(0, now.msecsTo(date));
}

QString RetryPolicy::validateSchedule(const QList<int> &scheduleSeconds)
{
    if (scheduleSeconds.size() > maxScheduleEntries) {
        return QStringLiteral("the retry schedule has %1 delays; at most %2 are allowed")
            .arg(QString::number(scheduleSeconds.size()), QString::number(maxScheduleEntries));
    }
    for (qsizetype i = 0; i < scheduleSeconds.size(); ++i) {
        const int delay = scheduleSeconds.at(i);
        if (delay < 0) {
            return QStringLiteral("retry delay %1 (%2 s) is negative")
                .arg(QString::number(i + 1), QString::number(delay));
        }
        if (delay > maxDelaySeconds) {
            return QStringLiteral("retry delay %1 (%2 s) is longer than 30 days")
                .arg(QString::number(i + 1), QString::number(delay));
        }
    }
    return {};
}
