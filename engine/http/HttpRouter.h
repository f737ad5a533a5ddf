#pragma once

#include "HttpServer.h"

#include <QByteArray>
#include <QList>

// Maps request paths to handlers so the intake, the admin API and the operations endpoints can share one
// listener without knowing about each other. A route is an exact path, or a prefix when it ends in '/'
// (so "/v1/admin/" takes "/v1/admin/webhooks/7"). The longest matching route wins; a path no route takes
// gets a JSON 404 naming the paths that exist, so a mistyped registry URL is easy to diagnose.
class HttpRouter
{
public:
    void addRoute(const QByteArray &path, HttpServer::Handler handler);
    void route(const HttpRequest &request, const HttpResponder &responder) const;

private:
    struct Route
    {
        QByteArray path;
        HttpServer::Handler handler;
    };
    QList<Route> m_routes;
};
