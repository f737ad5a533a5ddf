#include "HttpRequestParser.h"

#include <QtTest>

Q_DECLARE_METATYPE(HttpLimits)

namespace {

// Splits `input` at random points, like a network would.
QList<QByteArray> randomPieces(const QByteArray &input, QRandomGenerator &random)
{
    QList<QByteArray> pieces;
    qsizetype offset = 0;
    while (offset < input.size()) {
        const qsizetype size = 1 + random.bounded(int(qMin<qsizetype>(input.size() - offset, 40)));
        pieces.append(input.mid(offset, size));
        offset += size;
    }
    return pieces;
}

using Status = HttpRequestParser::Status;

struct ParseResult
{
    QList<HttpRequest> requests;
    Status status = Status::NeedMore;
    int errorStatus = 0;
    QByteArray errorReason;
    QByteArray rest; // bytes left unconsumed
};

// Feeds `input` in pieces of `pieceSize` bytes (0: all at once), the way a socket might deliver it,
// collecting every complete request until the input runs out or the parser fails.
ParseResult parse(const QByteArray &input, qsizetype pieceSize = 0, const HttpLimits &limits = {})
{
    HttpRequestParser parser(limits);
    ParseResult result;
    QByteArray buffer;
    qsizetype offset = 0;
    const qsizetype step = pieceSize > 0 ? pieceSize : qMax<qsizetype>(input.size(), 1);
    while (offset < input.size()) {
        buffer.append(input.mid(offset, step));
        offset += step;
        for (;;) {
            result.status = parser.feed(buffer);
            if (result.status != Status::Complete)
                break;
            result.requests.append(parser.takeRequest());
        }
        if (result.status == Status::Error) {
            result.errorStatus = parser.errorStatus();
            result.errorReason = parser.errorReason();
            break;
        }
    }
    result.rest = buffer;
    return result;
}

HttpLimits limits(qsizetype maxHeaderBytes, int maxHeaderCount, qsizetype maxBodyBytes)
{
    HttpLimits l;
    l.maxHeaderBytes = maxHeaderBytes;
    l.maxHeaderCount = maxHeaderCount;
    l.maxBodyBytes = maxBodyBytes;
    return l;
}

const QList<qsizetype> kPieceSizes{0, 1, 2, 7};

} // namespace

class TestHttpParser : public QObject
{
    Q_OBJECT

private slots:
    void validRequest_data();
    void validRequest();
    void headersAreLowerCasedTrimmedAndOrdered();
    void trailersAreNotHeaders();
    void pipelinedRequestsInOneBuffer();
    void stopsAtTheEndOfEachRequest();
    void headStateBeforeBody();
    void expectContinue_data();
    void expectContinue();
    void error_data();
    void error();
    void bodyOverLimitRefusedRightAfterHead();
    void incompleteOversizeHeadRefused();
    void binaryJunkRefusedAtFirstByte();
    void errorIsStickyUntilReset();
    void limitsAreExact();
    void resultDoesNotDependOnSplits();
};

