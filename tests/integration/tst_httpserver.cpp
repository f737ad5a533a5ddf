#include "HttpServer.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace {

constexpr int kWaitMs = 5000;

struct RawResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray &lowerName) const
    {
        for (const auto &h : headers) {
            if (h.first == lowerName)
                return h.second;
        }
        return {};
    }

    QJsonObject error() const { return QJsonDocument::fromJson(body).object().value(u"error").toObject(); }
};

// A hand-driven HTTP client: writes raw bytes, collects everything the server sends, and splits it into
// responses (framed by Content-Length, which the server always sends).
class RawClient : public QObject
{
public:
    RawClient()
    {
        connect(&socket, &QTcpSocket::readyRead, this, [this] { received += socket.readAll(); });
        connect(&socket, &QTcpSocket::disconnected, this, [this] { closedByServer = true; });
    }

    bool connectTo(quint16 port)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs);
    }

    void send(const QByteArray &bytes) { socket.write(bytes); }

    QList<RawResponse> responses() const
    {
        QList<RawResponse> result;
        qsizetype offset = 0;
        for (;;) {
            const qsizetype headEnd = received.indexOf("\r\n\r\n", offset);
            if (headEnd < 0)
                break;
            const QList<QByteArray> lines = received.mid(offset, headEnd - offset).split('\n');
            RawResponse response;
            response.status = lines.first().split(' ').value(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines.at(i).trimmed();
                const qsizetype colon = line.indexOf(':');
                response.headers.append({line.left(colon).toLower(), line.mid(colon + 1).trimmed()});
            }
            const qsizetype length = response.header("content-length").toLongLong();
            if (received.size() < headEnd + 4 + length)
                break;
            response.body = received.mid(headEnd + 4, length);
            offset = headEnd + 4 + length;
            result.append(response);
        }
        return result;
    }

    // Final responses only (no 100 Continue).
    QList<RawResponse> finalResponses() const
    {
        QList<RawResponse> result;
        for (const RawResponse &r : responses()) {
            if (r.status >= 200)
                result.append(r);
        }
        return result;
    }

    bool waitForResponses(int count, int timeoutMs = kWaitMs) const
    {
        return QTest::qWaitFor([&] { return finalResponses().size() >= count; }, timeoutMs);
    }

    bool waitForClose(int timeoutMs = kWaitMs) const
    {
        return QTest::qWaitFor([this] { return closedByServer; }, timeoutMs);
    }

    QTcpSocket socket;
    QByteArray received;
    bool closedByServer = false;
};

QByteArray get(const QByteArray &target, const QByteArray &extraHeaders = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "\r\n";
}

QByteArray post(const QByteArray &target, const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "POST " + target +
           " HTTP/1.1\r\nHost: test\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" +
           extraHeaders + "\r\n" + body;
}

// Answers every request with its method, target and body, so tests can tell responses apart.
HttpResponse echo(const HttpRequest &request)
{
    HttpResponse response;
    response.contentType = QByteArrayLiteral("text/plain");
    response.body =
        request.method + ' ' + request.target + (request.body.isEmpty() ? QByteArray() : ' ' + request.body);
    return response;
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void keepAliveServesTwoRequestsOnOneSocket();
    void networkAccessManagerClient();
    void headResponseHasNoBody();
    void pipelinedResponsesKeepRequestOrder();
    void pipelineLimitStopsReading();
    void connectionClose_data();
    void connectionClose();
    void expectContinue();
    void expectContinueRefusedWhenTooLarge();
    void parseErrors_data();
    void parseErrors();
    void payloadTooLargeWhileBodyStillArriving();
    void maxConnections();
    void headerTimeoutStopsSlowloris();
    void bodyTimeout();
    void idleTimeoutClosesSilently();
    void garbageAfterGoodPipelinedRequest();
    void errorWaitsForEarlierResponses();
    void secondResponseIgnored();
    void respondAfterClientLeftIsHarmless();
    void wellBehavedClientsServedDuringAbuse();
    void closeDropsAllConnections();

private:
    void startServer(const HttpServerLimits &limits = {});

    std::unique_ptr<HttpServer> m_server;
    QList<HttpResponder> m_held; // responders a test keeps to answer later
    int m_handled = 0;
};

void TestHttpServer::init()
{
    m_held.clear();
    m_handled = 0;
}

