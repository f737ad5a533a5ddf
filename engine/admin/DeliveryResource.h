#pragma once

#include "AdminRequest.h"
#include "DeliveryRecord.h"
#include "HttpResponse.h"

#include <QJsonArray>
#include <QJsonObject>

#include <functional>

#include <optional>

class Store;
struct DeliveryFilter;

// /v1/admin/deliveries: the delivery log (the console's filters: state, webhook, repository or tag text,
// HTTP status, time range; newest first, paged by cursor), one delivery with every attempt, and replay of
// one delivery or of every delivery a filter matches. `queued` tells the engine to run a claim round now.
class DeliveryResource
{
public:
    explicit DeliveryResource(Store &store);

    HttpResponse list(const AdminRequest &request);
    HttpResponse show(const AdminRequest &request);
    HttpResponse replayOne(const AdminRequest &request, bool *queued);
    HttpResponse replayMany(const AdminRequest &request, bool *queued);

    // One delivery with `attemptLog` and the event as the registry sent it (`event`, `eventId`): the answer
    // of GET /v1/admin/deliveries/{id} and of `tidings deliveries show --json`.
    static QJsonObject detail(Store &store, const DeliveryRecord &delivery);
    // The deliveries of one event, for the events resource.
    static QJsonArray ofEvent(Store &store, qint64 eventRowId);

private:
    // Reads a filter from named values (query parameters or JSON fields, all given as text).
    std::optional<DeliveryFilter> filterFrom(const std::function<QString(const QString &)> &value,
                                             HttpResponse *error);

    Store &m_store;
};
