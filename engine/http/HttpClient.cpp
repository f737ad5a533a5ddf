#include "HttpClient.h"

#include <QUrl>

namespace {

// Distinct webhook URLs are few; a cache this size only fills if URLs are edited over and over.
constexpr qsizetype kMaxCachedTargets = 4096;

bool isHeaderSafe(const QByteArray &bytes)
{
    // A line break would end the header early and let the rest pose as headers or a body of its own.
    return !bytes.contains('\r') && !bytes.contains('\n') && !bytes.contains('\0');
}

} // namespace

HttpClient::HttpClient(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
    m_idleTimer.setInterval(idleTimeoutMs / 2);
    connect(&m_idleTimer, &QTimer::timeout, this, &HttpClient::closeStaleIdle);
}

HttpClient::~HttpClient()
{
    // Their sockets must not report into a half-destroyed client.
    for (HttpClientConnection *connection : findChildren<HttpClientConnection *>(Qt::FindDirectChildrenOnly))
        connection->close();
}

int HttpClient::idleConnections() const
{
    int count = 0;
    for (const QList<HttpClientConnection *> &connections : m_idle)
        count += int(connections.size());
    return count;
}

const HttpClient::Target &HttpClient::targetOf(const QString &url)
{
    auto it = m_targets.constFind(url);
    if (it != m_targets.constEnd())
        return *it;
    if (m_targets.size() >= kMaxCachedTargets)
        m_targets.clear();
    Target target;
    const QUrl parsed(url);
    const QString scheme = parsed.scheme().toLower();
    HttpClientConnection::Endpoint &endpoint = target.endpoint;
    endpoint.tls = scheme == QLatin1String("https");
    if (!parsed.isValid() || (scheme != QLatin1String("http") && !endpoint.tls)) {
        target.error = QStringLiteral("only http:// and https:// URLs can receive webhooks: %1").arg(url);
    } else if (parsed.host().isEmpty()) {
        target.error = QStringLiteral("the URL has no host: %1").arg(url);
    } else {
        const int defaultPort = endpoint.tls ? 443 : 80;
        endpoint.port = quint16(parsed.port(defaultPort));
        endpoint.host = parsed.host(QUrl::FullyEncoded);
        endpoint.tlsPeerName = parsed.host();
        QByteArray host = endpoint.host.toLatin1();
        if (host.contains(':'))
            host = '[' + host + ']'; // an IPv6 literal
        if (endpoint.port != defaultPort)
            host += ':' + QByteArray::number(endpoint.port);
        QByteArray path = parsed.path(QUrl::FullyEncoded).toLatin1();
        if (path.isEmpty())
            path = "/";
        if (parsed.hasQuery())
            path += '?' + parsed.query(QUrl::FullyEncoded).toLatin1();
        target.head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
    }
    return *m_targets.insert(url, target);
}

quint64 HttpClient::post(const HttpClientRequest &request)
{
    const quint64 id = ++m_nextId;
    Exchange &exchange = m_exchanges[id];
    const Target &target = targetOf(request.url);
    QString refusal = target.error;
    for (const auto &header : request.headers) {
        if (refusal.isEmpty() && (!isHeaderSafe(header.first) || !isHeaderSafe(header.second)))
            refusal =
                QStringLiteral("the header %1 contains a line break").arg(QString::fromLatin1(header.first));
    }
    if (!refusal.isEmpty()) {
        HttpClientResponse response;
        response.errorClass = QStringLiteral("invalid_target");
        response.errorMessage = refusal;
        QMetaObject::invokeMethod(
            this,
            [this, id, response] {
                if (m_exchanges.remove(id))
                    emit finished(id, response);
            },
            Qt::QueuedConnection);
        return id;
    }

    exchange.endpoint = target.endpoint;
    exchange.endpoint.skipTlsVerify = request.skipTlsVerify;
    if (!request.connectTo.isNull())
        exchange.endpoint.host = request.connectTo.toString(); // the name stays the TLS peer name
    HttpClientConnection::Endpoint &endpoint = exchange.endpoint;
    exchange.poolKey = (endpoint.tls ? QStringLiteral("https://") : QStringLiteral("http://")) +
                       endpoint.host + QLatin1Char(':') + QString::number(endpoint.port);
    if (endpoint.tls) {
        exchange.poolKey +=
            (endpoint.skipTlsVerify ? QStringLiteral(" unverified ") : QStringLiteral(" as ")) +
            endpoint.tlsPeerName;
    }

    qsizetype size = target.head.size() + request.body.size() + 40;
    for (const auto &header : request.headers)
        size += header.first.size() + header.second.size() + 4;
    QByteArray &wire = exchange.wire;
    wire.reserve(size);
    wire += target.head;
    for (const auto &header : request.headers) {
        wire += header.first;
        wire += ": ";
        wire += header.second;
        wire += "\r\n";
    }
    wire += "Content-Length: ";
    wire += QByteArray::number(request.body.size());
    wire += "\r\n\r\n";
    wire += request.body;
    exchange.keptResponseBytes = request.keptResponseBytes;
    start(id, exchange);
    return id;
}

