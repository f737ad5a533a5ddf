#pragma once

#include <QDateTime>
#include <QString>

class QSettings;

// What the delivery log shows: the filters of the Deliveries screen. Empty fields do not filter. Kept across
// restarts in QSettings.
struct DeliveryLogFilter
{
    enum class TimeRange
    {
        Any,
        LastHour,
        Last24Hours,
        Last7Days
    };

    QString state; // a deliveryStateName, empty: every state
    qint64 webhookId = 0;
    QString text;       // substring of repository or tag; "repo:tag" filters both parts
    QString httpStatus; // "500", "5xx" or "none" (no response); see parseHttpStatus
    TimeRange range = TimeRange::Any;

    // The first creation time shown, relative to `now`; invalid for TimeRange::Any.
    QDateTime since(const QDateTime &now) const;
    // Whether a delivery can enter or leave this view after it was created (its state or last status
    // changes), rather than only by new deliveries arriving.
    bool membershipChanges() const { return !state.isEmpty() || !httpStatus.trimmed().isEmpty(); }

    // "500" -> [500, 500]; "5xx" -> [500, 599]; "none" or "0" -> [0, 0]; empty -> false with *valid true.
    // Anything else: false with *valid false.
    static bool parseHttpStatus(const QString &text, int *low, int *high, bool *valid);

    void save(QSettings &settings) const;
    static DeliveryLogFilter load(QSettings &settings);

    bool operator==(const DeliveryLogFilter &other) const;
    bool operator!=(const DeliveryLogFilter &other) const { return !(*this == other); }
};
