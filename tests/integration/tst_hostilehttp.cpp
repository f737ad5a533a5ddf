// Hostile HTTP against the real engine intake: one table of malformed, oversized, slow, smuggling and
// protocol-confused requests over raw sockets, each with the answer it must get (or a silent close) and
// whether the connection survives. A well-behaved registry stand-in keeps POSTing over keep-alive the whole
// time, from the same event loop, and must only ever get 202s. The table runs once row by row and once all
// at once, and the connection limit has a test of its own.

#include "EngineFixture.h"
#include "EventFactory.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTimer>
#include <QUuid>
#include <QtTest>

#include <memory>

// One write of a script: wait afterMs (from the previous step), then send bytes.
struct Step
{
    int afterMs = 0;
    QByteArray bytes;
};
using Script = QList<Step>;
Q_DECLARE_METATYPE(Script)

namespace {

// Small limits, so the slow rows take a fraction of a second.
constexpr int kMaxConnections = 16;
constexpr int kHeaderTimeoutMs = 300;
constexpr int kBodyTimeoutMs = 500;
constexpr int kIdleTimeoutMs = 500;
constexpr qsizetype kMaxBodyBytes = 1024 * 1024; // the default
// Everything a row expects happens well within this.
constexpr int kRowMs = 5000;

const QByteArray kContentType = "application/vnd.docker.distribution.events.v1+json";

QByteArray freshEnvelope()
{
    return EventFactory::envelopeOf({});
}

QByteArray head(const QByteArray &method, const QByteArray &target, const QByteArray &fields)
{
    return method + ' ' + target + " HTTP/1.1\r\nHost: tidings.test\r\n" + fields + "\r\n";
}

// A complete, valid POST /v1/notify with a fresh event unless a body is given.
QByteArray notify(const QByteArray &body = freshEnvelope(), const QByteArray &extraFields = {})
{
    return head("POST", "/v1/notify",
                "Content-Type: " + kContentType + "\r\nContent-Length: " + QByteArray::number(body.size()) +
                    "\r\n" + extraFields) +
           body;
}

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

QByteArray chunkedNotify(const QByteArray &chunkedBody, const QByteArray &extraFields = {})
{
    return head("POST", "/v1/notify",
                "Content-Type: " + kContentType + "\r\nTransfer-Encoding: chunked\r\n" + extraFields) +
           chunkedBody;
}

QByteArray withNul(const QByteArray &before, const QByteArray &after)
{
    return before + QByteArray(1, '\0') + after;
}

QByteArray statusList(const QList<int> &statuses)
{
    QByteArrayList parts;
    for (int status : statuses)
        parts.append(QByteArray::number(status));
    return '[' + parts.join(", ") + ']';
}

Script once(const QByteArray &bytes)
{
    return Script{Step{0, bytes}};
}

// The bytes split into pieces of `size`, one every `everyMs`.
Script trickle(const QByteArray &bytes, int size, int everyMs, int firstAfterMs = 0)
{
    Script script;
    for (qsizetype i = 0; i < bytes.size(); i += size)
        script.append(Step{i == 0 ? firstAfterMs : everyMs, bytes.mid(i, size)});
    return script;
}

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
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const { return json().value(u"error").toObject().value(u"code").toString(); }
};

// One raw connection playing a script: connects, writes each step on time, collects everything the server
// sends and notices when it closes. Responses are split by Content-Length, which the engine always sends.
class RawExchange : public QObject
{
public:
    explicit RawExchange(Script script)
        : m_script(std::move(script))
    {
        m_stepTimer.setSingleShot(true);
        connect(&m_stepTimer, &QTimer::timeout, this, &RawExchange::writeStep);
        connect(&socket, &QTcpSocket::connected, this, [this] {
            clock.start();
            scheduleStep();
        });
        connect(&socket, &QTcpSocket::readyRead, this, [this] {
            received += socket.readAll();
            if (!m_followUp.isEmpty() && responses().size() >= m_followUpAfter)
                send(std::exchange(m_followUp, {}));
        });
        connect(&socket, &QTcpSocket::disconnected, this, &RawExchange::markClosed);
        connect(&socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
            if (error == QAbstractSocket::RemoteHostClosedError || error == QAbstractSocket::NetworkError)
                markClosed();
            else
                socketError = socket.errorString();
        });
    }

    ~RawExchange() override
    {
        // Reset rather than close: the server lets go of the slot at once.
        socket.disconnect(this);
        socket.abort();
    }

    void start(quint16 port) { socket.connectToHost(QHostAddress::LocalHost, port); }
    bool isConnected() const { return socket.state() == QAbstractSocket::ConnectedState; }
    bool scriptDone() const { return m_next >= m_script.size(); }
    void send(const QByteArray &bytes)
    {
        ++sent;
        socket.write(bytes);
    }
    // Sends `bytes` as soon as `afterResponses` answers are in, on the same connection.
    void followUpWith(const QByteArray &bytes, qsizetype afterResponses)
    {
        m_followUp = bytes;
        m_followUpAfter = afterResponses;
    }

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
            if (response.status >= 200) // 100 Continue is not an answer
                result.append(response);
        }
        return result;
    }

    QByteArray received;
    int sent = 0; // requests written with send()
    bool closed = false;
    qint64 closedAtMs = -1; // since connected
    QString socketError;
    QElapsedTimer clock;
    QTcpSocket socket;

