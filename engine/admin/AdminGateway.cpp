#include "AdminGateway.h"

#include "AdminApi.h"

#include <QMetaObject>
#include <QMutexLocker>

bool AdminGateway::submit(HttpRequest request, Reply reply)
{
    QMutexLocker locker(&m_mutex);
    if (!m_api)
        return false;
    // Posting an event is thread-safe while the receiver lives, which the mutex guarantees (detach() takes
    // it before the API is deleted). Should the API be deleted before the event is delivered, Qt drops the
    // event and with it the functor.
    AdminApi *api = m_api;
    QMetaObject::invokeMethod(
        api, [api, request = std::move(request), reply = std::move(reply)] { reply(api->answer(request)); },
        Qt::QueuedConnection);
    return true;
}

void AdminGateway::attach(AdminApi *api)
{
    QMutexLocker locker(&m_mutex);
    m_api = api;
}

void AdminGateway::detach()
{
    QMutexLocker locker(&m_mutex);
    m_api = nullptr;
}
