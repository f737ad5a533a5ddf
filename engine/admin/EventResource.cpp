#include "EventResource.h"

#include "AdminJson.h"
#include "DeliveryResource.h"
#include "Store.h"

#include <QJsonArray>

namespace {
constexpr int defaultPage = 50;
constexpr int maxPage = 1000;
} // namespace

EventResource::EventResource(Store &store)
    : m_store(store)
{}

HttpResponse EventResource::list(const AdminRequest &request)
{
    HttpResponse error;
    EventFilter filter;
    filter.action = request.query(QStringLiteral("action")).toLower();
    filter.text = request.query(QStringLiteral("text"));
    const std::optional<QDateTime> since =
        AdminRequest::time(QStringLiteral("since"), request.query(QStringLiteral("since")), &error);
    const std::optional<QDateTime> until =
        since ? AdminRequest::time(QStringLiteral("until"), request.query(QStringLiteral("until")), &error)
              : std::nullopt;
    const std::optional<int> limit = until ? request.limit(defaultPage, maxPage, &error) : std::nullopt;
    const std::optional<qint64> cursor = limit ? request.cursor(&error) : std::nullopt;
    if (!cursor)
        return error;
    filter.since = *since;
    filter.until = *until;
    filter.beforeId = *cursor;
    filter.limit = *limit + 1;
    QList<RegistryEvent> rows = m_store.events(filter);
    const bool more = rows.size() > *limit;
    if (more)
        rows.resize(*limit);
    QJsonArray items;
    for (const RegistryEvent &row : std::as_const(rows))
        items.append(AdminJson::event(row));
    QJsonObject page{{QStringLiteral("items"), items}};
    page.insert(QStringLiteral("nextCursor"),
                more ? QJsonValue(AdminRequest::encodeCursor(rows.constLast().rowId)) : QJsonValue());
    return HttpResponse::json(200, page);
}

HttpResponse EventResource::show(const AdminRequest &request)
{
    bool ok = false;
    const qint64 id = request.pathValue(0).toLongLong(&ok);
    const std::optional<RegistryEvent> event = ok ? m_store.event(id) : std::nullopt;
    if (!event)
        return AdminRequest::notFound(QStringLiteral("no event %1").arg(request.pathValue(0)));
    QJsonObject json = AdminJson::event(*event);
    json.insert(QStringLiteral("deliveries"), DeliveryResource::ofEvent(m_store, id));
    return HttpResponse::json(200, json);
}