void TestHttpServer::cleanup()
{
    m_server.reset();
}

void TestHttpServer::startServer(const HttpServerLimits &limits)
{
    m_server = std::make_unique<HttpServer>(limits);
    m_server->setHandler([this](const HttpRequest &request, const HttpResponder &responder) {
        ++m_handled;
        responder.respond(echo(request));
    });
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    QVERIFY(m_server->serverPort() != 0);
    QCOMPARE(m_server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
}

void TestHttpServer::keepAliveServesTwoRequestsOnOneSocket()
{
    startServer();
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));

    client.send(get("/first"));
    QVERIFY(client.waitForResponses(1));
    client.send(post("/second?x=1", "payload"));
    QVERIFY(client.waitForResponses(2));

    const QList<RawResponse> responses = client.finalResponses();
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(0).body, QByteArray("GET /first"));
    QCOMPARE(responses.at(0).header("connection"), QByteArray("keep-alive"));
    QCOMPARE(responses.at(0).header("content-type"), QByteArray("text/plain"));
    QVERIFY(!responses.at(0).header("date").isEmpty());
    QCOMPARE(responses.at(1).body, QByteArray("POST /second?x=1 payload"));
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(!client.closedByServer);
    QCOMPARE(m_server->connectionCount(), 1);
    QCOMPARE(m_handled, 2);
}