private:
    void scheduleStep()
    {
        if (scriptDone() || closed)
            return;
        m_stepTimer.start(m_script.at(m_next).afterMs);
    }
    void writeStep()
    {
        if (closed || !isConnected())
            return;
        socket.write(m_script.at(m_next++).bytes);
        scheduleStep();
    }
    void markClosed()
    {
        if (closed)
            return;
        closed = true;
        closedAtMs = clock.isValid() ? clock.elapsed() : 0;
        if (socket.isOpen())
            received += socket.readAll();
        m_stepTimer.stop();
    }

    Script m_script;
    qsizetype m_next = 0;
    QTimer m_stepTimer;
    QByteArray m_followUp;
    qsizetype m_followUpAfter = 0;
};

// The well-behaved registry: POSTs one fresh event after another on one keep-alive connection, driven by the
// event loop, so it runs while the test waits for the hostile rows.
class GoodClient : public QObject
{
public:
    explicit GoodClient(QUrl url)
        : m_url(std::move(url))
    {
        m_pause.setSingleShot(true);
        m_pause.setInterval(10);
        connect(&m_pause, &QTimer::timeout, this, &GoodClient::sendNext);
    }

    void start()
    {
        m_running = true;
        sendNext();
    }
    void stop() { m_running = false; }
    bool idle() const { return m_inFlight == nullptr; }

    int accepted = 0; // 202s
    QStringList failures;

private:
    void sendNext()
    {
        if (!m_running || m_inFlight)
            return;
        QNetworkRequest request(m_url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, kContentType);
        request.setTransferTimeout(10000);
        m_clock.start();
        m_inFlight = m_network.post(request, freshEnvelope());
        connect(m_inFlight, &QNetworkReply::finished, this, [this] {
            QNetworkReply *reply = std::exchange(m_inFlight, nullptr);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
            if (status == 202 && json.value(u"accepted").toInt() == 1)
                ++accepted;
            else
                failures.append(QStringLiteral("request %1: status %2 (%3) after %4 ms")
                                    .arg(accepted + failures.size() + 1)
                                    .arg(status)
                                    .arg(reply->errorString())
                                    .arg(m_clock.elapsed()));
            reply->deleteLater();
            if (m_running)
                m_pause.start();
        });
    }

    QUrl m_url;
    QNetworkAccessManager m_network;
    QNetworkReply *m_inFlight = nullptr;
    QTimer m_pause;
    QElapsedTimer m_clock;
    bool m_running = false;
};

// What the server does with a connection after its answers.
enum class Then
{
    Stays,   // keep-alive: it answers one more, good request on it
    Closes,  // closes it right after the last answer, which says Connection: close
    GoesIdle // keeps it until the idle timeout, then closes it without a word
};

// One row of the table.
struct Row
{
    const char *name;
    Script script;
    QList<int> statuses; // the final answers in order; empty: none
    Then then;           // what becomes of the connection after them
    QString code;        // the error code of the last answer, when it is an error
};

