#pragma once

#include "AdminRequest.h"
#include "HttpResponse.h"

class Store;

// /v1/admin/events: the events Tidings stored (newest first, by action, repository or tag text and time
// range, paged by cursor), and one event with its payload and the deliveries it made.
class EventResource
{
public:
    explicit EventResource(Store &store);

    HttpResponse list(const AdminRequest &request);
    HttpResponse show(const AdminRequest &request);

private:
    Store &m_store;
};
