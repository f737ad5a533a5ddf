// The delivery path's HTTP client against real loopback servers that answer byte for byte as scripted:
// connection reuse, every way an answer can end, and the failures a webhook receiver can produce.
#include "HttpClient.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>

namespace {

// What the scripted server does with one request.
struct Reply
{
    QByteArray bytes;        // written as the answer (may be empty)
    bool closeAfter = false; // then closes the connection
    bool ignore = false;     // writes nothing and keeps the connection open
};

// A loopback server that reads whole requests (head and Content-Length body) and answers each as `script`
// says, given the connection's index and the request's index on that connection, both from 0.
class ScriptedServer : public QObject
{
public:
    std::function<Reply(int connection, int request)> script = [](int, int) {
        return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    };
    QList<QByteArray> requests; // every request as received, head and body
    int connections = 0;
    int closedByClient = 0;

    bool start()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                const int index = connections++;
                auto buffer = std::make_shared<QByteArray>();
                auto served = std::make_shared<int>(0);
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer, served, index] {
                    *buffer += socket->readAll();
                    for (;;) {
                        const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
                        if (headEnd < 0)
                            return;
                        qsizetype length = 0;
                        const qsizetype at = buffer->indexOf("Content-Length: ");
                        if (at >= 0 && at < headEnd)
                            length = buffer->mid(at + 16, buffer->indexOf("\r\n", at) - at - 16).toLongLong();
                        if (buffer->size() < headEnd + 4 + length)
                            return;
                        requests.append(buffer->left(headEnd + 4 + length));
                        buffer->remove(0, headEnd + 4 + length);
                        const Reply reply = script(index, (*served)++);
                        if (reply.ignore)
                            continue;
                        socket->write(reply.bytes);
                        if (reply.closeAfter) {
                            socket->disconnectFromHost();
                            return;
                        }
                    }
                });
                connect(socket, &QTcpSocket::disconnected, socket, [this, socket] {
                    if (socket->error() == QAbstractSocket::RemoteHostClosedError)
                        ++closedByClient;
                    socket->deleteLater();
                });
            }
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    QString url(const QString &path = QStringLiteral("/hook")) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path);
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    QTcpServer m_server;
};

struct Outcome
{
    bool done = false;
    HttpClientResponse response;
};

HttpClientRequest postTo(const QString &url, const QByteArray &body = QByteArrayLiteral("{\"n\":1}"))
{
    HttpClientRequest request;
    request.url = url;
    request.headers = {{"Content-Type", "application/json"}, {"webhook-id", "msg_1"}};
    request.body = body;
    return request;
}

// Sends one request and waits for its answer.
HttpClientResponse exchange(HttpClient &client, const HttpClientRequest &request)
{
    Outcome outcome;
    const quint64 id = client.post(request);
    const QMetaObject::Connection connection = QObject::connect(
        &client, &HttpClient::finished, [&](quint64 finishedId, const HttpClientResponse &r) {
            if (finishedId == id) {
                outcome.done = true;
                outcome.response = r;
            }
        });
    const bool answered = QTest::qWaitFor([&] { return outcome.done; }, 10000);
    QObject::disconnect(connection);
    if (!answered)
        outcome.response.errorClass = QStringLiteral("test: no answer within 10 s");
    return outcome.response;
}

} // namespace

class TestHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void sendsTheRequestAsGiven();
    void reusesOneConnectionForRequestsInTurn();
    void opensOneConnectionPerConcurrentRequest();
    void answersThatEndTheConnectionAreNotReused_data();
    void answersThatEndTheConnectionAreNotReused();
    void resendsOnceWhenAReusedConnectionClosesUnanswered();
    void doesNotResendWhatAFreshConnectionLost();
    void dropsIdleConnectionsTheServerCloses();
    void closesIdleConnectionsAfterTheIdleTimeout();
    void reportsFailuresByClass();
    void abortClosesTheConnectionWithoutAnAnswer();
    void keepsTheFirstBytesOfALongAnswerAndReusesTheConnection();
};

void TestHttpClient::sendsTheRequestAsGiven()
{
    ScriptedServer server;
    QVERIFY(server.start());
    HttpClient client;
    const QByteArray body = "{\"events\":[1,2,3]}";
    const HttpClientResponse response =
        exchange(client, postTo(server.url(QStringLiteral("/a/b%20c?x=1&y=%2F")), body));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("ok"));
    QCOMPARE(response.header("content-length"), QByteArray("2"));
    QCOMPARE(server.requests.size(), 1);
    const QByteArray expected =
        "POST /a/b%20c?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(server.port()) +
        "\r\nContent-Type: application/json\r\nwebhook-id: msg_1\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n" + body;
    QCOMPARE(server.requests.first(), expected);
}

