#pragma once

#include "HttpClientConnection.h"
#include "HttpClientRequest.h"
#include "HttpClientResponse.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

// The webhook dispatcher's HTTP/1.1 client: POSTs over pooled keep-alive connections, any number at once.
// It replaces QNetworkAccessManager on the delivery path, whose per-request signal connections were a third
// of a delivery's instructions and which closed reusable connections (docs/performance.md). What it leaves
// out on purpose: redirects (a webhook's 3xx is an answer), proxies, cookies, compression, HTTP/2.
//
// A connection is only reused by requests to the same host, port, connect address and TLS settings. An idle
// connection is closed after idleTimeoutMs, shorter than the keep-alive timeout of common servers (5 s for
// Node.js and Apache), so a request rarely meets a connection the server is closing; when it does and not a
// byte came back, the request is sent once more on a new connection (the server did not read it).
class HttpClient : public QObject
{
    Q_OBJECT
public:
    static constexpr int idleTimeoutMs = 4000;

    explicit HttpClient(QObject *parent = nullptr);
    ~HttpClient() override;

    // Starts a POST; `finished` reports it later, never from inside this call. Returns its id.
    quint64 post(const HttpClientRequest &request);
    // Drops a request and closes its connection; `finished` does not follow.
    void abort(quint64 id);

    // TCP connections opened so far, and idle ones in the pool now: how well connections are reused.
    qint64 connectionsOpened() const { return m_connectionsOpened; }
    int idleConnections() const;

signals:
    void finished(quint64 id, const HttpClientResponse &response);

private:
    // What a URL comes to on the wire, parsed once per distinct URL.
    struct Target
    {
        HttpClientConnection::Endpoint endpoint;
        QByteArray head; // request line and Host header
        QString error;   // not empty: the URL cannot be sent to
    };
    struct Exchange
    {
        QString poolKey;
        HttpClientConnection::Endpoint endpoint;
        QByteArray wire;
        qsizetype keptResponseBytes = 0;
        HttpClientConnection *connection = nullptr;
        bool resent = false;
    };

    const Target &targetOf(const QString &url);
    void start(quint64 id, Exchange &exchange);
    void onAnswered(HttpClientConnection *connection, const HttpClientResponse &response, bool retryable);
    void onLost(HttpClientConnection *connection);
    void removeIdle(HttpClientConnection *connection);
    void closeStaleIdle();

    QHash<QString, Target> m_targets;
    QHash<quint64, Exchange> m_exchanges;
    QHash<HttpClientConnection *, quint64> m_busy;
    QHash<QString, QList<HttpClientConnection *>> m_idle; // most recently used last
    QElapsedTimer m_clock;
    QTimer m_idleTimer;
    quint64 m_nextId = 0;
    qint64 m_connectionsOpened = 0;
};