void TestHttpServer::networkAccessManagerClient()
{
    startServer();
    m_server->setHandler([this](const HttpRequest &request, const HttpResponder &responder) {
        ++m_handled;
        QVERIFY(responder.isValid());
        QCOMPARE(responder.peerAddress(), QHostAddress(QHostAddress::LocalHost));
        QJsonObject object{{QStringLiteral("path"), QString::fromLatin1(request.path)},
                           {QStringLiteral("query"), QString::fromLatin1(request.query)},
                           {QStringLiteral("type"), QString::fromLatin1(request.header("content-type"))},
                           {QStringLiteral("body"), QString::fromUtf8(request.body)}};
        HttpResponse response = HttpResponse::json(202, object);
        response.headers.append({QByteArrayLiteral("X-Tidings"), QByteArrayLiteral("yes")});
        responder.respond(response);
    });

    QNetworkAccessManager manager;
    for (int i = 0; i < 3; ++i) {
        QNetworkRequest request(
            QUrl(QStringLiteral("http://127.0.0.1:%1/v1/notify?n=%2").arg(m_server->serverPort()).arg(i)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        const QByteArray body = R"({"events":[)" + QByteArray::number(i) + "]}";
        std::unique_ptr<QNetworkReply> reply(manager.post(request, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 202);
        QCOMPARE(reply->rawHeader("X-Tidings"), QByteArray("yes"));
        QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(),
                 QStringLiteral("application/json"));
        const QJsonObject echoed = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(echoed.value(u"path").toString(), QStringLiteral("/v1/notify"));
        QCOMPARE(echoed.value(u"query").toString(), QStringLiteral("n=%1").arg(i));
        QCOMPARE(echoed.value(u"type").toString(), QStringLiteral("application/json"));
        QCOMPARE(echoed.value(u"body").toString(), QString::fromUtf8(body));
    }
    QCOMPARE(m_handled, 3);
    // QNetworkAccessManager reuses its keep-alive connection.
    QCOMPARE(m_server->connectionCount(), 1);
}

void TestHttpServer::headResponseHasNoBody()
{
    startServer();
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send("HEAD /h HTTP/1.1\r\nHost: test\r\n\r\n" + get("/g"));

    // "HEAD /h" would be 7 bytes of body; the next response must follow the first head directly.
    QVERIFY(QTest::qWaitFor([&] { return client.received.endsWith("GET /g"); }, kWaitMs));
    const qsizetype firstHeadEnd = client.received.indexOf("\r\n\r\n") + 4;
    QVERIFY(client.received.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(client.received.mid(0, firstHeadEnd).contains("Content-Length: 7\r\n"));
    QVERIFY(client.received.mid(firstHeadEnd).startsWith("HTTP/1.1 200 OK\r\n"));
    QCOMPARE(m_handled, 2);
}

void TestHttpServer::pipelinedResponsesKeepRequestOrder()
{
    startServer();
    QList<int> answerOrder;
    m_server->setHandler([&answerOrder, this](const HttpRequest &request, const HttpResponder &responder) {
        const int n = request.query.toInt();
        ++m_handled;
        // #1 is answered last, #3 first.
        QTimer::singleShot((3 - n) * 60, m_server.get(), [n, request, responder, &answerOrder] {
            answerOrder.append(n);
            responder.respond(echo(request));
        });
    });

    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send(get("/p?1") + post("/p?2", "two") + get("/p?3"));
    QVERIFY(client.waitForResponses(3));

    QCOMPARE(answerOrder, (QList<int>{3, 2, 1}));
    const QList<RawResponse> responses = client.finalResponses();
    QCOMPARE(responses.size(), 3);
    QCOMPARE(responses.at(0).body, QByteArray("GET /p?1"));
    QCOMPARE(responses.at(1).body, QByteArray("POST /p?2 two"));
    QCOMPARE(responses.at(2).body, QByteArray("GET /p?3"));
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
}

void TestHttpServer::pipelineLimitStopsReading()
{
    HttpServerLimits limits;
    limits.maxPipelinedRequests = 2;
    startServer(limits);
    m_server->setHandler([this](const HttpRequest &, const HttpResponder &responder) {
        ++m_handled;
        m_held.append(responder);
    });

    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    QByteArray requests;
    for (int i = 1; i <= 5; ++i)
        requests += get("/r?" + QByteArray::number(i));
    client.send(requests);

    QTRY_COMPARE_WITH_TIMEOUT(m_handled, 2, kWaitMs);
    // The other three are on the wire, but nothing more is parsed until there is room.
    QTest::qWait(100);
    QCOMPARE(m_handled, 2);

    m_held.takeFirst().respond(HttpResponse::json(200, {{QStringLiteral("n"), 1}}));
    QTRY_COMPARE_WITH_TIMEOUT(m_handled, 3, kWaitMs);
    while (m_handled < 5 || !m_held.isEmpty()) {
        QVERIFY(QTest::qWaitFor([this] { return !m_held.isEmpty(); }, kWaitMs));
        m_held.takeFirst().respond(HttpResponse::json(200, {}));
    }
    QVERIFY(client.waitForResponses(5));
    QCOMPARE(client.finalResponses().size(), 5);
    QCOMPARE(client.finalResponses().first().body, QByteArray(R"({"n":1})"));
}

void TestHttpServer::connectionClose_data()
{
    QTest::addColumn<QByteArray>("request");

    QTest::newRow("1.1 Connection: close") << get("/bye", "Connection: close\r\n");
    QTest::newRow("1.0 without keep-alive") << QByteArray("GET /bye HTTP/1.0\r\n\r\n");
}

void TestHttpServer::connectionClose()
{
    QFETCH(QByteArray, request);

    startServer();
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    // The second request must be ignored: nothing after a close is processed.
    client.send(request + get("/ignored"));
    QVERIFY(client.waitForClose());
    const QList<RawResponse> responses = client.finalResponses();
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses.first().body, QByteArray("GET /bye"));
    QCOMPARE(responses.first().header("connection"), QByteArray("close"));
    QCOMPARE(m_handled, 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, kWaitMs);
}

void TestHttpServer::expectContinue()
{
    startServer();
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send("POST /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");

    QVERIFY(QTest::qWaitFor([&] { return !client.responses().isEmpty(); }, kWaitMs));
    QCOMPARE(client.received, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    QCOMPARE(m_handled, 0);

    client.send("hello");
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.finalResponses().first().status, 200);
    QCOMPARE(client.finalResponses().first().body, QByteArray("POST /upload hello"));
    QCOMPARE(client.responses().size(), 2); // the 100 and the 200, nothing else
}

void TestHttpServer::expectContinueRefusedWhenTooLarge()
{
    HttpServerLimits limits;
    limits.request.maxBodyBytes = 10;
    startServer(limits);
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send("POST /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");

    QVERIFY(client.waitForClose());
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 1); // no 100 Continue before the refusal
    QCOMPARE(responses.first().status, 413);
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::parseErrors_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    QTest::newRow("413 from Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n") << 413
        << QStringLiteral("payload_too_large");
    QTest::newRow("413 from chunks")
        << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" +
                      QByteArray(100, 'x') + "\r\n1\r\n")
        << 413 << QStringLiteral("payload_too_large");
    QTest::newRow("431 complete head") << QByteArray(get("/", "X-Big: " + QByteArray(600, 'a') + "\r\n"))
                                       << 431 << QStringLiteral("headers_too_large");
    QTest::newRow("431 endless head") << QByteArray("GET / HTTP/1.1\r\nX-Big: " + QByteArray(600, 'a')) << 431
                                      << QStringLiteral("headers_too_large");
    // A TLS ClientHello: no line end ever comes, yet the refusal must not wait for the header timeout.
    QTest::newRow("400 TLS handshake") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)
                                       << 400 << QStringLiteral("bad_request");
    QTest::newRow("400 missing host")
        << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << QStringLiteral("bad_request");
    QTest::newRow("501 gzip") << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n")
                              << 501 << QStringLiteral("not_implemented");
    QTest::newRow("505 HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505
                                  << QStringLiteral("http_version_not_supported");
}