void HttpClient::start(quint64 id, Exchange &exchange)
{
    HttpClientConnection *connection = nullptr;
    auto idle = m_idle.find(exchange.poolKey);
    if (idle != m_idle.end()) {
        while (!connection && !idle->isEmpty()) {
            HttpClientConnection *candidate = idle->takeLast(); // the most recently used: least likely closed
            if (candidate->isIdle())
                connection = candidate;
            else
                candidate->deleteLater();
        }
        if (idle->isEmpty())
            m_idle.erase(idle);
    }
    if (!connection) {
        connection = new HttpClientConnection(exchange.endpoint, exchange.poolKey, this);
        connect(connection, &HttpClientConnection::answered, this, &HttpClient::onAnswered);
        connect(connection, &HttpClientConnection::lost, this, &HttpClient::onLost);
        ++m_connectionsOpened;
    }
    exchange.connection = connection;
    m_busy.insert(connection, id);
    connection->send(exchange.wire, exchange.keptResponseBytes);
}

void HttpClient::abort(quint64 id)
{
    const auto it = m_exchanges.find(id);
    if (it == m_exchanges.end())
        return;
    if (HttpClientConnection *connection = it->connection) {
        m_busy.remove(connection);
        connection->close();
        connection->deleteLater();
    }
    m_exchanges.erase(it);
}

void HttpClient::onAnswered(HttpClientConnection *connection, const HttpClientResponse &response,
                            bool retryable)
{
    const auto busy = m_busy.find(connection);
    const quint64 id = busy == m_busy.end() ? 0 : busy.value();
    if (busy != m_busy.end())
        m_busy.erase(busy);
    if (connection->isIdle()) {
        connection->setIdleSince(m_clock.elapsed());
        m_idle[connection->poolKey()].append(connection);
        if (!m_idleTimer.isActive())
            m_idleTimer.start();
    } else {
        connection->deleteLater();
    }
    const auto it = m_exchanges.find(id);
    if (it == m_exchanges.end())
        return;
    if (retryable && !it->resent) {
        it->resent = true;
        it->connection = nullptr;
        start(id, *it);
        return;
    }
    m_exchanges.erase(it);
    emit finished(id, response);
}

void HttpClient::removeIdle(HttpClientConnection *connection)
{
    const auto idle = m_idle.find(connection->poolKey());
    if (idle == m_idle.end())
        return;
    idle->removeOne(connection);
    if (idle->isEmpty())
        m_idle.erase(idle);
}

void HttpClient::onLost(HttpClientConnection *connection)
{
    removeIdle(connection);
    connection->deleteLater();
}

void HttpClient::closeStaleIdle()
{
    const qint64 now = m_clock.elapsed();
    for (auto idle = m_idle.begin(); idle != m_idle.end();) {
        QList<HttpClientConnection *> &connections = idle.value();
        // Oldest first: they went back to the pool in order.
        while (!connections.isEmpty() && now - connections.constFirst()->idleSinceMs() >= idleTimeoutMs) {
            HttpClientConnection *connection = connections.takeFirst();
            connection->close();
            connection->deleteLater();
        }
        idle = connections.isEmpty() ? m_idle.erase(idle) : std::next(idle);
    }
    if (m_idle.isEmpty())
        m_idleTimer.stop();
}