void TestHttpClient::reusesOneConnectionForRequestsInTurn()
{
    ScriptedServer server;
    QVERIFY(server.start());
    HttpClient client;
    for (int i = 0; i < 20; ++i)
        QCOMPARE(exchange(client, postTo(server.url())).status, 200);
    QCOMPARE(server.requests.size(), 20);
    QCOMPARE(server.connections, 1);
    QCOMPARE(client.connectionsOpened(), 1);
    QCOMPARE(client.idleConnections(), 1);
}

void TestHttpClient::opensOneConnectionPerConcurrentRequest()
{
    ScriptedServer server;
    QVERIFY(server.start());
    HttpClient client;
    QSignalSpy finished(&client, &HttpClient::finished);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 8; ++i)
            client.post(postTo(server.url()));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 8 * (round + 1), 10000);
    }
    for (const QList<QVariant> &arguments : std::as_const(finished))
        QCOMPARE(arguments.at(1).value<HttpClientResponse>().status, 200);
    // Eight at once need eight connections; the next rounds ride the same eight.
    QCOMPARE(server.connections, 8);
    QCOMPARE(client.idleConnections(), 8);
}

void TestHttpClient::answersThatEndTheConnectionAreNotReused_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<bool>("serverCloses");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("Connection: close")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok") << true << 200
        << QByteArray("ok");
    QTest::newRow("body up to the close")
        << QByteArray("HTTP/1.1 503 Busy\r\n\r\ntry later") << true << 503 << QByteArray("try later");
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << true << 200
                              << QByteArray("ok");
    QTest::newRow("bytes after the answer")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n") << false << 200
        << QByteArray("ok");
}

void TestHttpClient::answersThatEndTheConnectionAreNotReused()
{
    QFETCH(QByteArray, answer);
    QFETCH(bool, serverCloses);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    ScriptedServer server;
    server.script = [&](int, int) {
        return Reply{answer, serverCloses};
    };
    QVERIFY(server.start());
    HttpClient client;
    for (int i = 0; i < 3; ++i) {
        const HttpClientResponse response = exchange(client, postTo(server.url()));
        QVERIFY2(response.errorClass.isEmpty(), qPrintable(response.errorMessage));
        QCOMPARE(response.status, status);
        QCOMPARE(response.body, body);
    }
    QCOMPARE(server.connections, 3);
    QCOMPARE(client.idleConnections(), 0);
}

void TestHttpClient::resendsOnceWhenAReusedConnectionClosesUnanswered()
{
    // The keep-alive race: the server closes an idle connection just as the next request goes out on it.
    ScriptedServer server;
    server.script = [](int connection, int request) {
        if (connection == 0 && request == 1)
            return Reply{{}, true};
        return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    };
    QVERIFY(server.start());
    HttpClient client;
    QCOMPARE(exchange(client, postTo(server.url())).status, 200);
    const HttpClientResponse second = exchange(client, postTo(server.url()));
    QVERIFY2(second.status == 200, qPrintable(second.errorClass + QLatin1Char(' ') + second.errorMessage));
    QCOMPARE(server.connections, 2);
    QCOMPARE(server.requests.size(), 3);
    QCOMPARE(server.requests.at(1), server.requests.at(2)); // the same request, sent again
}

void TestHttpClient::doesNotResendWhatAFreshConnectionLost()
{
    ScriptedServer server;
    server.script = [](int, int) {
        return Reply{{}, true};
    };
    QVERIFY(server.start());
    HttpClient client;
    const HttpClientResponse response = exchange(client, postTo(server.url()));
    QCOMPARE(response.status, 0);
    QCOMPARE(response.errorClass, QStringLiteral("connect"));
    QVERIFY2(response.errorMessage.contains(QStringLiteral("without answering")),
             qPrintable(response.errorMessage));
    QCOMPARE(server.requests.size(), 1);

    // A reused connection that dies in the middle of an answer is not resent either: the server read it.
    ScriptedServer halfway;
    halfway.script = [](int, int request) {
        return request == 0 ? Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}
                            : Reply{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", true};
    };
    QVERIFY(halfway.start());
    QCOMPARE(exchange(client, postTo(halfway.url())).status, 200);
    const HttpClientResponse cut = exchange(client, postTo(halfway.url()));
    QCOMPARE(cut.status, 0);
    QCOMPARE(cut.errorClass, QStringLiteral("connect"));
    QVERIFY2(cut.errorMessage.contains(QStringLiteral("in the middle")), qPrintable(cut.errorMessage));
    QCOMPARE(halfway.requests.size(), 2);
}

