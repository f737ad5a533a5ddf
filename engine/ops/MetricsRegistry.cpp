#include "MetricsRegistry.h"

const QList<double> &MetricsRegistry::durationBuckets()
{
    static const QList<double> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    return buckets;
}

MetricsRegistry::MetricsRegistry()
    : m_startedAt(QDateTime::currentDateTimeUtc())
{}

void MetricsRegistry::recordIntakeAnswer(int status)
{
    ++m_intakeByStatus[status];
}

void MetricsRegistry::recordHttpRefusal(int status)
{
    ++m_httpRefusals[status];
}

void MetricsRegistry::recordEventsAccepted(int count)
{
    m_eventsAccepted += quint64(count);
}

QString MetricsRegistry::attemptResult(const AttemptRecord &attempt)
{
    if (attempt.errorClass.isEmpty())
        return QStringLiteral("success");
    return attempt.errorClass;
}

QString MetricsRegistry::deliveryOutcome(const DeliveryRecord &delivery)
{
    switch (delivery.state) {
    case DeliveryState::Succeeded:
        return QStringLiteral("succeeded");
    case DeliveryState::Failed:
        return QStringLiteral("failed");
    case DeliveryState::Cancelled:
        return QStringLiteral("cancelled");
    case DeliveryState::Pending:
    case DeliveryState::InFlight:
        break;
    }
    return QStringLiteral("retrying");
}

void MetricsRegistry::recordAttempt(const AttemptRecord &attempt, const DeliveryRecord &delivery)
{
    const QString webhook = delivery.webhookName;
    ++m_attemptsByResult[{webhook, attemptResult(attempt)}];
    ++m_deliveryOutcomes[{webhook, deliveryOutcome(delivery)}];

    Histogram &histogram = m_durations[webhook];
    const QList<double> &bounds = durationBuckets();
    if (histogram.bucketCounts.isEmpty())
        histogram.bucketCounts.resize(bounds.size());
    const double seconds = attempt.durationMs / 1000.0;
    for (qsizetype i = 0; i < bounds.size(); ++i) {
        if (seconds <= bounds[i]) {
            ++histogram.bucketCounts[i];
            break;
        }
    }
    ++histogram.count;
    histogram.sum += seconds;
}

