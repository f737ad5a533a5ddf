#include "HealthEndpoint.h"

#include "Store.h"

#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHealth, "tidings.health")

HealthEndpoint::HealthEndpoint(Store &store)
    : m_store(store)
{}

bool HealthEndpoint::refuseMethod(const HttpRequest &request, const HttpResponder &responder)
{
    if (request.method == "GET" || request.method == "HEAD")
        return false;
    HttpResponse response =
        HttpResponse::error(405, "method_not_allowed",
                            QStringLiteral("%1 accepts GET only").arg(QString::fromLatin1(request.path)));
    response.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET, HEAD")});
    responder.respond(response);
    return true;
}

void HealthEndpoint::handleLiveness(const HttpRequest &request, const HttpResponder &responder)
{
    if (refuseMethod(request, responder))
        return;
    responder.respond(
        HttpResponse::json(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("alive")}}));
}

void HealthEndpoint::handleReadiness(const HttpRequest &request, const HttpResponder &responder)
{
    if (refuseMethod(request, responder))
        return;
    if (m_store.answersQueries()) {
        if (!m_ready)
            qCInfo(lcHealth) << "ready again: the database answers";
        m_ready = true;
        responder.respond(
            HttpResponse::json(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ready")}}));
        return;
    }
    const QString reason = m_store.lastError();
    if (m_ready)
        qCWarning(lcHealth).noquote() << "not ready: the database does not answer:" << reason;
    m_ready = false;
    HttpResponse response =
        HttpResponse::error(503, "database_unavailable",
                            QStringLiteral("not ready: the database does not answer: %1").arg(reason));
    response.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5")});
    responder.respond(response);
}