void TestHttpServer::parseErrors()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, code);

    HttpServerLimits limits;
    limits.request.maxBodyBytes = 100;
    limits.request.maxHeaderBytes = 512;
    startServer(limits);
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send(request);

    QVERIFY(client.waitForClose());
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 1);
    const RawResponse &response = responses.first();
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("connection"), QByteArray("close"));
    QCOMPARE(response.header("content-type"), QByteArray("application/json"));
    QCOMPARE(response.error().value(u"status").toInt(), status);
    QCOMPARE(response.error().value(u"code").toString(), code);
    QVERIFY(!response.error().value(u"message").toString().isEmpty());
    QCOMPARE(m_handled, 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, kWaitMs);
}

void TestHttpServer::payloadTooLargeWhileBodyStillArriving()
{
    HttpServerLimits limits;
    limits.request.maxBodyBytes = 1000;
    startServer(limits);
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    // The client pushes a large body regardless; the 413 must still reach it instead of a reset.
    const QByteArray body(512 * 1024, 'b');
    client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(body.size()) +
                "\r\n\r\n" + body);
    QVERIFY(client.waitForClose());
    QCOMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses().first().status, 413);
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::maxConnections()
{
    HttpServerLimits limits;
    limits.maxConnections = 2;
    startServer(limits);

    RawClient first;
    RawClient second;
    QVERIFY(first.connectTo(m_server->serverPort()));
    QVERIFY(second.connectTo(m_server->serverPort()));
    first.send(get("/a"));
    second.send(get("/b"));
    QVERIFY(first.waitForResponses(1));
    QVERIFY(second.waitForResponses(1));
    QCOMPARE(m_server->connectionCount(), 2);

    RawClient third;
    QVERIFY(third.connectTo(m_server->serverPort()));
    third.send(get("/c"));
    QVERIFY(third.waitForClose());
    const QList<RawResponse> refused = third.responses();
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.first().status, 503);
    QCOMPARE(refused.first().header("connection"), QByteArray("close"));
    QCOMPARE(refused.first().error().value(u"code").toString(), QStringLiteral("service_unavailable"));

    // The first two are unaffected.
    first.send(get("/a2"));
    second.send(get("/b2"));
    QVERIFY(first.waitForResponses(2));
    QVERIFY(second.waitForResponses(2));
    QCOMPARE(first.finalResponses().at(1).body, QByteArray("GET /a2"));
    QCOMPARE(second.finalResponses().at(1).body, QByteArray("GET /b2"));
    QCOMPARE(m_handled, 4);
    QCOMPARE(m_server->connectionCount(), 2);

    // A slot freed is a slot available again.
    first.socket.disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, kWaitMs);
    RawClient fourth;
    QVERIFY(fourth.connectTo(m_server->serverPort()));
    fourth.send(get("/d"));
    QVERIFY(fourth.waitForResponses(1));
    QCOMPARE(fourth.finalResponses().first().status, 200);
}

