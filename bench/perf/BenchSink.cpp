#include "BenchSink.h"

#include "BenchClock.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>

BenchSink::BenchSink(QObject *parent)
    : QObject(parent)
{}

BenchSink::~BenchSink() = default;

bool BenchSink::start(const QList<Endpoint> &endpoints)
{
    m_endpoints = endpoints;
    HttpServerLimits limits;
    limits.request.maxBodyBytes = 4 * 1024 * 1024;
    limits.maxPipelinedRequests = 256;
    for (int i = 0; i < endpoints.size(); ++i) {
        auto server = std::make_shared<HttpServer>(limits);
        server->setHandler([this, i](const HttpRequest &request, const HttpResponder &responder) {
            handle(i, request, responder);
        });
        if (!server->listen(QHostAddress::LocalHost, 0))
            return false;
        m_servers.append(server);
        m_perEndpoint.append(0);
        m_lastPerEndpoint.append(0);
    }
    return true;
}

QList<quint16> BenchSink::ports() const
{
    QList<quint16> ports;
    for (const auto &server : m_servers)
        ports.append(server->serverPort());
    return ports;
}

void BenchSink::handle(int endpoint, const HttpRequest &request, const HttpResponder &responder)
{
    if (request.path == "/stats") {
        HttpResponse response;
        response.status = 200;
        response.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
        response.body = statsJson();
        responder.respond(response);
        return;
    }
    if (request.path == "/reset") {
        reset();
        responder.respond(HttpResponse::json(200, QJsonObject{{QStringLiteral("reset"), true}}));
        return;
    }
    record(endpoint, request);
    HttpResponse response;
    response.status = 200;
    response.body = QByteArrayLiteral("ok");
    const int delay = m_endpoints.at(endpoint).delayMs;
    if (delay > 0)
        QTimer::singleShot(delay, this, [responder, response] { responder.respond(response); });
    else
        responder.respond(response);
}

void BenchSink::record(int endpoint, const HttpRequest &request)
{
    const qint64 now = BenchClock::nowUs();
    if (m_received == 0)
        m_firstUs = now;
    m_lastUs = now;
    ++m_received;
    ++m_perEndpoint[endpoint];
    m_lastPerEndpoint[endpoint] = now;
    const QByteArray messageId = request.header("webhook-id");
    if (!messageId.isEmpty()) {
        if (m_messageIds.contains(messageId))
            ++m_duplicates;
        else
            m_messageIds.insert(messageId);
    }
    // Latency runs give each event an id "t<microseconds>-<n>": the time it was sent (or is due).
    const qsizetype at = request.body.indexOf("\"id\": \"t");
    const qsizetype compactAt = at < 0 ? request.body.indexOf("\"id\":\"t") : at;
    if (compactAt >= 0) {
        const qsizetype start = request.body.indexOf('t', compactAt + 5) + 1;
        const qsizetype end = request.body.indexOf('-', start);
        bool ok = false;
        const qint64 sentUs = request.body.mid(start, end - start).toLongLong(&ok);
        if (ok && end > start)
            m_latenciesMs.append((now - sentUs) / 1000.0);
    }
}

QByteArray BenchSink::statsJson() const
{
    QList<double> sorted = m_latenciesMs;
    std::sort(sorted.begin(), sorted.end());
    auto percentile = [&sorted](double p) {
        if (sorted.isEmpty())
            return 0.0;
        const qsizetype index = qMin<qsizetype>(sorted.size() - 1, qsizetype(p * double(sorted.size())));
        return sorted.at(index);
    };
    QJsonArray perEndpoint;
    for (qint64 n : m_perEndpoint)
        perEndpoint.append(n);
    QJsonArray lastPerEndpoint;
    for (qint64 us : m_lastPerEndpoint)
        lastPerEndpoint.append(us);
    const QJsonObject stats{
        {QStringLiteral("received"), m_received},
        {QStringLiteral("unique"), qint64(m_messageIds.size())},
        {QStringLiteral("duplicates"), m_duplicates},
        {QStringLiteral("first_us"), m_firstUs},
        {QStringLiteral("last_us"), m_lastUs},
        {QStringLiteral("per_endpoint"), perEndpoint},
        {QStringLiteral("last_us_per_endpoint"), lastPerEndpoint},
        {QStringLiteral("latency_n"), qint64(sorted.size())},
        {QStringLiteral("latency_p50_ms"), percentile(0.50)},
        {QStringLiteral("latency_p95_ms"), percentile(0.95)},
        {QStringLiteral("latency_p99_ms"), percentile(0.99)},
        {QStringLiteral("latency_max_ms"), sorted.isEmpty() ? 0.0 : sorted.constLast()},
    };
    return QJsonDocument(stats).toJson(QJsonDocument::Compact);
}

void BenchSink::reset()
{
    m_received = 0;
    m_duplicates = 0;
    m_firstUs = m_lastUs = 0;
    m_messageIds.clear();
    m_latenciesMs.clear();
    std::fill(m_perEndpoint.begin(), m_perEndpoint.end(), 0);
    std::fill(m_lastPerEndpoint.begin(), m_lastPerEndpoint.end(), 0);
}
