#include "DeliveryResource.h"

#include "AdminJson.h"
#include "Store.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {
constexpr int defaultPage = 50;
constexpr int maxPage = 1000;
constexpr int defaultReplayBatch = 1000;
constexpr int maxReplayBatch = 10000;
} // namespace

DeliveryResource::DeliveryResource(Store &store)
    : m_store(store)
{}

std::optional<DeliveryFilter>
DeliveryResource::filterFrom(const std::function<QString(const QString &)> &value, HttpResponse *error)
{
    DeliveryFilter filter;
    const QString status = value(QStringLiteral("status"));
    if (!status.isEmpty()) {
        DeliveryState state;
        if (!deliveryStateFromName(status, &state)) {
            *error = AdminRequest::invalid(
                QStringLiteral(
                    "status \"%1\" is not a state; use pending, in_flight, succeeded, failed or cancelled")
                    .arg(status));
            return std::nullopt;
        }
        filter.state = deliveryStateName(state);
    }
    const QString webhook = value(QStringLiteral("webhook"));
    if (!webhook.isEmpty()) {
        const std::optional<WebhookConfig> found = AdminRequest::webhook(m_store, webhook, error);
        if (!found)
            return std::nullopt;
        filter.webhookId = found->id;
    }
    filter.repository = value(QStringLiteral("text"));
    const QString httpStatus = value(QStringLiteral("httpStatus"));
    if (!httpStatus.isEmpty()) {
        bool ok = false;
        filter.lastStatus = httpStatus.toInt(&ok);
        if (!ok || filter.lastStatus < 100 || filter.lastStatus > 599) {
            *error = AdminRequest::invalid(
                QStringLiteral("httpStatus \"%1\" is not an HTTP status (100 to 599)").arg(httpStatus));
            return std::nullopt;
        }
    }
    const std::optional<QDateTime> since =
        AdminRequest::time(QStringLiteral("since"), value(QStringLiteral("since")), error);
    if (!since)
        return std::nullopt;
    const std::optional<QDateTime> until =
        AdminRequest::time(QStringLiteral("until"), value(QStringLiteral("until")), error);
    if (!until)
        return std::nullopt;
    filter.since = *since;
    filter.until = *until;
    return filter;
}

HttpResponse DeliveryResource::list(const AdminRequest &request)
{
    HttpResponse error;
    std::optional<DeliveryFilter> filter =
        filterFrom([&request](const QString &name) { return request.query(name); }, &error);
    const std::optional<int> limit = filter ? request.limit(defaultPage, maxPage, &error) : std::nullopt;
    const std::optional<qint64> cursor = limit ? request.cursor(&error) : std::nullopt;
    if (!cursor)
        return error;
    filter->beforeId = *cursor;
    filter->limit = *limit + 1; // one more tells whether another page exists
    QList<DeliveryRecord> rows = m_store.deliveries(*filter);
    const bool more = rows.size() > *limit;
    if (more)
        rows.resize(*limit);
    QJsonArray items;
    for (const DeliveryRecord &row : std::as_const(rows))
        items.append(AdminJson::delivery(row));
    QJsonObject page{{QStringLiteral("items"), items}};
    page.insert(QStringLiteral("nextCursor"),
                more ? QJsonValue(AdminRequest::encodeCursor(rows.constLast().id)) : QJsonValue());
    return HttpResponse::json(200, page);
}

HttpResponse DeliveryResource::show(const AdminRequest &request)
{
    bool ok = false;
    const qint64 id = request.pathValue(0).toLongLong(&ok);
    const std::optional<DeliveryRecord> delivery = ok ? m_store.delivery(id) : std::nullopt;
    if (!delivery)
        return AdminRequest::notFound(QStringLiteral("no delivery %1").arg(request.pathValue(0)));
    return HttpResponse::json(200, detail(m_store, *delivery));
}

QJsonObject DeliveryResource::detail(Store &store, const DeliveryRecord &delivery)
{
    QJsonObject json = AdminJson::delivery(delivery);
    QJsonArray attempts;
    for (const AttemptRecord &attempt : store.attempts(delivery.id))
        attempts.append(AdminJson::attempt(attempt));
    json.insert(QStringLiteral("attemptLog"), attempts);
    if (const std::optional<RegistryEvent> event = store.event(delivery.eventRowId)) {
        json.insert(QStringLiteral("event"), QJsonDocument::fromJson(event->rawJson).object());
        json.insert(QStringLiteral("eventId"), event->eventId);
    }
    return json;
}

HttpResponse DeliveryResource::replayOne(const AdminRequest &request, bool *queued)
{
    bool ok = false;
    const qint64 id = request.pathValue(0).toLongLong(&ok);
    if (!ok)
        return AdminRequest::notFound(QStringLiteral("no delivery %1").arg(request.pathValue(0)));
    switch (m_store.replay(id, QDateTime::currentMSecsSinceEpoch())) {
    case Store::ReplayResult::Replayed:
        *queued = true;
        return HttpResponse::json(202, AdminJson::delivery(m_store.delivery(id).value_or(DeliveryRecord())));
    case Store::ReplayResult::NotFound:
        return AdminRequest::notFound(QStringLiteral("no delivery %1").arg(id));
    case Store::ReplayResult::InFlight:
        return HttpResponse::error(
            409, "in_flight",
            QStringLiteral("delivery %1 is being sent right now; replay it when the attempt is over")
                .arg(id));
    case Store::ReplayResult::Failed:
        break;
    }
    return HttpResponse::error(
        503, "storage_unavailable",
        QStringLiteral("cannot replay delivery %1: %2").arg(id).arg(m_store.lastError()));
}