void TestHttpServer::headerTimeoutStopsSlowloris()
{
    HttpServerLimits limits;
    limits.headerTimeoutMs = 200;
    startServer(limits);
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));

    // One byte every 20 ms: always making progress, never finishing. Progress must not extend the deadline.
    const QByteArray head = get("/slow", "X-Padding: " + QByteArray(100, 'p') + "\r\n");
    qsizetype sent = 0;
    QTimer trickle;
    connect(&trickle, &QTimer::timeout, &client, [&] {
        if (sent < head.size() - 1 && client.socket.state() == QAbstractSocket::ConnectedState)
            client.send(head.mid(sent++, 1));
    });
    QElapsedTimer elapsed;
    elapsed.start();
    trickle.start(20);

    QVERIFY(client.waitForClose());
    QVERIFY2(elapsed.elapsed() < 2000, QByteArray::number(elapsed.elapsed()).constData());
    QVERIFY(sent < head.size() - 1);
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses.first().status, 408);
    QCOMPARE(responses.first().error().value(u"code").toString(), QStringLiteral("request_timeout"));
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::bodyTimeout()
{
    HttpServerLimits limits;
    limits.bodyTimeoutMs = 200;
    startServer(limits);
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");

    QVERIFY(client.waitForClose());
    QCOMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses().first().status, 408);
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::idleTimeoutClosesSilently()
{
    HttpServerLimits limits;
    limits.idleTimeoutMs = 200;
    startServer(limits);

    RawClient used;
    QVERIFY(used.connectTo(m_server->serverPort()));
    used.send(get("/once"));
    QVERIFY(used.waitForResponses(1));
    RawClient silent;
    QVERIFY(silent.connectTo(m_server->serverPort()));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, kWaitMs);

    QVERIFY(used.waitForClose());
    QVERIFY(silent.waitForClose());
    // Nothing but the one response: an idle close has nothing to say.
    QCOMPARE(used.responses().size(), 1);
    QVERIFY(silent.received.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, kWaitMs);
}

void TestHttpServer::garbageAfterGoodPipelinedRequest()
{
    startServer();
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send(get("/good") + "THIS IS NOT HTTP\r\n\r\n" + get("/never"));

    QVERIFY(client.waitForClose());
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 2);
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(0).body, QByteArray("GET /good"));
    QCOMPARE(responses.at(0).header("connection"), QByteArray("keep-alive"));
    QCOMPARE(responses.at(1).status, 400);
    QCOMPARE(responses.at(1).header("connection"), QByteArray("close"));
    QCOMPARE(responses.at(1).error().value(u"code").toString(), QStringLiteral("bad_request"));
    QCOMPARE(m_handled, 1);
}

void TestHttpServer::errorWaitsForEarlierResponses()
{
    startServer();
    m_server->setHandler([this](const HttpRequest &, const HttpResponder &responder) {
        ++m_handled;
        m_held.append(responder);
    });
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send(get("/slow") + "GET / HTTP/9.9\r\n\r\n");

    QTRY_COMPARE_WITH_TIMEOUT(m_handled, 1, kWaitMs);
    QTest::qWait(100);
    // The 505 must not overtake the pending answer to the first request.
    QVERIFY(client.received.isEmpty());
    QVERIFY(!client.closedByServer);

    m_held.first().respond(HttpResponse::json(200, {{QStringLiteral("first"), true}}));
    QVERIFY(client.waitForClose());
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 2);
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(1).status, 505);
}

void TestHttpServer::secondResponseIgnored()
{
    startServer();
    m_server->setHandler([this](const HttpRequest &request, const HttpResponder &responder) {
        ++m_handled;
        responder.respond(echo(request));
        responder.respond(HttpResponse::error(500, "internal_error", QStringLiteral("Must not be sent.")));
    });
    RawClient client;
    QVERIFY(client.connectTo(m_server->serverPort()));
    client.send(get("/one"));
    QVERIFY(client.waitForResponses(1));
    client.send(get("/two"));
    QVERIFY(client.waitForResponses(2));
    const QList<RawResponse> responses = client.responses();
    QCOMPARE(responses.size(), 2);
    QCOMPARE(responses.at(0).body, QByteArray("GET /one"));
    QCOMPARE(responses.at(1).body, QByteArray("GET /two"));
}