void TestHttpParser::validRequest_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("versionMinor");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");

    const QByteArray host = QByteArrayLiteral("Host: example.test\r\n");

    QTest::newRow("get") << QByteArray("GET / HTTP/1.1\r\n" + host + "\r\n") << QByteArray("GET")
                         << QByteArray("/") << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("content-length body")
        << QByteArray("POST /v1/notify HTTP/1.1\r\n" + host + "Content-Length: 11\r\n\r\nhello world")
        << QByteArray("POST") << QByteArray("/v1/notify") << QByteArray() << 1 << QByteArray("hello world")
        << true;
    QTest::newRow("content-length zero")
        << QByteArray("POST /x HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n") << QByteArray("POST")
        << QByteArray("/x") << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("content-length leading zeros")
        << QByteArray("POST /x HTTP/1.1\r\n" + host + "Content-Length: 003\r\n\r\nabc") << QByteArray("POST")
        << QByteArray("/x") << QByteArray() << 1 << QByteArray("abc") << true;
    QTest::newRow("identical duplicate content-length")
        << QByteArray("POST /x HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
        << QByteArray("POST") << QByteArray("/x") << QByteArray() << 1 << QByteArray("abc") << true;
    QTest::newRow("identical content-length list")
        << QByteArray("POST /x HTTP/1.1\r\n" + host + "Content-Length: 3, 3\r\n\r\nabc") << QByteArray("POST")
        << QByteArray("/x") << QByteArray() << 1 << QByteArray("abc") << true;
    QTest::newRow("chunked")
        << QByteArray("POST /x HTTP/1.1\r\n" + host +
                      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        << QByteArray("POST") << QByteArray("/x") << QByteArray() << 1 << QByteArray("hello world") << true;
    QTest::newRow("chunked with extensions, upper-case hex, leading zeros")
        << QByteArray("POST /x HTTP/1.1\r\n" + host +
                      "Transfer-Encoding: Chunked\r\n\r\n00A;name=value ; other\r\n0123456789\r\n"
                      "1 ;x\r\n!\r\n0;last\r\n\r\n")
        << QByteArray("POST") << QByteArray("/x") << QByteArray() << 1 << QByteArray("0123456789!") << true;
    QTest::newRow("chunked with trailers")
        << QByteArray(
               "POST /x HTTP/1.1\r\n" + host +
               "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n")
        << QByteArray("POST") << QByteArray("/x") << QByteArray() << 1 << QByteArray("abc") << true;
    QTest::newRow("query split") << QByteArray("GET /v1/events?since=5&limit=10 HTTP/1.1\r\n" + host + "\r\n")
                                 << QByteArray("GET") << QByteArray("/v1/events")
                                 << QByteArray("since=5&limit=10") << 1 << QByteArray() << true;
    QTest::newRow("empty query") << QByteArray("GET /a? HTTP/1.1\r\n" + host + "\r\n") << QByteArray("GET")
                                 << QByteArray("/a") << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("options asterisk")
        << QByteArray("OPTIONS * HTTP/1.1\r\n" + host + "\r\n") << QByteArray("OPTIONS") << QByteArray("*")
        << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("extension method")
        << QByteArray("PURGE-ALL /cache HTTP/1.1\r\n" + host + "\r\n") << QByteArray("PURGE-ALL")
        << QByteArray("/cache") << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("leading empty lines")
        << QByteArray("\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n") << QByteArray("GET") << QByteArray("/")
        << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("1.1 connection close")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << 1 << QByteArray() << false;
    QTest::newRow("1.1 connection close in a list, any case")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "Connection: TE, Close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << 1 << QByteArray() << false;
    QTest::newRow("1.1 connection keep-alive")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "Connection: keep-alive\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << 1 << QByteArray() << true;
    QTest::newRow("1.0 closes by default, no Host needed")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/") << QByteArray() << 0
        << QByteArray() << false;
    QTest::newRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                                    << QByteArray("GET") << QByteArray("/") << QByteArray() << 0
                                    << QByteArray() << true;
    QTest::newRow("1.0 keep-alive and close")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << 0 << QByteArray() << false;
    QTest::newRow("1.0 body by content-length")
        << QByteArray("POST /p HTTP/1.0\r\nContent-Length: 2\r\n\r\nok") << QByteArray("POST")
        << QByteArray("/p") << QByteArray() << 0 << QByteArray("ok") << false;
    QTest::newRow("binary body") << QByteArray("PUT /b HTTP/1.1\r\n" + host + "Content-Length: 4\r\n\r\n" +
                                               QByteArray("\0\r\n\xff", 4))
                                 << QByteArray("PUT") << QByteArray("/b") << QByteArray() << 1
                                 << QByteArray("\0\r\n\xff", 4) << true;
}

void TestHttpParser::validRequest()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(int, versionMinor);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);

    // Every split must give the same result, down to one byte at a time.
    for (qsizetype pieceSize : kPieceSizes) {
        const ParseResult result = parse(input, pieceSize);
        QVERIFY2(result.status == Status::NeedMore, result.errorReason.constData());
        QCOMPARE(result.requests.size(), 1);
        QVERIFY(result.rest.isEmpty());
        const HttpRequest &request = result.requests.first();
        QCOMPARE(request.method, method);
        QCOMPARE(request.path, path);
        QCOMPARE(request.query, query);
        QVERIFY(request.target.startsWith(path));
        if (!query.isEmpty())
            QVERIFY(request.target.endsWith(QByteArray('?' + query)));
        QCOMPARE(request.versionMinor, versionMinor);
        QCOMPARE(request.body, body);
        QCOMPARE(request.keepAlive, keepAlive);
    }
}