QList<Row> hostileRows()
{
    QList<Row> rows;
    const auto add = [&rows](const char *name, Script script, QList<int> statuses, Then then,
                             const char *code = "") {
        rows.append(Row{name, std::move(script), std::move(statuses), then, QString::fromLatin1(code)});
    };
    const QByteArray v1 = "Content-Type: " + kContentType + "\r\n";

    // Controls: the same shapes, well formed.
    add("control: valid POST", once(notify()), {202}, Then::Stays);
    add("control: valid chunked POST", once(chunkedNotify(chunk(freshEnvelope()) + "0\r\n\r\n")), {202},
        Then::Stays);
    add("control: chunked POST with trailer",
        once(chunkedNotify(chunk(freshEnvelope()) + "0\r\nX-Trailer: t\r\n\r\n")), {202}, Then::Stays);
    {
        const QByteArray request = notify();
        const qsizetype headEnd = request.indexOf("\r\n\r\n") + 4;
        Script script = trickle(request.left(headEnd), 64, 30);
        script.append(Step{30, request.mid(headEnd)});
        add("control: head in pieces within the header timeout", script, {202}, Then::Stays);
    }
    {
        const QByteArray body = freshEnvelope();
        const QByteArray length = "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        add("control: identical duplicate Content-Length",
            once(head("POST", "/v1/notify", v1 + length + length) + body), {202}, Then::Stays);
    }

    {
        const QByteArray request = notify(freshEnvelope(), "Expect: 100-continue\r\n");
        const qsizetype headEnd = request.indexOf("\r\n\r\n") + 4;
        add("control: Expect: 100-continue, body after a pause",
            Script{Step{0, request.left(headEnd)}, Step{100, request.mid(headEnd)}}, {202}, Then::Stays);
    }
    {
        // More than the 32 requests a connection may have waiting for answers: reading pauses, nothing is
        // lost.
        QByteArray many;
        for (int i = 0; i < 40; ++i)
            many += notify();
        add("control: 40 requests pipelined", once(many), QList<int>(40, 202), Then::Stays);
    }

    // Malformed request lines.
    add("request line without version", once("POST /v1/notify\r\nHost: t\r\n\r\n"), {400}, Then::Closes,
        "bad_request");
    add("two spaces in the request line", once("POST  /v1/notify HTTP/1.1\r\nHost: t\r\n\r\n"), {400},
        Then::Closes, "bad_request");
    add("lower-case version", once("POST /v1/notify http/1.1\r\nHost: t\r\n\r\n"), {400}, Then::Closes,
        "bad_request");
    add("absolute-form target", once("POST http://evil.test/v1/notify HTTP/1.1\r\nHost: t\r\n\r\n"), {400},
        Then::Closes, "bad_request");
    add("method is not a token", once("PO(ST /v1/notify HTTP/1.1\r\nHost: t\r\n\r\n"), {400}, Then::Closes,
        "bad_request");
    add("control byte in the target", once("POST /v1/\x01notify HTTP/1.1\r\nHost: t\r\n\r\n"), {400},
        Then::Closes, "bad_request");
    add("raw UTF-8 in the target", once("POST /v1/n\xc3\xb6tify HTTP/1.1\r\nHost: t\r\n\r\n"), {400},
        Then::Closes, "bad_request");
    add("NUL in the request line", once(withNul("POST /v1/notify", " HTTP/1.1\r\nHost: t\r\n\r\n")), {400},
        Then::Closes, "bad_request");
    add("HTTP/1.2", once("POST /v1/notify HTTP/1.2\r\nHost: t\r\n\r\n"), {505}, Then::Closes,
        "http_version_not_supported");
    add("HTTP/3.0 request line", once("GET / HTTP/3.0\r\n\r\n"), {505}, Then::Closes,
        "http_version_not_supported");
    add("bare LF line ends", once("POST /v1/notify HTTP/1.1\nHost: t\n\n"), {400}, Then::Closes,
        "bad_request");
    add("bare CR inside a header", once("POST /v1/notify HTTP/1.1\r\nHost: t\rX: y\r\n\r\n"), {400},
        Then::Closes, "bad_request");
    add("too many leading empty lines", once(QByteArray(40, '\n').replace("\n", "\r\n")), {400}, Then::Closes,
        "bad_request");

    // Header fields.
    add("no Host", once("POST /v1/notify HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), {400}, Then::Closes,
        "bad_request");
    add("two Host fields", once(notify(freshEnvelope(), "Host: other.test\r\n")), {400}, Then::Closes,
        "bad_request");
    add("obsolete line folding", once(notify(freshEnvelope(), "X-Folded: a\r\n b\r\n")), {400}, Then::Closes,
        "bad_request");
    add("space before the colon", once(notify(freshEnvelope(), "X-Space : a\r\n")), {400}, Then::Closes,
        "bad_request");
    add("header without colon", once(notify(freshEnvelope(), "NoColonHere\r\n")), {400}, Then::Closes,
        "bad_request");
    add("NUL in a header value", once(notify(freshEnvelope(), withNul("X-Nul: a", "b\r\n"))), {400},
        Then::Closes, "bad_request");
    add("NUL in a header name", once(notify(freshEnvelope(), withNul("X-N", "l: a\r\n"))), {400},
        Then::Closes, "bad_request");

    // Content-Length.
    add("Content-Length not a number", once(head("POST", "/v1/notify", v1 + "Content-Length: ten\r\n")),
        {400}, Then::Closes, "bad_request");
    add("negative Content-Length", once(head("POST", "/v1/notify", v1 + "Content-Length: -1\r\n")), {400},
        Then::Closes, "bad_request");
    add("Content-Length with a sign", once(head("POST", "/v1/notify", v1 + "Content-Length: +5\r\n")), {400},
        Then::Closes, "bad_request");
    add("Content-Length in hex", once(head("POST", "/v1/notify", v1 + "Content-Length: 0x10\r\n")), {400},
        Then::Closes, "bad_request");
    add("conflicting Content-Length fields",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 5\r\nContent-Length: 6\r\n") + "12345"), {400},
        Then::Closes, "bad_request");
    add("conflicting Content-Length list",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 5, 6\r\n") + "12345"), {400}, Then::Closes,
        "bad_request");
    add("Content-Length of 25 digits",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 9999999999999999999999999\r\n")), {413},
        Then::Closes, "payload_too_large");
    add("Content-Length shorter than the body: the rest is a second, broken request",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 12\r\n") + freshEnvelope()), {400, 400},
        Then::Closes, "bad_request");

    // Chunked bodies.
    add("chunk size not hex", once(chunkedNotify("zz\r\nabc\r\n0\r\n\r\n")), {400}, Then::Closes,
        "bad_request");
    add("negative chunk size", once(chunkedNotify("-5\r\nabcde\r\n0\r\n\r\n")), {400}, Then::Closes,
        "bad_request");
    add("chunk size overflowing 64 bits", once(chunkedNotify("1" + QByteArray(20, '0') + "\r\n")), {400},
        Then::Closes, "bad_request");
    add("chunk size with trailing junk", once(chunkedNotify("5 x\r\nabcde\r\n0\r\n\r\n")), {400},
        Then::Closes, "bad_request");
    add("chunk shorter than its size", once(chunkedNotify("5\r\nabc\r\n0\r\n\r\n")), {400}, Then::Closes,
        "bad_request");
    add("chunk longer than its size", once(chunkedNotify("2\r\nabcde\r\n0\r\n\r\n")), {400}, Then::Closes,
        "bad_request");
    add("chunk size over the body limit",
        once(chunkedNotify(QByteArray::number(kMaxBodyBytes + 1, 16) + "\r\n")), {413}, Then::Closes,
        "payload_too_large");
    add("huge chunk extension", once(chunkedNotify("5;ext=" + QByteArray(8000, 'e') + "\r\nabcde\r\n")),
        {400}, Then::Closes, "bad_request");
    add("control byte in a chunk extension", once(chunkedNotify("5;a=\x01\r\nabcde\r\n0\r\n\r\n")), {400},
        Then::Closes, "bad_request");
    add("chunked twice", once(chunkedNotify("0\r\n\r\n", "Transfer-Encoding: chunked\r\n")), {400},
        Then::Closes, "bad_request");
    add("gzip transfer coding", once(head("POST", "/v1/notify", v1 + "Transfer-Encoding: gzip\r\n")), {501},
        Then::Closes, "not_implemented");
    add("chunked in HTTP/1.0",
        once("POST /v1/notify HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), {400},
        Then::Closes, "bad_request");

    // Request smuggling: whatever a front proxy might make of these, the intake refuses them whole.
    const QByteArray smuggled = notify();
    add("CL.TE: Content-Length and Transfer-Encoding",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") +
             "0\r\n\r\n" + smuggled),
        {400}, Then::Closes, "bad_request");
    add("TE.CL: Transfer-Encoding first",
        once(head("POST", "/v1/notify",
                  v1 + "Transfer-Encoding: chunked\r\nContent-Length: " +
                      QByteArray::number(smuggled.size()) + "\r\n") +
             smuggled),
        {400}, Then::Closes, "bad_request");
    add("Transfer-Encoding with space before the colon",
        once(head("POST", "/v1/notify", v1 + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n") +
             "0\r\n\r\n"),
        {400}, Then::Closes, "bad_request");
    add("Transfer-Encoding with a vertical tab",
        once(head("POST", "/v1/notify",
                  v1 + "Transfer-Encoding:\x0b"
                       "chunked\r\n") +
             "0\r\n\r\n"),
        {400}, Then::Closes, "bad_request");
    add("Transfer-Encoding xchunked",
        once(head("POST", "/v1/notify", v1 + "Transfer-Encoding: xchunked\r\n")), {501}, Then::Closes,
        "not_implemented");
    add("Transfer-Encoding chunked, identity",
        once(head("POST", "/v1/notify", v1 + "Transfer-Encoding: chunked, identity\r\n")), {501},
        Then::Closes, "not_implemented");

    // Oversize heads and bodies.
    add("one header over 16 KiB",
        once(notify(freshEnvelope(), "X-Big: " + QByteArray(17 * 1024, 'a') + "\r\n")), {431}, Then::Closes,
        "headers_too_large");
    add("request target over 16 KiB", once(head("GET", "/" + QByteArray(17 * 1024, 'a'), {})), {431},
        Then::Closes, "headers_too_large");
    add("endless header line", once("POST /v1/notify HTTP/1.1\r\nX-Endless: " + QByteArray(64 * 1024, 'e')),
        {431}, Then::Closes, "headers_too_large");
    {
        QByteArray many;
        for (int i = 0; i < 10000; ++i)
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        add("10k header fields", once(notify(freshEnvelope(), many)), {431}, Then::Closes,
            "headers_too_large");
    }
    add("body over the limit, by Content-Length",
        once(head("POST", "/v1/notify",
                  v1 + "Content-Length: " + QByteArray::number(kMaxBodyBytes + 1) + "\r\n")),
        {413}, Then::Closes, "payload_too_large");
    add("body over the limit, sent anyway",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 2000000\r\n") + QByteArray(2000000, 'b')),
        {413}, Then::Closes, "payload_too_large");
    add("body over the limit with Expect: 100-continue",
        once(head("POST", "/v1/notify",
                  v1 + "Expect: 100-continue\r\nContent-Length: " + QByteArray::number(kMaxBodyBytes + 1) +
                      "\r\n")),
        {413}, Then::Closes, "payload_too_large");
    add("chunked body growing over the limit",
        once(chunkedNotify(chunk(QByteArray(600 * 1024, 'c')) + chunk(QByteArray(600 * 1024, 'c')))), {413},
        Then::Closes, "payload_too_large");

    // Slow clients.
    add("slowloris head, a byte every 40 ms", trickle(notify(), 1, 40), {408}, Then::Closes,
        "request_timeout");
    add("head started, then silence", once("POST /v1/notify HTTP/1.1\r\nHost: t\r\n"), {408}, Then::Closes,
        "request_timeout");
    add("body stops halfway",
        once(head("POST", "/v1/notify", v1 + "Content-Length: 100\r\n") + QByteArray(50, '{')), {408},
        Then::Closes, "request_timeout");
    {
        const QByteArray body = freshEnvelope();
        const QByteArray h =
            head("POST", "/v1/notify", v1 + "Content-Length: " + QByteArray::number(body.size()) + "\r\n");
        Script script = once(h);
        script += trickle(body, 1, 40, 40);
        add("body trickling a byte every 40 ms", script, {408}, Then::Closes, "request_timeout");
    }
    add("chunked body that never ends", once(chunkedNotify(chunk("{\"events\":"))), {408}, Then::Closes,
        "request_timeout");
    add("connects and says nothing", Script{}, {}, Then::GoesIdle);
    add("empty lines, then nothing", once("\r\n\r\n"), {}, Then::GoesIdle);
    {
        Script script = once(notify());
        script.append(Step{1200, notify()}); // after the idle timeout
        add("idle after a good request", script, {202}, Then::GoesIdle);
    }

    // Pipelining.
    add("two good requests pipelined", once(notify() + notify()), {202, 202}, Then::Stays);
    add("garbage pipelined after a good request", once(notify() + "THIS IS NOT HTTP\r\n\r\n" + notify()),
        {202, 400}, Then::Closes, "bad_request");
    add("binary junk pipelined after a good request",
        once(notify() + QByteArray("\x00\xff\xfe\x01\x02", 5) + notify()), {202, 400}, Then::Closes,
        "bad_request");
    add("nothing is read after Connection: close",
        once(notify(freshEnvelope(), "Connection: close\r\n") + notify()), {202}, Then::Closes);
    {
        const QByteArray body = freshEnvelope();
        add("HTTP/1.0 without keep-alive",
            once("POST /v1/notify HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\n\r\n" + body),
            {202}, Then::Closes);
    }

    // Other protocols.
    add("HTTP/2 preface", once("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), {400}, Then::Closes, "bad_request");
    add("TLS ClientHello",
        once(QByteArray::fromHex("160301020001000200fc0303") + QByteArray(32, '\x11') +
             QByteArray::fromHex("20") + QByteArray(32, '\x22')),
        {400}, Then::Closes, "bad_request");
    add("SSH banner", once("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), {400}, Then::Closes, "bad_request");
    {
        QByteArray junk(4096, '\0');
        for (int i = 0; i < junk.size(); ++i)
            junk[i] = char((i * 7919 + 13) % 256);
        add("binary garbage", once(junk), {400}, Then::Closes, "bad_request");
    }

    // Bodies: well-framed HTTP whose content is not an envelope. The connection stays usable.
    add("invalid UTF-8 in a string",
        once(notify(
            "{\"events\":[{\"id\":\"a\xff\xfe\",\"action\":\"push\",\"target\":{\"repository\":\"r\"}}]}")),
        {400}, Then::Stays, "invalid_envelope");
    add("UTF-8 encoded surrogate",
        once(notify("{\"events\":[{\"id\":\"\xed\xa0\x80\",\"action\":\"push\",\"target\":{\"repository\":"
                    "\"r\"}}]}")),
        {400}, Then::Stays, "invalid_envelope");
    add("overlong UTF-8 encoding",
        once(notify(
            "{\"events\":[{\"id\":\"\xc0\xaf\",\"action\":\"push\",\"target\":{\"repository\":\"r\"}}]}")),
        {400}, Then::Stays, "invalid_envelope");
    add("arrays nested 200k deep", once(notify(QByteArray(200000, '['))), {400}, Then::Stays,
        "invalid_envelope");
    add("objects nested 50k deep inside an event",
        once(notify(
            "{\"events\":[{\"id\":\"x\",\"action\":\"push\",\"target\":{\"repository\":\"r\"},\"deep\":" +
            QByteArray(50000, '{').replace("{", "{\"a\":") + "1" + QByteArray(50000, '}') + "}]}")),
        {400}, Then::Stays, "invalid_envelope");
    add("JSON array", once(notify("[1,2,3]")), {400}, Then::Stays, "invalid_envelope");
    add("JSON string", once(notify("\"events\"")), {400}, Then::Stays, "invalid_envelope");
    add("JSON null", once(notify("null")), {400}, Then::Stays, "invalid_envelope");
    add("object without events", once(notify("{\"event\":[]}")), {400}, Then::Stays, "invalid_envelope");
    add("events is an object", once(notify("{\"events\":{}}")), {400}, Then::Stays, "invalid_envelope");
    add("events of numbers", once(notify("{\"events\":[1,2]}")), {400}, Then::Stays, "invalid_envelope");
    add("event without target", once(notify("{\"events\":[{\"id\":\"x\",\"action\":\"push\"}]}")), {400},
        Then::Stays, "invalid_envelope");
    add("id is a number",
        once(notify("{\"events\":[{\"id\":7,\"action\":\"push\",\"target\":{\"repository\":\"r\"}}]}")),
        {400}, Then::Stays, "invalid_envelope");
    add("trailing garbage after the JSON", once(notify(freshEnvelope() + "}{")), {400}, Then::Stays,
        "invalid_envelope");
    add("empty body", once(head("POST", "/v1/notify", v1 + "Content-Length: 0\r\n")), {400}, Then::Stays,
        "invalid_envelope");
    {
        QByteArray many = "{\"events\":[";
        for (int i = 0; i < 1001; ++i)
            many += (i ? "," : "") + QByteArray("{\"id\":\"e") + QByteArray::number(i) +
                    "\",\"action\":\"push\",\"target\":{\"repository\":\"r\"}}";
        many += "]}";
        add("1001 events", once(notify(many)), {400}, Then::Stays, "invalid_envelope");
    }
    add("text/plain body", once(notify(freshEnvelope()).replace(kContentType, "text/plain")), {415},
        Then::Stays, "unsupported_media_type");
    add("GET the intake", once(head("GET", "/v1/notify", {})), {405}, Then::Stays, "method_not_allowed");
    add("another path", once(head("POST", "/admin", "Content-Length: 0\r\n")), {404}, Then::Stays,
        "not_found");
    return rows;
}

int countEvents(const QString &path)
{
    int count = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("count"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(QStringLiteral("SELECT COUNT(*) FROM events")) && query.next())
                count = query.value(0).toInt();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("count"));
    return count;
}

} // namespace

class TestHostileHttp : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void table_data();
    void table();
    void tableAllAtOnce();
    void connectionLimit();

private:
    quint16 port() const { return quint16(m_fixture.intakeUrl().port()); }
    // Runs rows side by side, each on its own connection, and checks each outcome.
    void runRows(const QList<Row> &rows);
    // The good client got only 202s so far, and got one more after `since`.
    void verifyGoodClientServed(int since);

    EngineFixture m_fixture;
    std::unique_ptr<GoodClient> m_good;
    int m_goodBefore = 0;
    int m_acceptedByRows = 0; // events the table's own 202s stored
};

void TestHostileHttp::initTestCase()
{
    // The engine's per-request debug lines would drown the table's output.
    QLoggingCategory::setFilterRules(QStringLiteral("tidings.*.debug=false"));
    QVERIFY2(m_fixture.isValid(), qPrintable(m_fixture.lastError()));
    EngineConfig config = m_fixture.config();
    config.maxBodyBytes = kMaxBodyBytes;
    config.maxConnections = kMaxConnections;
    config.headerTimeoutMs = kHeaderTimeoutMs;
    config.bodyTimeoutMs = kBodyTimeoutMs;
    config.idleTimeoutMs = kIdleTimeoutMs;
    QVERIFY2(m_fixture.start(config), qPrintable(m_fixture.lastError()));
    m_good = std::make_unique<GoodClient>(m_fixture.intakeUrl());
    m_good->start();
    QTRY_VERIFY_WITH_TIMEOUT(m_good->accepted > 0, kRowMs);
}

void TestHostileHttp::init()
{
    m_goodBefore = m_good->accepted;
}

void TestHostileHttp::cleanup()
{
    verifyGoodClientServed(m_goodBefore);
}

void TestHostileHttp::cleanupTestCase()
{
    m_good->stop();
    QTRY_VERIFY_WITH_TIMEOUT(m_good->idle(), kRowMs);
    QVERIFY2(m_good->failures.isEmpty(), qPrintable(m_good->failures.join(u'\n')));
    // Exactly what was acknowledged is stored: no smuggled or refused request left an event behind.
    QCOMPARE(countEvents(m_fixture.databasePath()), m_good->accepted + m_acceptedByRows);
    qInfo("the good client got %d 202s and nothing else", m_good->accepted);
    QVERIFY(m_fixture.stop());
}

void TestHostileHttp::verifyGoodClientServed(int since)
{
    QVERIFY2(m_good->failures.isEmpty(), qPrintable(m_good->failures.join(u'\n')));
    QTRY_VERIFY_WITH_TIMEOUT(m_good->accepted > since, kRowMs);
    QVERIFY2(m_good->failures.isEmpty(), qPrintable(m_good->failures.join(u'\n')));
}

void TestHostileHttp::table_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<QList<int>>("statuses");
    QTest::addColumn<int>("then");
    QTest::addColumn<QString>("code");
    const QList<Row> rows = hostileRows();
    for (const Row &row : rows)
        QTest::newRow(row.name) << row.script << row.statuses << int(row.then) << row.code;
}

void TestHostileHttp::table()
{
    QFETCH(Script, script);
    QFETCH(QList<int>, statuses);
    QFETCH(int, then);
    QFETCH(QString, code);
    runRows({Row{QTest::currentDataTag(), script, statuses, Then(then), code}});
}

void TestHostileHttp::tableAllAtOnce()
{
    // Fresh bytes (fresh event ids), seven connections at a time: with the good client and the previous
    // batch's connections still closing, that stays below the limit, so every row is served, not refused.
    constexpr int batch = (kMaxConnections - 2) / 2;
    const QList<Row> rows = hostileRows();
    for (qsizetype i = 0; i < rows.size(); i += batch) {
        runRows(rows.mid(i, batch));
        if (QTest::currentTestFailed())
            return;
    }
}

void TestHostileHttp::runRows(const QList<Row> &rows)
{
    std::vector<std::unique_ptr<RawExchange>> exchanges;
    for (const Row &row : rows) {
        exchanges.push_back(std::make_unique<RawExchange>(row.script));
        // A connection that stays must go on serving: one more good request as soon as the answers are in
        // (before the idle timeout can end it).
        if (row.then == Then::Stays)
            exchanges.back()->followUpWith(notify(), row.statuses.size());
        exchanges.back()->start(port());
    }
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const Row &row = rows.at(i);
        RawExchange &exchange = *exchanges.at(i);
        const QByteArray name = row.name;
        QList<int> expected = row.statuses;
        if (row.then == Then::Stays)
            expected.append(202);
        // Done: closed, or (for a connection that stays) every expected answer is in.
        const bool done = QTest::qWaitFor(
            [&] {
                return exchange.closed ||
                       (row.then == Then::Stays && exchange.responses().size() >= expected.size());
            },
            kRowMs);
        QVERIFY2(done, QByteArray(name + ": neither answered as expected nor closed; received: " +
                                  exchange.received.left(300))
                           .constData());

        const QList<RawResponse> responses = exchange.responses();
        QList<int> got;
        for (const RawResponse &response : responses)
            got.append(response.status);
        const QByteArray answers = name + ": answers " + statusList(got) + ", expected " +
                                   statusList(expected) + "; received: " + exchange.received.left(300);
        QVERIFY2(got == expected, answers.constData());
        for (const RawResponse &response : responses) {
            if (response.status == 202)
                m_acceptedByRows += response.json().value(u"accepted").toInt();
            // Every answer is JSON; errors have the one shape of docs/api.md.
            QVERIFY2(response.header("content-type").startsWith("application/json"), name.constData());
            if (response.status >= 400) {
                const QJsonObject error = response.json().value(u"error").toObject();
                QCOMPARE(error.value(u"status").toInt(), response.status);
                QVERIFY2(!error.value(u"message").toString().isEmpty(), name.constData());
            }
        }
        if (!row.code.isEmpty()) {
            const RawResponse &last = responses.at(row.statuses.size() - 1);
            QVERIFY2(last.errorCode() == row.code,
                     QByteArray(name + ": code " + last.errorCode().toLatin1()).constData());
        }
        switch (row.then) {
        case Then::Stays:
            // Closed at most by the idle timeout after the follow-up; every answer kept the connection.
            for (const RawResponse &response : responses)
                QVERIFY2(response.header("connection") == "keep-alive", name.constData());
            break;
        case Then::Closes:
            QVERIFY2(exchange.closed, QByteArray(name + ": the connection stayed open").constData());
            if (!responses.isEmpty())
                QVERIFY2(responses.last().header("connection") == "close", name.constData());
            break;
        case Then::GoesIdle:
            QVERIFY2(exchange.closed, QByteArray(name + ": the connection stayed open").constData());
            QVERIFY2(exchange.closedAtMs >= kIdleTimeoutMs - 100,
                     QByteArray(name + ": closed after " + QByteArray::number(exchange.closedAtMs) + " ms")
                         .constData());
            for (const RawResponse &response : responses)
                QVERIFY2(response.header("connection") == "keep-alive", name.constData());
            break;
        }
        QVERIFY2(exchange.socketError.isEmpty(),
                 QByteArray(name + ": " + exchange.socketError.toLatin1()).constData());
    }
}

