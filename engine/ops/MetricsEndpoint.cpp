#include "MetricsEndpoint.h"

#include "MetricsRegistry.h"
#include "PrometheusWriter.h"
#include "Store.h"
#include "WebhookSignature.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcMetrics, "tidings.metrics")

MetricsEndpoint::MetricsEndpoint(Store &store, const MetricsRegistry &registry, QByteArray token)
    : m_store(store)
    , m_registry(registry)
    , m_token(std::move(token))
{}

void MetricsEndpoint::handle(const HttpRequest &request, const HttpResponder &responder)
{
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response = HttpResponse::error(
            405, "method_not_allowed", QStringLiteral("%1 accepts GET only").arg(QLatin1String(path)));
        response.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET, HEAD")});
        responder.respond(response);
        return;
    }
    if (!m_token.isEmpty()) {
        const QByteArray authorization = request.header("authorization");
        const bool bearer =
            authorization.size() >= 7 && qstrnicmp(authorization.constData(), "bearer ", 7) == 0;
        if (!bearer || !WebhookSignature::constantTimeEquals(authorization.mid(7).trimmed(), m_token)) {
            HttpResponse response = HttpResponse::error(
                401, "unauthorized",
                QStringLiteral("missing or wrong metrics token; send Authorization: Bearer <token>"));
            response.headers.append({QByteArrayLiteral("WWW-Authenticate"),
                                     QByteArrayLiteral("Bearer realm=\"tidings-metrics\"")});
            responder.respond(response);
            return;
        }
    }
    HttpResponse response;
    response.status = 200;
    response.contentType = PrometheusWriter::contentType;
    response.body = render();
    responder.respond(response);
}

QByteArray MetricsEndpoint::render()
{
    PrometheusWriter writer;
    m_registry.write(writer);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const std::optional<QList<WebhookQueueDepth>> depths = m_store.queueDepthByWebhook(now);
    const std::optional<qint64> failed = depths ? m_store.failedDeliveryCount() : std::nullopt;
    if (!depths || !failed)
        qCWarning(lcMetrics).noquote() << "queue depth not available for /metrics:" << m_store.lastError();
    const bool answered = depths && failed;

    writer.family("tidings_database_up", "gauge",
                  QStringLiteral("1 when the database answered the queue queries of this scrape, else 0 (and "
                                 "the queue gauges are missing)."));
    writer.sample("tidings_database_up", {}, answered ? 1 : 0);
    if (answered) {
        writer.family("tidings_queue_deliveries", "gauge",
                      QStringLiteral("Deliveries waiting for their next attempt (pending) or being sent "
                                     "(in_flight), by webhook."));
        for (const WebhookQueueDepth &depth : *depths) {
            writer.sample("tidings_queue_deliveries",
                          {{"webhook", depth.webhookName}, {"state", QStringLiteral("pending")}},
                          depth.pending);
            writer.sample("tidings_queue_deliveries",
                          {{"webhook", depth.webhookName}, {"state", QStringLiteral("in_flight")}},
                          depth.inFlight);
        }
        writer.family("tidings_queue_oldest_due_age_seconds", "gauge",
                      QStringLiteral("How long the oldest due pending delivery of a webhook has been waiting "
                                     "past its due time; 0 when nothing is due."));
        for (const WebhookQueueDepth &depth : *depths) {
            const double age =
                depth.oldestDueAtMs > 0 ? qMax<qint64>(0, now - depth.oldestDueAtMs) / 1000.0 : 0;
            writer.sample("tidings_queue_oldest_due_age_seconds", {{"webhook", depth.webhookName}}, age);
        }
        writer.family("tidings_failed_deliveries", "gauge",
                      QStringLiteral("Deliveries that gave up, kept in the history until retention removes "
                                     "them or a replay restarts them (all webhooks; per-webhook rates are in "
                                     "tidings_delivery_outcomes_total)."));
        writer.sample("tidings_failed_deliveries", {}, double(*failed));
        writer.family("tidings_webhook_enabled", "gauge",
                      QStringLiteral("1 when the webhook is enabled, 0 when it is disabled (by hand or after "
                                     "failing)."));
        for (const WebhookQueueDepth &depth : *depths)
            writer.sample("tidings_webhook_enabled", {{"webhook", depth.webhookName}}, depth.enabled ? 1 : 0);
    }

    writer.family("tidings_start_time_seconds", "gauge",
                  QStringLiteral("When this engine started, seconds since the Unix epoch."));
    writer.sample("tidings_start_time_seconds", {}, double(m_registry.startedAt().toSecsSinceEpoch()));
    return writer.text();
}