void TestHttpClient::dropsIdleConnectionsTheServerCloses()
{
    ScriptedServer server;
    QVERIFY(server.start());
    HttpClient client;
    QCOMPARE(exchange(client, postTo(server.url())).status, 200);
    QCOMPARE(client.idleConnections(), 1);
    // The server's keep-alive timeout: it closes the idle connection; the client notices and lets it go.
    server.script = [](int, int) {
        return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true};
    };
    QCOMPARE(exchange(client, postTo(server.url())).status, 200); // answered, then closed by the server
    QTRY_COMPARE(client.idleConnections(), 0);
    server.script = [](int, int) {
        return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    };
    QCOMPARE(exchange(client, postTo(server.url())).status, 200);
    QCOMPARE(server.connections, 2);
}

void TestHttpClient::closesIdleConnectionsAfterTheIdleTimeout()
{
    ScriptedServer server;
    QVERIFY(server.start());
    HttpClient client;
    QCOMPARE(exchange(client, postTo(server.url())).status, 200);
    QCOMPARE(client.idleConnections(), 1);
    QTest::qWait(HttpClient::idleTimeoutMs / 2);
    QCOMPARE(client.idleConnections(), 1); // not yet
    QTRY_COMPARE_WITH_TIMEOUT(client.idleConnections(), 0, HttpClient::idleTimeoutMs * 2);
    QTRY_COMPARE(server.closedByClient, 1);
}

void TestHttpClient::reportsFailuresByClass()
{
    HttpClient client;
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 freePort = closed.serverPort();
    closed.close();

    HttpClientResponse refused =
        exchange(client, postTo(QStringLiteral("http://127.0.0.1:%1/").arg(freePort)));
    QCOMPARE(refused.errorClass, QStringLiteral("connect"));
    QVERIFY(!refused.errorMessage.isEmpty());

    HttpClientResponse unknownHost =
        exchange(client, postTo(QStringLiteral("http://no-such-host.invalid/hook")));
    QCOMPARE(unknownHost.errorClass, QStringLiteral("dns"));

    HttpClientResponse scheme = exchange(client, postTo(QStringLiteral("ftp://127.0.0.1/hook")));
    QCOMPARE(scheme.errorClass, QStringLiteral("invalid_target"));
    QVERIFY(scheme.errorMessage.contains(QStringLiteral("http://")));

    ScriptedServer server;
    QVERIFY(server.start());
    HttpClientRequest injected = postTo(server.url());
    injected.headers.append({QByteArray("X-Note"), QByteArray("a\r\nX-Forged: yes")});
    const HttpClientResponse refusedHeader = exchange(client, injected);
    QCOMPARE(refusedHeader.errorClass, QStringLiteral("invalid_target"));
    QCOMPARE(server.requests.size(), 0); // nothing went out

    server.script = [](int, int) {
        return Reply{"SSH-2.0-OpenSSH_9.2\r\n", false};
    };
    const HttpClientResponse notHttp = exchange(client, postTo(server.url()));
    QCOMPARE(notHttp.errorClass, QStringLiteral("network"));
    QVERIFY2(notHttp.errorMessage.contains(QStringLiteral("status line")), qPrintable(notHttp.errorMessage));
}

void TestHttpClient::abortClosesTheConnectionWithoutAnAnswer()
{
    ScriptedServer server;
    server.script = [](int, int) {
        return Reply{{}, false, true};
    };
    QVERIFY(server.start());
    HttpClient client;
    QSignalSpy finished(&client, &HttpClient::finished);
    const quint64 id = client.post(postTo(server.url()));
    QTRY_COMPARE(server.requests.size(), 1);
    client.abort(id);
    QTRY_COMPARE(server.closedByClient, 1);
    QTest::qWait(50);
    QCOMPARE(finished.size(), 0);
    QCOMPARE(client.idleConnections(), 0);
}

void TestHttpClient::keepsTheFirstBytesOfALongAnswerAndReusesTheConnection()
{
    ScriptedServer server;
    const QByteArray big(1024 * 1024, 'b');
    server.script = [&](int, int) {
        return Reply{"HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(big.size()) + "\r\n\r\n" +
                     big};
    };
    QVERIFY(server.start());
    HttpClient client;
    HttpClientRequest request = postTo(server.url());
    request.keptResponseBytes = 1000;
    for (int i = 0; i < 2; ++i) {
        const HttpClientResponse response = exchange(client, request);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray(1000, 'b'));
    }
    QCOMPARE(server.connections, 1);
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