HttpResponse DeliveryResource::replayMany(const AdminRequest &request, bool *queued)
{
    HttpResponse error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    static const QStringList fields{
        QStringLiteral("ids"),   QStringLiteral("status"),     QStringLiteral("webhook"),
        QStringLiteral("text"),  QStringLiteral("httpStatus"), QStringLiteral("since"),
        QStringLiteral("until"), QStringLiteral("limit"),      QStringLiteral("cursor")};
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (!fields.contains(it.key()))
            return AdminRequest::invalid(QStringLiteral("unknown field \"%1\"; replay takes %2")
                                             .arg(it.key(), fields.join(QStringLiteral(", "))));
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    QList<qint64> ids;
    int limit = defaultReplayBatch;
    bool more = false;
    qint64 lastId = 0;
    if (body->contains(QStringLiteral("ids"))) {
        if (body->size() != 1 || !body->value(QStringLiteral("ids")).isArray())
            return AdminRequest::invalid(
                QStringLiteral("give either \"ids\" (a list of delivery ids) or filters"));
        const QJsonArray array = body->value(QStringLiteral("ids")).toArray();
        if (array.isEmpty() || array.size() > maxReplayBatch)
            return AdminRequest::invalid(
                QStringLiteral("ids needs 1 to %1 delivery ids").arg(maxReplayBatch));
        for (const QJsonValue &value : array) {
            if (!value.isDouble() || value.toDouble() < 1)
                return AdminRequest::invalid(
                    QStringLiteral("ids must be delivery ids (positive whole numbers)"));
            ids.append(qint64(value.toDouble()));
        }
    } else {
        // A replay of everything by accident is expensive for every subscriber: one filter at least.
        if (body->isEmpty() || (body->size() == 1 && (body->contains(QStringLiteral("limit")))))
            return AdminRequest::invalid(QStringLiteral(
                "give \"ids\" or at least one filter (status, webhook, text, httpStatus, since, until)"));
        auto text = [&body](const QString &name) {
            const QJsonValue value = body->value(name);
            return value.isDouble() ? QString::number(value.toDouble()) : value.toString();
        };
        std::optional<DeliveryFilter> filter = filterFrom(text, &error);
        if (!filter)
            return error;
        if (body->contains(QStringLiteral("limit"))) {
            limit = body->value(QStringLiteral("limit")).toInt(-1);
            if (limit < 1 || limit > maxReplayBatch)
                return AdminRequest::invalid(
                    QStringLiteral("limit must be a whole number from 1 to %1").arg(maxReplayBatch));
        }
        const QString cursorText = body->value(QStringLiteral("cursor")).toString();
        if (!cursorText.isEmpty()) {
            HttpRequest cursorRequest;
            cursorRequest.query = "cursor=" + QUrl::toPercentEncoding(cursorText);
            const std::optional<qint64> cursor = AdminRequest(cursorRequest, {}).cursor(&error);
            if (!cursor)
                return error;
            filter->beforeId = *cursor;
        }
        filter->limit = limit + 1;
        const QList<DeliveryRecord> rows = m_store.deliveries(*filter);
        more = rows.size() > limit;
        for (qsizetype i = 0; i < rows.size() && i < limit; ++i)
            ids.append(rows.at(i).id);
        lastId = ids.isEmpty() ? 0 : ids.constLast();
    }
    // One transaction for the batch: a thousand replays cost one sync, not a thousand.
    if (!m_store.beginWrite())
        return HttpResponse::error(503, "storage_unavailable",
                                   QStringLiteral("cannot replay: %1").arg(m_store.lastError()));
    int replayed = 0;
    QJsonArray inFlight;
    QJsonArray notFound;
    for (qint64 id : std::as_const(ids)) {
        switch (m_store.replay(id, nowMs)) {
        case Store::ReplayResult::Replayed:
            ++replayed;
            break;
        case Store::ReplayResult::InFlight:
            inFlight.append(id);
            break;
        case Store::ReplayResult::NotFound:
            notFound.append(id);
            break;
        case Store::ReplayResult::Failed:
            m_store.rollback();
            return HttpResponse::error(503, "storage_unavailable",
                                       QStringLiteral("cannot replay: %1").arg(m_store.lastError()));
        }
    }
    if (!m_store.commit())
        return HttpResponse::error(503, "storage_unavailable",
                                   QStringLiteral("cannot replay: %1").arg(m_store.lastError()));
    *queued = replayed > 0;
    QJsonObject answer{{QStringLiteral("matched"), ids.size()},
                       {QStringLiteral("replayed"), replayed},
                       {QStringLiteral("inFlight"), inFlight},
                       {QStringLiteral("notFound"), notFound}};
    answer.insert(QStringLiteral("nextCursor"),
                  more ? QJsonValue(AdminRequest::encodeCursor(lastId)) : QJsonValue());
    return HttpResponse::json(200, answer);
}

QJsonArray DeliveryResource::ofEvent(Store &store, qint64 eventRowId)
{
    DeliveryFilter filter;
    filter.eventRowId = eventRowId;
    filter.limit = maxPage;
    QJsonArray items;
    for (const DeliveryRecord &row : store.deliveries(filter))
        items.append(AdminJson::delivery(row));
    return items;
}
