#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "PrometheusWriter.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>

// The engine's counters and the attempt-duration histogram since the process started, fed from the
// intake's and the dispatcher's signals on the engine thread. Gauges (queue depth) are not kept here: they
// are read from the database when scraped, so they cover every process that uses it. Webhooks are labelled
// by name, as an operator knows them.
class MetricsRegistry
{
public:
    // Upper bounds of the attempt-duration buckets, in seconds: from a fast local receiver to the longest
    // timeouts.
    static const QList<double> &durationBuckets();

    MetricsRegistry();

    void recordIntakeAnswer(int status);
    // A request the HTTP server refused before any endpoint saw it.
    void recordHttpRefusal(int status);
    void recordEventsAccepted(int count);
    // One attempt and where it left its delivery.
    void recordAttempt(const AttemptRecord &attempt, const DeliveryRecord &delivery);
    // Housekeeping: whether this instance runs it (several instances on one database elect one), and each
    // retention sweep it finished.
    void setHousekeepingLeader(bool leader) { m_housekeepingLeader = leader; }
    void recordRetentionSweep(qint64 rowsRemoved);
    // A webhook's endpoint failed repeatedly and is paused (EndpointBackoff), or answered a probe.
    void recordEndpointPaused(const QString &webhook);
    void recordEndpointResumed(const QString &webhook);

    // Appends the counter and histogram families.
    void write(PrometheusWriter &writer) const;
    QDateTime startedAt() const { return m_startedAt; }

    // The label values a recorded attempt produces: "success" or the error class; and "succeeded", "failed",
    // "retrying" or "cancelled" for the delivery.
    static QString attemptResult(const AttemptRecord &attempt);
    static QString deliveryOutcome(const DeliveryRecord &delivery);

private:
    struct Histogram
    {
        QList<quint64> bucketCounts; // per bound, not cumulative; the +Inf bucket is `count`
        quint64 count = 0;
        double sum = 0;
    };
    using WebhookAndLabel = QPair<QString, QString>;

    QDateTime m_startedAt;
    QMap<int, quint64> m_intakeByStatus;
    QMap<int, quint64> m_httpRefusals;
    quint64 m_eventsAccepted = 0;
    QMap<WebhookAndLabel, quint64> m_attemptsByResult;
    QMap<WebhookAndLabel, quint64> m_deliveryOutcomes;
    QMap<QString, Histogram> m_durations;
    bool m_housekeepingLeader = false;
    quint64 m_retentionSweeps = 0;
    quint64 m_retentionRowsRemoved = 0;
    QMap<QString, quint64> m_endpointPauses;
    QMap<QString, bool> m_endpointHeldBack; // by webhook name; false once resumed, so the gauge shows 0
};
