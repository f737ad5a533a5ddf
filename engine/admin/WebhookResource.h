#pragma once

#include "AdminRequest.h"
#include "HttpResponse.h"

class Store;

// /v1/admin/webhooks: create, read, change and remove subscribers. Settings are checked by WebhookSettings,
// the same rules as `tidings webhook add|update`. Every handler that changes a webhook returns
// `changed = true` so the engine reloads its webhook list at once.
class WebhookResource
{
public:
    explicit WebhookResource(Store &store);

    HttpResponse list(const AdminRequest &request);
    HttpResponse create(const AdminRequest &request, bool *changed);
    HttpResponse get(const AdminRequest &request);
    HttpResponse update(const AdminRequest &request, bool *changed);
    HttpResponse remove(const AdminRequest &request, bool *changed);
    HttpResponse setEnabled(const AdminRequest &request, bool enabled, bool *changed);
    HttpResponse rotateSecret(const AdminRequest &request, bool *changed);

private:
    HttpResponse storeFailed(const QString &what) const;

    Store &m_store;
};