void TestHostileHttp::connectionLimit()
{
    // The good client holds one connection; raw keep-alive clients take all the others, each sending a good
    // request every 100 ms so the idle timeout does not free its slot. Connections of the table may still be
    // draining, so a holder that is refused is replaced until all are served.
    std::vector<std::unique_ptr<RawExchange>> holders;
    QTimer keepBusy;
    connect(&keepBusy, &QTimer::timeout, this, [&holders] {
        for (const auto &holder : holders)
            holder->send(notify());
    });
    keepBusy.start(100);
    for (int attempt = 0; holders.size() < size_t(kMaxConnections - 1); ++attempt) {
        QVERIFY2(attempt < 3 * kMaxConnections, "the holders were never all served");
        auto holder = std::make_unique<RawExchange>(once(notify()));
        holder->start(port());
        QVERIFY(QTest::qWaitFor([&] { return !holder->responses().isEmpty() || holder->closed; }, kRowMs));
        const int status = holder->responses().value(0).status;
        if (status == 202) {
            holders.push_back(std::move(holder));
        } else {
            QCOMPARE(status, 503); // a leftover still counts; try again shortly
            QTest::qWait(100);
        }
    }

    // Over the limit: a polite 503 with Connection: close, and nothing of the request is handled.
    for (int i = 0; i < 3; ++i) {
        RawExchange extra(once(notify()));
        extra.start(port());
        QVERIFY(QTest::qWaitFor([&] { return extra.closed; }, kRowMs));
        const QList<RawResponse> responses = extra.responses();
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses.first().status, 503);
        QCOMPARE(responses.first().header("connection"), QByteArray("close"));
        QCOMPARE(responses.first().errorCode(), QStringLiteral("service_unavailable"));
    }
    // A flood over the limit: each is refused with a 503 or, past twice the limit, dropped; none is served.
    {
        std::vector<std::unique_ptr<RawExchange>> flood;
        for (int i = 0; i < 3 * kMaxConnections; ++i) {
            flood.push_back(std::make_unique<RawExchange>(once(notify())));
            flood.back()->start(port());
        }
        int refused = 0;
        for (const auto &exchange : flood) {
            QVERIFY(QTest::qWaitFor([&] { return exchange->closed || !exchange->socketError.isEmpty(); },
                                    kRowMs));
            const QList<RawResponse> responses = exchange->responses();
            QVERIFY(responses.size() <= 1);
            if (!responses.isEmpty()) {
                QCOMPARE(responses.first().status, 503);
                ++refused;
            }
        }
        qInfo("a flood of %d connections over the limit: %d refused with a 503, the rest dropped",
              3 * kMaxConnections, refused);
    }

    // Meanwhile the good client, already connected, keeps being served, and so are the holders.
    const int goodNow = m_good->accepted;
    QTRY_VERIFY_WITH_TIMEOUT(m_good->accepted > goodNow + 3, kRowMs);
    keepBusy.stop();
    for (const auto &holder : holders) {
        QTRY_COMPARE_WITH_TIMEOUT(holder->responses().size(), 1 + holder->sent, kRowMs);
        QVERIFY(!holder->closed);
        for (const RawResponse &response : holder->responses()) {
            QCOMPARE(response.status, 202);
            m_acceptedByRows += response.json().value(u"accepted").toInt();
        }
    }

    // Once the holders leave, a newcomer is served.
    holders.clear();
    bool newcomerServed = false;
    for (int attempt = 0; attempt < 20 && !newcomerServed; ++attempt) {
        RawExchange newcomer(once(notify()));
        newcomer.start(port());
        QVERIFY(QTest::qWaitFor([&] { return !newcomer.responses().isEmpty() || newcomer.closed; }, kRowMs));
        const int status = newcomer.responses().value(0).status;
        newcomerServed = status == 202;
        if (newcomerServed) {
            m_acceptedByRows += 1;
        } else {
            QCOMPARE(status, 503);
            QTest::qWait(50);
        }
    }
    QVERIFY(newcomerServed);
}

QTEST_GUILESS_MAIN(TestHostileHttp)
#include "tst_hostilehttp.moc"
