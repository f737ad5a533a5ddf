#include "HttpServer.h"

#include "HttpConnection.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>

namespace {

Q_LOGGING_CATEGORY(lcHttpServer, "tidings.http.server")

} // namespace

HttpServer::HttpServer(const HttpServerLimits &limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_tcpServer(new QTcpServer(this))
{
    connect(m_tcpServer, &QTcpServer::newConnection, this, &HttpServer::acceptConnections);
}

HttpServer::~HttpServer()
{
    close();
    // The aborted connections are children and go with us; they must not call back into a half-destroyed
    // server meanwhile.
    const QList<HttpConnection *> connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *connection : connections)
        connection->disconnect(this);
}

void HttpServer::setHandler(Handler handler)
{
    m_handler = std::move(handler);
}

const HttpServerLimits &HttpServer::limits() const
{
    return m_limits;
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    return m_tcpServer->listen(address, port);
}

QString HttpServer::errorString() const
{
    return m_tcpServer->errorString();
}

quint16 HttpServer::serverPort() const
{
    return m_tcpServer->serverPort();
}

QHostAddress HttpServer::serverAddress() const
{
    return m_tcpServer->serverAddress();
}

bool HttpServer::isListening() const
{
    return m_tcpServer->isListening();
}

void HttpServer::close()
{
    m_tcpServer->close();
    // abort() removes each connection from the sets through closed(), so iterate over copies.
    const QSet<HttpConnection *> connections = m_connections;
    for (HttpConnection *connection : connections)
        connection->abort();
    const QSet<HttpConnection *> rejecting = m_rejecting;
    for (HttpConnection *connection : rejecting)
        connection->abort();
}

int HttpServer::connectionCount() const
{
    return int(m_connections.size());
}

void HttpServer::acceptConnections()
{
    while (QTcpSocket *socket = m_tcpServer->nextPendingConnection()) {
        const bool overLimit = m_connections.size() >= m_limits.maxConnections;
        if (overLimit && m_rejecting.size() >= m_limits.maxConnections) {
            // A flood: even a polite refusal costs a socket for a while, so drop outright.
            socket->abort();
            socket->deleteLater();
            continue;
        }
        auto *connection = new HttpConnection(
            socket, m_limits,
            [this](const HttpRequest &request, const HttpResponder &responder) {
                dispatch(request, responder);
            },
            this);
        QSet<HttpConnection *> &set = overLimit ? m_rejecting : m_connections;
        set.insert(connection);
        connect(connection, &HttpConnection::refused, this, &HttpServer::requestRefused);
        connect(connection, &HttpConnection::closed, this, [this](HttpConnection *closed) {
            m_connections.remove(closed);
            m_rejecting.remove(closed);
        });
        if (overLimit) {
            qCDebug(lcHttpServer) << "Refusing a connection from" << socket->peerAddress()
                                  << "over the limit of" << m_limits.maxConnections;
            connection->reject(HttpResponse::error(503, HttpResponse::errorCode(503),
                                                   QStringLiteral("The server has too many connections.")));
            emit requestRefused(503);
        } else {
            connection->start();
        }
    }
}

void HttpServer::dispatch(const HttpRequest &request, const HttpResponder &responder)
{
    if (!m_handler) {
        responder.respond(HttpResponse::error(503, HttpResponse::errorCode(503),
                                              QStringLiteral("The server is not ready to handle requests.")));
        return;
    }
    m_handler(request, responder);
}