void TestHttpParser::headersAreLowerCasedTrimmedAndOrdered()
{
    const QByteArray input = QByteArrayLiteral("GET /h HTTP/1.1\r\n"
                                               "Host: example.test\r\n"
                                               "X-Registry-Event:  \t push \t \r\n"
                                               "ACCEPT:application/json\r\n"
                                               "x-registry-event: second\r\n"
                                               "X-Empty:\r\n"
                                               "X-Obs-Text: caf\xc3\xa9\r\n"
                                               "\r\n");
    for (qsizetype pieceSize : kPieceSizes) {
        const ParseResult result = parse(input, pieceSize);
        QCOMPARE(result.requests.size(), 1);
        const HttpRequest &request = result.requests.first();
        const QList<QPair<QByteArray, QByteArray>> expected{{"host", "example.test"},
                                                            {"x-registry-event", "push"},
                                                            {"accept", "application/json"},
                                                            {"x-registry-event", "second"},
                                                            {"x-empty", ""},
                                                            {"x-obs-text", "caf\xc3\xa9"}};
        QCOMPARE(request.headers, expected);
        QCOMPARE(request.header("x-registry-event"), QByteArray("push"));
        QVERIFY(request.hasHeader("x-empty"));
        QVERIFY(request.header("x-empty").isEmpty());
        QVERIFY(!request.hasHeader("x-missing"));
        QVERIFY(request.header("x-missing").isNull());
    }
}

