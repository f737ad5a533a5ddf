#pragma once

#include "HttpRequest.h"
#include "HttpResponse.h"

#include <QMutex>

#include <functional>

class AdminApi;

// The way into the admin API from threads other than the engine's (the gRPC admin server's threads). A
// caller submits a request and returns at once; the request runs on the engine thread as a queued call, and
// the reply function runs there with the answer. The engine thread never waits for the caller.
//
// Engine owns one gateway for its lifetime (shared with whoever calls it); the engine worker attaches its
// AdminApi when it starts and detaches it before tearing down. A request queued when the API goes away is
// dropped unanswered: the reply function is destroyed without being called, so callers that must always
// answer do so from their reply object's destructor.
class AdminGateway
{
public:
    using Reply = std::function<void(const HttpResponse &response)>;

    // Thread-safe. False when no admin API is attached (the engine is not running); `reply` is not called.
    bool submit(HttpRequest request, Reply reply);

    // Engine thread only.
    void attach(AdminApi *api);
    void detach();

private:
    QMutex m_mutex;
    AdminApi *m_api = nullptr; // guarded by m_mutex; only ever deleted after detach()
};