void TestHttpServer::respondAfterClientLeftIsHarmless()
{
    startServer();
    m_server->setHandler([this](const HttpRequest &, const HttpResponder &responder) {
        ++m_handled;
        m_held.append(responder);
    });
    {
        RawClient client;
        QVERIFY(client.connectTo(m_server->serverPort()));
        client.send(get("/gone"));
        QTRY_COMPARE_WITH_TIMEOUT(m_handled, 1, kWaitMs);
        QVERIFY(m_held.first().isValid());
        client.socket.abort();
    }
    QTRY_VERIFY_WITH_TIMEOUT(!m_held.first().isValid(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, kWaitMs);
    m_held.first().respond(HttpResponse::json(200, {}));  // must be a harmless no-op
    HttpResponder().respond(HttpResponse::json(200, {})); // so must a default-constructed one
    QVERIFY(!HttpResponder().isValid());

    RawClient next;
    QVERIFY(next.connectTo(m_server->serverPort()));
    next.send(get("/next"));
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), 2, kWaitMs);
    m_held.last().respond(HttpResponse::json(200, {}));
    QVERIFY(next.waitForResponses(1));
}

void TestHttpServer::wellBehavedClientsServedDuringAbuse()
{
    HttpServerLimits limits;
    limits.headerTimeoutMs = 30000; // the slowloris stays for the whole test
    limits.request.maxHeaderBytes = 4096;
    startServer(limits);
    const quint16 port = m_server->serverPort();

    // A slowloris trickling a head.
    RawClient slowloris;
    QVERIFY(slowloris.connectTo(port));
    QTimer trickle;
    connect(&trickle, &QTimer::timeout, &slowloris, [&slowloris] { slowloris.send("X"); });
    slowloris.send("GET / HTTP/1.1\r\nX-Slow: ");
    trickle.start(10);

    // One flooding an endless header, one sending binary garbage, one leaving mid-request, one half-closing.
    RawClient flooder;
    QVERIFY(flooder.connectTo(port));
    flooder.send("GET / HTTP/1.1\r\nX-Flood: " + QByteArray(64 * 1024, 'f'));
    RawClient garbage;
    QVERIFY(garbage.connectTo(port));
    QByteArray junk(4096, '\0');
    for (int i = 0; i < junk.size(); ++i)
        junk[i] = char((i * 7919) % 256);
    garbage.send(junk);
    auto leaver = std::make_unique<RawClient>();
    QVERIFY(leaver->connectTo(port));
    leaver->send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf");
    RawClient halfClosed;
    QVERIFY(halfClosed.connectTo(port));
    halfClosed.send(get("/half"));
    QVERIFY(halfClosed.socket.waitForBytesWritten(kWaitMs));
#ifdef Q_OS_UNIX
    ::shutdown(int(halfClosed.socket.socketDescriptor()), SHUT_WR);
#endif

    // Meanwhile a good client does its work on one keep-alive connection.
    RawClient good;
    QVERIFY(good.connectTo(port));
    for (int i = 0; i < 20; ++i) {
        good.send(post("/v1/notify", QByteArray::number(i)));
        QVERIFY(good.waitForResponses(i + 1));
        if (i == 5)
            leaver.reset();
    }
    const QList<RawResponse> responses = good.finalResponses();
    QCOMPARE(responses.size(), 20);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(responses.at(i).body, "POST /v1/notify " + QByteArray::number(i));
    QVERIFY(!good.closedByServer);

    QVERIFY(flooder.waitForClose());
    QCOMPARE(flooder.responses().value(0).status, 431);
    QVERIFY(garbage.waitForClose());
    QCOMPARE(garbage.responses().value(0).status, 400);
    QVERIFY(!slowloris.closedByServer);

    // The server let go of everyone who left; the slowloris and the good client remain.
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, kWaitMs);
    trickle.stop();
}

void TestHttpServer::closeDropsAllConnections()
{
    startServer();
    RawClient a;
    RawClient b;
    QVERIFY(a.connectTo(m_server->serverPort()));
    QVERIFY(b.connectTo(m_server->serverPort()));
    b.send("GET /partial HTTP/1.1\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, kWaitMs);
    const quint16 port = m_server->serverPort();

    m_server->close();
    QCOMPARE(m_server->connectionCount(), 0);
    QVERIFY(!m_server->isListening());
    QVERIFY(a.waitForClose());
    QVERIFY(b.waitForClose());
    QVERIFY(a.received.isEmpty());

    RawClient late;
    late.socket.connectToHost(QHostAddress::LocalHost, port);
    QSignalSpy refused(&late.socket, &QTcpSocket::errorOccurred);
    QVERIFY(refused.wait(kWaitMs));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