void TestHttpParser::trailersAreNotHeaders()
{
    const QByteArray input =
        QByteArrayLiteral("POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "2\r\nok\r\n0\r\nX-Trailer: yes\r\nContent-Length: 99\r\n\r\n");
    const ParseResult result = parse(input, 1);
    QCOMPARE(result.requests.size(), 1);
    QCOMPARE(result.requests.first().body, QByteArray("ok"));
    QVERIFY(!result.requests.first().hasHeader("x-trailer"));
    QVERIFY(!result.requests.first().hasHeader("content-length"));
}

void TestHttpParser::pipelinedRequestsInOneBuffer()
{
    const QByteArray input =
        QByteArrayLiteral("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                          "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                          "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1\r\nz\r\n0\r\n\r\n"
                          "GET /4?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    for (qsizetype pieceSize : kPieceSizes) {
        const ParseResult result = parse(input, pieceSize);
        QCOMPARE(result.status, Status::NeedMore);
        QCOMPARE(result.requests.size(), 4);
        QCOMPARE(result.requests.at(0).path, QByteArray("/1"));
        QCOMPARE(result.requests.at(1).path, QByteArray("/2"));
        QCOMPARE(result.requests.at(1).body, QByteArray("abc"));
        QCOMPARE(result.requests.at(2).path, QByteArray("/3"));
        QCOMPARE(result.requests.at(2).body, QByteArray("z"));
        QCOMPARE(result.requests.at(3).path, QByteArray("/4"));
        QCOMPARE(result.requests.at(3).query, QByteArray("q"));
        QVERIFY(result.requests.at(2).keepAlive);
        QVERIFY(!result.requests.at(3).keepAlive);
    }
}

void TestHttpParser::stopsAtTheEndOfEachRequest()
{
    HttpRequestParser parser;
    QByteArray buffer =
        QByteArrayLiteral("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET /b HTTP/1.1\r\n");
    QCOMPARE(parser.feed(buffer), Status::Complete);
    // The next request's bytes stay in the buffer, and feeding again without takeRequest() consumes nothing.
    QCOMPARE(buffer, QByteArray("GET /b HTTP/1.1\r\n"));
    QCOMPARE(parser.feed(buffer), Status::Complete);
    QCOMPARE(buffer, QByteArray("GET /b HTTP/1.1\r\n"));
    QCOMPARE(parser.takeRequest().body, QByteArray("ok"));
    QVERIFY(!parser.inProgress());

    QCOMPARE(parser.feed(buffer), Status::NeedMore);
    QVERIFY(buffer.isEmpty());
    QVERIFY(parser.inProgress());
    QVERIFY(!parser.headersComplete());
    buffer = QByteArrayLiteral("Host: h\r\n\r\n");
    QCOMPARE(parser.feed(buffer), Status::Complete);
    QCOMPARE(parser.takeRequest().path, QByteArray("/b"));
}

void TestHttpParser::headStateBeforeBody()
{
    HttpRequestParser parser;
    QByteArray buffer = QByteArrayLiteral("\r\n");
    QCOMPARE(parser.feed(buffer), Status::NeedMore);
    QVERIFY2(!parser.inProgress(), "leading empty lines do not start a request");

    buffer = QByteArrayLiteral("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab");
    QCOMPARE(parser.feed(buffer), Status::NeedMore);
    QVERIFY(parser.headersComplete());
    QVERIFY(parser.inProgress());
    QVERIFY(!parser.expectsContinue());
    QVERIFY(buffer.isEmpty());
    buffer = QByteArrayLiteral("cd");
    QCOMPARE(parser.feed(buffer), Status::Complete);
    QVERIFY(!parser.headersComplete());
    QCOMPARE(parser.takeRequest().body, QByteArray("abcd"));
}

void TestHttpParser::expectContinue_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("expected");

    QTest::newRow("content-length") << QByteArray("POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                                  "Content-Length: 5\r\n\r\n")
                                    << true;
    QTest::newRow("chunked, any case") << QByteArray("POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
                                                     "Transfer-Encoding: chunked\r\n\r\n")
                                       << true;
    QTest::newRow("no expect") << QByteArray("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n")
                               << false;
    QTest::newRow("other expectation") << QByteArray("POST /a HTTP/1.1\r\nHost: h\r\nExpect: something\r\n"
                                                     "Content-Length: 5\r\n\r\n")
                                       << false;
}

void TestHttpParser::expectContinue()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, expected);

    HttpRequestParser parser;
    QCOMPARE(parser.feed(head), Status::NeedMore);
    QVERIFY(parser.headersComplete());
    QCOMPARE(parser.expectsContinue(), expected);
}