void MetricsRegistry::write(PrometheusWriter &writer) const
{
    writer.family("tidings_intake_requests_total", "counter",
                  QStringLiteral("Requests answered by the intake (/v1/notify), by HTTP status."));
    for (auto it = m_intakeByStatus.cbegin(); it != m_intakeByStatus.cend(); ++it)
        writer.sample("tidings_intake_requests_total", {{"status", QString::number(it.key())}},
                      double(it.value()));

    writer.family(
        "tidings_http_refused_total", "counter",
        QStringLiteral("Requests the HTTP server refused before any endpoint saw them, by status: 400 "
                       "malformed, 408 too slow, 413 body over the limit, 431 headers too large, 501, "
                       "503 over the connection limit."));
    for (auto it = m_httpRefusals.cbegin(); it != m_httpRefusals.cend(); ++it)
        writer.sample("tidings_http_refused_total", {{"status", QString::number(it.key())}},
                      double(it.value()));

    writer.family(
        "tidings_events_accepted_total", "counter",
        QStringLiteral("Registry events stored for the first time (resent duplicates not counted)."));
    writer.sample("tidings_events_accepted_total", {}, double(m_eventsAccepted));

    writer.family("tidings_delivery_attempts_total", "counter",
                  QStringLiteral("Delivery attempts made by this process, by webhook and result (success or "
                                 "the error class)."));
    for (auto it = m_attemptsByResult.cbegin(); it != m_attemptsByResult.cend(); ++it)
        writer.sample("tidings_delivery_attempts_total",
                      {{"webhook", it.key().first}, {"result", it.key().second}}, double(it.value()));

    writer.family("tidings_delivery_outcomes_total", "counter",
                  QStringLiteral("Where each attempt left its delivery: succeeded, failed (gave up), "
                                 "retrying or cancelled; by webhook."));
    for (auto it = m_deliveryOutcomes.cbegin(); it != m_deliveryOutcomes.cend(); ++it)
        writer.sample("tidings_delivery_outcomes_total",
                      {{"webhook", it.key().first}, {"outcome", it.key().second}}, double(it.value()));

    writer.family("tidings_delivery_attempt_duration_seconds", "histogram",
                  QStringLiteral("How long delivery attempts took, from the request to the recorded answer "
                                 "or error, by webhook."));
    const QList<double> &bounds = durationBuckets();
    for (auto it = m_durations.cbegin(); it != m_durations.cend(); ++it) {
        const Histogram &histogram = it.value();
        quint64 cumulative = 0;
        for (qsizetype i = 0; i < bounds.size(); ++i) {
            cumulative += histogram.bucketCounts[i];
            writer.sample("tidings_delivery_attempt_duration_seconds_bucket",
                          {{"webhook", it.key()},
                           {"le", QString::fromLatin1(PrometheusWriter::formatValue(bounds[i]))}},
                          double(cumulative));
        }
        writer.sample("tidings_delivery_attempt_duration_seconds_bucket",
                      {{"webhook", it.key()}, {"le", QStringLiteral("+Inf")}}, double(histogram.count));
        writer.sample("tidings_delivery_attempt_duration_seconds_sum", {{"webhook", it.key()}},
                      histogram.sum);
        writer.sample("tidings_delivery_attempt_duration_seconds_count", {{"webhook", it.key()}},
                      double(histogram.count));
    }
    writer.family("tidings_housekeeping_leader", "gauge",
                  QStringLiteral("1 when this instance runs housekeeping (retention) for its database; of "
                                 "several instances on one PostgreSQL database exactly one does."));
    writer.sample("tidings_housekeeping_leader", {}, m_housekeepingLeader ? 1 : 0);
    writer.family("tidings_retention_sweeps_total", "counter",
                  QStringLiteral("Retention sweeps this process finished (only the housekeeping leader "
                                 "sweeps)."));
    writer.sample("tidings_retention_sweeps_total", {}, double(m_retentionSweeps));
    writer.family("tidings_retention_removed_rows_total", "counter",
                  QStringLiteral("Rows of old history (deliveries with their attempts, events) retention "
                                 "removed in this process."));
    writer.sample("tidings_retention_removed_rows_total", {}, double(m_retentionRowsRemoved));
    writer.family(
        "tidings_endpoint_pauses_total", "counter",
        QStringLiteral("Times a webhook's endpoint failed repeatedly and this process paused its new "
                       "claims, by webhook."));
    for (auto it = m_endpointPauses.cbegin(); it != m_endpointPauses.cend(); ++it)
        writer.sample("tidings_endpoint_pauses_total", {{"webhook", it.key()}}, double(it.value()));
    writer.family("tidings_endpoint_held_back", "gauge",
                  QStringLiteral("1 while this process holds a webhook back after repeated failures (paused, "
                                 "or probing with one request), by webhook."));
    for (auto it = m_endpointHeldBack.cbegin(); it != m_endpointHeldBack.cend(); ++it)
        writer.sample("tidings_endpoint_held_back", {{"webhook", it.key()}}, it.value() ? 1 : 0);
}

void MetricsRegistry::recordEndpointPaused(const QString &webhook)
{
    ++m_endpointPauses[webhook];
    m_endpointHeldBack[webhook] = true;
}

void MetricsRegistry::recordEndpointResumed(const QString &webhook)
{
    m_endpointHeldBack[webhook] = false;
}

void MetricsRegistry::recordRetentionSweep(qint64 rowsRemoved)
{
    ++m_retentionSweeps;
    m_retentionRowsRemoved += quint64(qMax<qint64>(0, rowsRemoved));
}
