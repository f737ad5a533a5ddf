#pragma once

#include "HttpRequest.h"
#include "HttpRequestParser.h"
#include "HttpResponse.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>

#include <functional>

class HttpConnection;
class QTcpServer;

// Everything a client can make the server spend, all configurable.
struct HttpServerLimits
{
    HttpLimits request;
    int maxConnections = 1024;   // over it: accept, write a 503 with Connection: close, close
    int headerTimeoutMs = 10000; // to receive a full request head once its first byte arrived; then 408
    int idleTimeoutMs = 60000;   // keep-alive connection with nothing pending closed silently after this
    int bodyTimeoutMs = 30000;   // to receive a body once its head is parsed; then 408
    int maxPipelinedRequests =
        32; // requests parsed but not yet answered per connection; beyond it stop reading
};

// Copyable handle given to the handler for answering one request. Call respond() exactly once, from the
// server's thread, at any later time; later calls are ignored. It is a no-op once the connection is gone.
// (Declared here rather than in its own header because it is part of the handler's signature.)
class HttpResponder
{
public:
    HttpResponder() = default;

    void respond(const HttpResponse &response) const;
    QHostAddress peerAddress() const;
    // The connection is still open and can take a response.
    bool isValid() const;

private:
    friend class HttpConnection;
    HttpResponder(HttpConnection *connection, quint64 sequence, const QHostAddress &peer);

    QPointer<HttpConnection> m_connection;
    quint64 m_sequence = 0;
    QHostAddress m_peer;
};

// A small HTTP/1.1 server: keep-alive, pipelining with in-order responses, Expect: 100-continue, and limits
// and timeouts on everything a client controls. Requests are handed to one handler on this object's thread.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(const HttpRequest &request, const HttpResponder &responder)>;

    explicit HttpServer(const HttpServerLimits &limits = {}, QObject *parent = nullptr);
    ~HttpServer() override;

    // Without a handler every request gets a 503.
    void setHandler(Handler handler);
    const HttpServerLimits &limits() const;

    bool listen(const QHostAddress &address, quint16 port); // false + errorString() on failure
    QString errorString() const;
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    bool isListening() const;
    void close(); // stop listening and close all connections
    // Connections being served; those turned away with a 503 are not counted.
    int connectionCount() const;

signals:
    // A request answered by the server itself, before the handler: 400, 408, 413, 431, 501 from a
    // connection, 503 for a connection over the limit. For the metrics.
    void requestRefused(int status);

private:
    void acceptConnections();
    void dispatch(const HttpRequest &request, const HttpResponder &responder);

    HttpServerLimits m_limits;
    Handler m_handler;
    QTcpServer *m_tcpServer = nullptr;
    QSet<HttpConnection *> m_connections;
    QSet<HttpConnection *> m_rejecting; // over the limit, being sent their 503
};