void TestHttpParser::error_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");
    QTest::addColumn<HttpLimits>("limits");

    const QByteArray host = QByteArrayLiteral("Host: h\r\n");
    const HttpLimits defaults;
    const auto post = [&host](const QByteArray &headers) {
        return QByteArray("POST /p HTTP/1.1\r\n" + host + headers + "\r\n");
    };
    const auto chunked = [&post](const QByteArray &body) {
        return QByteArray(post(QByteArrayLiteral("Transfer-Encoding: chunked\r\n")) + body);
    };

    // Request line.
    QTest::newRow("lower-case version")
        << QByteArray("GET / http/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("missing version") << QByteArray("GET /\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("version without minor")
        << QByteArray("GET / HTTP/1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("two-digit minor") << QByteArray("GET / HTTP/1.10\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("double space") << QByteArray("GET  / HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("trailing space") << QByteArray("GET / HTTP/1.1 \r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("tab separator") << QByteArray("GET\t/ HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("empty method") << QByteArray(" / HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("method not a token")
        << QByteArray("GE(T / HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("absolute-form target")
        << QByteArray("GET http://h/ HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("asterisk for GET") << QByteArray("GET * HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n" + host + "\r\n") << 400
                                     << defaults;
    QTest::newRow("control char in target") << QByteArray("GET /a\x01"
                                                          "b HTTP/1.1\r\n" +
                                                          host + "\r\n")
                                            << 400 << defaults;
    QTest::newRow("tab in target") << QByteArray("GET /a\tb HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("DEL in target") << QByteArray("GET /a\x7f HTTP/1.1\r\n" + host + "\r\n") << 400
                                   << defaults;
    QTest::newRow("raw UTF-8 in target")
        << QByteArray("GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("fragment in target")
        << QByteArray("GET /a#b HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("NUL in request line") << QByteArray("GET /\0 HTTP/1.1\r\n\r\n", 19) << 400 << defaults;
    QTest::newRow("too many leading empty lines")
        << QByteArray(QByteArray("\r\n").repeated(9) + "GET / HTTP/1.1\r\n") << 400 << defaults;

    // Versions.
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505 << defaults;
    QTest::newRow("HTTP/1.2") << QByteArray("GET / HTTP/1.2\r\n" + host + "\r\n") << 505 << defaults;
    QTest::newRow("HTTP/0.9") << QByteArray("GET / HTTP/0.9\r\n\r\n") << 505 << defaults;

    // Line endings.
    QTest::newRow("bare LF request line")
        << QByteArray("GET / HTTP/1.1\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("bare LF header") << QByteArray("GET / HTTP/1.1\r\nHost: h\n\r\n") << 400 << defaults;
    QTest::newRow("bare LF end of head") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\n") << 400 << defaults;
    QTest::newRow("bare LF leading line")
        << QByteArray("\nGET / HTTP/1.1\r\n" + host + "\r\n") << 400 << defaults;
    QTest::newRow("bare CR in header")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n") << 400 << defaults;

    // Header fields.
    QTest::newRow("missing host on 1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << defaults;
    QTest::newRow("two hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400
                               << defaults;
    QTest::newRow("obs-fold") << post("X-A: one\r\n two\r\n") << 400 << defaults;
    QTest::newRow("obs-fold with tab") << post("X-A: one\r\n\ttwo\r\n") << 400 << defaults;
    QTest::newRow("folded first line") << QByteArray("GET / HTTP/1.1\r\n Host: h\r\n\r\n") << 400 << defaults;
    QTest::newRow("whitespace before colon")
        << QByteArray("GET / HTTP/1.1\r\nHost : h\r\n\r\n") << 400 << defaults;
    QTest::newRow("tab before colon") << post("X-A\t: v\r\n") << 400 << defaults;
    QTest::newRow("no colon") << post("X-A v\r\n") << 400 << defaults;
    QTest::newRow("empty name") << post(": v\r\n") << 400 << defaults;
    QTest::newRow("name not a token") << post("X(A): v\r\n") << 400 << defaults;
    QTest::newRow("control char in value") << post("X-A: a\x01"
                                                   "b\r\n")
                                           << 400 << defaults;
    QTest::newRow("NUL in value") << post(QByteArray("X-A: a\0b\r\n", 10)) << 400 << defaults;

    // Content-Length.
    QTest::newRow("content-length letters") << post("Content-Length: abc\r\n") << 400 << defaults;
    QTest::newRow("content-length negative") << post("Content-Length: -1\r\n") << 400 << defaults;
    QTest::newRow("content-length plus") << post("Content-Length: +5\r\n") << 400 << defaults;
    QTest::newRow("content-length hex") << post("Content-Length: 0x10\r\n") << 400 << defaults;
    QTest::newRow("content-length empty") << post("Content-Length:\r\n") << 400 << defaults;
    QTest::newRow("content-length inner space") << post("Content-Length: 1 2\r\n") << 400 << defaults;
    QTest::newRow("content-length empty list element") << post("Content-Length: 5,\r\n") << 400 << defaults;
    QTest::newRow("conflicting content-length fields")
        << post("Content-Length: 5\r\nContent-Length: 6\r\n") << 400 << defaults;
    QTest::newRow("conflicting content-length list") << post("Content-Length: 5, 6\r\n") << 400 << defaults;
    QTest::newRow("content-length and transfer-encoding")
        << post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") << 400 << defaults;

    // Transfer-Encoding.
    QTest::newRow("gzip") << post("Transfer-Encoding: gzip\r\n") << 501 << defaults;
    QTest::newRow("gzip then chunked") << post("Transfer-Encoding: gzip, chunked\r\n") << 501 << defaults;
    QTest::newRow("identity") << post("Transfer-Encoding: identity\r\n") << 501 << defaults;
    QTest::newRow("chunked twice") << post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")
                                   << 400 << defaults;
    QTest::newRow("empty transfer-encoding") << post("Transfer-Encoding:\r\n") << 400 << defaults;
    QTest::newRow("transfer-encoding on 1.0")
        << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 400 << defaults;

    // Chunks.
    QTest::newRow("chunk size not hex") << chunked("zz\r\n") << 400 << defaults;
    QTest::newRow("chunk size empty") << chunked("\r\n") << 400 << defaults;
    QTest::newRow("chunk size negative") << chunked("-5\r\nhello\r\n") << 400 << defaults;
    QTest::newRow("chunk size 0x prefix") << chunked("0x5\r\nhello\r\n") << 400 << defaults;
    QTest::newRow("chunk size trailing space") << chunked("5 \r\nhello\r\n") << 400 << defaults;
    QTest::newRow("chunk size overflow") << chunked("ffffffffffffffffffff\r\n") << 400 << defaults;
    QTest::newRow("chunk size 16 digits") << chunked("1000000000000000\r\n") << 400 << defaults;
    QTest::newRow("chunk size bare LF") << chunked("5\nhello\r\n0\r\n\r\n") << 400 << defaults;
    QTest::newRow("chunk data too long") << chunked("5\r\nhelloX\r\n0\r\n\r\n") << 400 << defaults;
    QTest::newRow("chunk data bare LF") << chunked("5\r\nhello\n0\r\n\r\n") << 400 << defaults;
    QTest::newRow("chunk data CR then junk") << chunked("5\r\nhello\rX") << 400 << defaults;
    QTest::newRow("chunk size line too long") << chunked("1;" + QByteArray(5000, 'x')) << 400 << defaults;
    QTest::newRow("control char in chunk extension")
        << chunked("1;a\x01\r\nz\r\n0\r\n\r\n") << 400 << defaults;
    QTest::newRow("trailer obs-fold") << chunked("0\r\nX-T: a\r\n b\r\n\r\n") << 400 << defaults;

    // Limits.
    QTest::newRow("oversize header section")
        << post("X-Big: " + QByteArray(200, 'a') + "\r\n") << 431 << limits(128, 100, 1024);
    QTest::newRow("oversize header section, incomplete")
        << QByteArray("GET / HTTP/1.1\r\nX-Big: " + QByteArray(200, 'a')) << 431 << limits(128, 100, 1024);
    QTest::newRow("oversize request line, incomplete")
        << QByteArray("GET /" + QByteArray(200, 'a')) << 431 << limits(128, 100, 1024);
    QTest::newRow("too many headers")
        << post("A: 1\r\nB: 2\r\nC: 3\r\n") << 431 << limits(16 * 1024, 3, 1024);
    QTest::newRow("trailers count toward header count")
        << chunked("0\r\nT1: 1\r\nT2: 2\r\n\r\n") << 431 << limits(16 * 1024, 3, 1024);
    QTest::newRow("trailers count toward header bytes")
        << chunked("0\r\nT: " + QByteArray(100, 't') + "\r\n\r\n") << 431 << limits(128, 100, 1024);
    QTest::newRow("content-length over limit")
        << post("Content-Length: 11\r\n") << 413 << limits(1024, 100, 10);
    QTest::newRow("content-length beyond 64 bits")
        << post("Content-Length: 123456789012345678901234567890\r\n") << 413 << defaults;
    QTest::newRow("chunked total over limit")
        << chunked("6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n") << 413 << limits(1024, 100, 10);
    QTest::newRow("single chunk over limit") << chunked("b\r\n") << 413 << limits(1024, 100, 10);
}

void TestHttpParser::error()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    QFETCH(HttpLimits, limits);

    for (qsizetype pieceSize : kPieceSizes) {
        const ParseResult result = parse(input, pieceSize, limits);
        QCOMPARE(result.status, Status::Error);
        QCOMPARE(result.errorStatus, status);
        QVERIFY(!result.errorReason.isEmpty());
        QVERIFY(result.errorReason.endsWith('.'));
    }
}

void TestHttpParser::bodyOverLimitRefusedRightAfterHead()
{
    HttpLimits l;
    l.maxBodyBytes = 100;
    HttpRequestParser parser(l);
    QByteArray head = QByteArrayLiteral("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n");
    // No body byte has been sent: the refusal must not wait for it.
    QCOMPARE(parser.feed(head), Status::Error);
    QCOMPARE(parser.errorStatus(), 413);

    // Exactly the limit is fine.
    HttpRequestParser atLimit(l);
    QByteArray request = QByteArrayLiteral("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n") +
                         QByteArray(100, 'b');
    QCOMPARE(atLimit.feed(request), Status::Complete);
    QCOMPARE(atLimit.takeRequest().body.size(), 100);
}

void TestHttpParser::incompleteOversizeHeadRefused()
{
    HttpLimits l;
    l.maxHeaderBytes = 64;
    HttpRequestParser parser(l);
    QByteArray buffer;
    int fed = 0;
    // A header that never ends: the parser must give up once the budget is spent, not buffer forever.
    const QByteArray start = QByteArrayLiteral("GET / HTTP/1.1\r\nX: ");
    for (char c : start) {
        buffer.append(c);
        ++fed;
        QCOMPARE(parser.feed(buffer), Status::NeedMore);
    }
    Status status = Status::NeedMore;
    while (status == Status::NeedMore && fed < 1000) {
        buffer.append('a');
        ++fed;
        status = parser.feed(buffer);
    }
    QCOMPARE(status, Status::Error);
    QCOMPARE(parser.errorStatus(), 431);
    QCOMPARE(fed, 64);
}

void TestHttpParser::binaryJunkRefusedAtFirstByte()
{
    // A TLS ClientHello sent to the plain-HTTP port never has a line end; it is refused at its first byte.
    HttpRequestParser parser;
    QByteArray buffer("\x16", 1);
    QCOMPARE(parser.feed(buffer), Status::Error);
    QCOMPARE(parser.errorStatus(), 400);

    HttpRequestParser afterEmptyLine;
    buffer = QByteArrayLiteral("\r\n\x80");
    QCOMPARE(afterEmptyLine.feed(buffer), Status::Error);
    QCOMPARE(afterEmptyLine.errorStatus(), 400);
}

void TestHttpParser::errorIsStickyUntilReset()
{
    HttpRequestParser parser;
    QByteArray buffer = QByteArrayLiteral("BROKEN\r\n");
    QCOMPARE(parser.feed(buffer), Status::Error);
    QCOMPARE(parser.errorStatus(), 400);
    QByteArray more = QByteArrayLiteral("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    QCOMPARE(parser.feed(more), Status::Error);
    QCOMPARE(more.size(), qsizetype(27));

    parser.reset();
    QCOMPARE(parser.errorStatus(), 0);
    QVERIFY(parser.errorReason().isEmpty());
    QCOMPARE(parser.feed(more), Status::Complete);
    QCOMPARE(parser.takeRequest().method, QByteArray("GET"));
}

void TestHttpParser::limitsAreExact()
{
    // A head of exactly maxHeaderBytes is accepted, one byte more is not.
    const QByteArray head = QByteArrayLiteral("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    HttpLimits l;
    l.maxHeaderBytes = head.size();
    QCOMPARE(parse(head, 1, l).requests.size(), 1);
    l.maxHeaderBytes = head.size() - 1;
    const ParseResult over = parse(head, 1, l);
    QCOMPARE(over.status, Status::Error);
    QCOMPARE(over.errorStatus, 431);

    // maxHeaderCount fields are accepted.
    HttpLimits count;
    count.maxHeaderCount = 2;
    QCOMPARE(parse(QByteArrayLiteral("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n"), 0, count).requests.size(),
             1);
}

void TestHttpParser::resultDoesNotDependOnSplits()
{
    // Mutated requests (byte flips, inserted CR/LF/SP/NUL, deletions) fed whole and in random pieces must
    // give the same requests and the same verdict: the state machine may not depend on where reads end.
    const QList<QByteArray> corpus{
        QByteArrayLiteral("GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n"),
        QByteArrayLiteral(
            "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n"),
        QByteArrayLiteral("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\nT: 1\r\n\r\n"),
    };
    const QByteArray noise = QByteArray("\r\n \t:;,0aF\x00\x7f\xff", 13);
    HttpLimits small;
    small.maxHeaderBytes = 80;
    small.maxHeaderCount = 4;
    small.maxBodyBytes = 8;
    QRandomGenerator random(20240611);
    int completes = 0;
    int errors = 0;
    for (int iteration = 0; iteration < 3000; ++iteration) {
        QByteArray input = corpus.at(iteration % corpus.size());
        const int mutations = random.bounded(4);
        for (int m = 0; m < mutations; ++m) {
            const qsizetype at = random.bounded(int(input.size()));
            switch (random.bounded(3)) {
            case 0:
                input[at] = noise.at(random.bounded(int(noise.size())));
                break;
            case 1:
                input.insert(at, noise.at(random.bounded(int(noise.size()))));
                break;
            default:
                input.remove(at, 1);
                break;
            }
        }
        const HttpLimits limits = iteration % 2 ? small : HttpLimits();

        const ParseResult whole = parse(input, 0, limits);
        HttpRequestParser parser(limits);
        QByteArray buffer;
        QList<HttpRequest> requests;
        Status status = Status::NeedMore;
        for (const QByteArray &piece : randomPieces(input, random)) {
            buffer.append(piece);
            while ((status = parser.feed(buffer)) == Status::Complete)
                requests.append(parser.takeRequest());
            if (status == Status::Error)
                break;
        }
        QCOMPARE(status, whole.status);
        QCOMPARE(parser.errorStatus(), whole.errorStatus);
        QCOMPARE(requests.size(), whole.requests.size());
        for (qsizetype i = 0; i < requests.size(); ++i) {
            QCOMPARE(requests.at(i).target, whole.requests.at(i).target);
            QCOMPARE(requests.at(i).headers, whole.requests.at(i).headers);
            QCOMPARE(requests.at(i).body, whole.requests.at(i).body);
            QVERIFY(requests.at(i).body.size() <= limits.maxBodyBytes);
        }
        completes += int(requests.size());
        errors += status == Status::Error ? 1 : 0;
    }
    // The mutations must exercise both outcomes, or the test proves nothing.
    QVERIFY(completes > 500);
    QVERIFY(errors > 500);
}

QTEST_GUILESS_MAIN(TestHttpParser)
#include "tst_httpparser.moc"
