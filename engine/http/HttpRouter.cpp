#include "HttpRouter.h"

#include <QStringList>

void HttpRouter::addRoute(const QByteArray &path, HttpServer::Handler handler)
{
    m_routes.append({path, std::move(handler)});
}

void HttpRouter::route(const HttpRequest &request, const HttpResponder &responder) const
{
    const Route *best = nullptr;
    for (const Route &candidate : m_routes) {
        const bool prefix = candidate.path.endsWith('/');
        const bool matches =
            prefix ? request.path.startsWith(candidate.path) || request.path + '/' == candidate.path
                   : request.path == candidate.path;
        if (matches && (!best || candidate.path.size() > best->path.size()))
            best = &candidate;
    }
    if (best) {
        best->handler(request, responder);
        return;
    }
    QStringList known;
    for (const Route &candidate : m_routes)
        known.append(QString::fromLatin1(candidate.path));
    responder.respond(HttpResponse::error(
        404, "not_found",
        QStringLiteral("no such endpoint; this server answers %1").arg(known.join(QStringLiteral(", ")))));
}
