// The webhook client's response parser: every framing a receiver may use, whole and split into single bytes,
// and the answers it must refuse because it cannot tell where they end.
#include "HttpResponseReader.h"

#include <QTest>

class TestHttpResponseReader : public QObject
{
    Q_OBJECT

private:
    // Feeds `bytes` in pieces of `step` (0: all at once), then the close if `closeAfter`.
    static HttpResponseReader::Status readAll(HttpResponseReader &reader, const QByteArray &bytes, int step,
                                              bool closeAfter, QByteArray *left)
    {
        QByteArray buffer;
        HttpResponseReader::Status status = HttpResponseReader::Status::NeedMore;
        qsizetype offset = 0;
        while (offset < bytes.size() && status == HttpResponseReader::Status::NeedMore) {
            const qsizetype piece = step == 0 ? bytes.size() : step;
            buffer += bytes.mid(offset, piece);
            offset += piece;
            status = reader.feed(buffer);
        }
        if (status == HttpResponseReader::Status::NeedMore && closeAfter)
            status = reader.finish();
        *left = buffer + bytes.mid(offset);
        return status;
    }

private slots:
    void framesAnswers_data();
    void framesAnswers();
    void refusesWhatItCannotFrame_data();
    void refusesWhatItCannotFrame();
    void keepsOnlyTheFirstBytesOfALongBody();
    void stopsAtTheEndOfTheAnswer();
    void reportsWhetherAnyByteArrived();
};

void TestHttpResponseReader::framesAnswers_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("closeAfter"); // the server closes after the bytes
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");

    QTest::newRow("content-length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                                    << false << 200 << QByteArray("hello") << true;
    QTest::newRow("no reason phrase")
        << QByteArray("HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n") << false << 202 << QByteArray() << true;
    QTest::newRow("bare line feeds") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 2\n\nok") << false << 200
                                     << QByteArray("ok") << true;
    QTest::newRow("chunked, with an extension and a trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=value\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n")
        << false << 200 << QByteArray("hello!") << true;
    QTest::newRow("upper-case hex chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n")
        << false << 200 << QByteArray("0123456789") << true;
    QTest::newRow("body up to the close")
        << QByteArray("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nit broke")
        << true << 500 << QByteArray("it broke") << false;
    QTest::newRow("connection: close")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok") << false << 200
        << QByteArray("ok") << false;
    QTest::newRow("HTTP/1.0 closes by default")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << false << 200 << QByteArray("ok")
        << false;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok") << false
        << 200 << QByteArray("ok") << true;
    QTest::newRow("interim 100 and 103 before the answer")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        << false << 201 << QByteArray() << true;
    QTest::newRow("204 has no body even with a length")
        << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n") << false << 204 << QByteArray()
        << true;
    QTest::newRow("transfer-encoding wins over content-length, and the connection is not reused")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        << false << 200 << QByteArray("ok") << false;
    QTest::newRow("a coding the reader cannot frame runs to the close")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz") << true << 200
        << QByteArray("zzz") << false;
    QTest::newRow("the same length twice")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok") << false << 200
        << QByteArray("ok") << true;
    QTest::newRow("a stray line end before the status line")
        << QByteArray("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false << 200 << QByteArray()
        << true;
}

void TestHttpResponseReader::framesAnswers()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, closeAfter);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    for (int step : {0, 1, 7}) {
        HttpResponseReader reader;
        QByteArray left;
        QCOMPARE(readAll(reader, bytes, step, closeAfter, &left), HttpResponseReader::Status::Complete);
        QCOMPARE(reader.status(), status);
        QCOMPARE(reader.body(), body);
        QCOMPARE(reader.keepAlive(), keepAlive);
        QVERIFY2(left.isEmpty(), left.constData());
    }
}

void TestHttpResponseReader::refusesWhatItCannotFrame_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("closeAfter");
    QTest::addColumn<QString>("reason");

    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n") << false
                              << QStringLiteral("status line");
    QTest::newRow("HTTP/2 preface") << QByteArray("HTTP/2 200\r\n\r\n") << false
                                    << QStringLiteral("status line");
    QTest::newRow("two different lengths")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!") << false
        << QStringLiteral("Content-Length");
    QTest::newRow("a negative length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") << false
                                       << QStringLiteral("Content-Length");
    QTest::newRow("a folded header") << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n")
                                     << false << QStringLiteral("header");
    QTest::newRow("space before the colon")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n") << false << QStringLiteral("header");
    QTest::newRow("a chunk longer than its size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n") << false
        << QStringLiteral("chunk");
    QTest::newRow("a chunk size that is not hex")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false
        << QStringLiteral("chunk size");
    QTest::newRow("a chunk size of 16 hex digits")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8888888888888888\r\n") << false
        << QStringLiteral("chunk size");
    QTest::newRow("switching protocols") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n") << false
                                         << QStringLiteral("switched protocols");
    QTest::newRow("closed in the middle of the body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") << true
        << QStringLiteral("in the middle");
    QTest::newRow("closed before a byte") << QByteArray() << true << QStringLiteral("without answering");
    QTest::newRow("a head without end") << QByteArray("HTTP/1.1 200 OK\r\nX: ") + QByteArray(70000, 'a')
                                        << false << QStringLiteral("larger than");
}

void TestHttpResponseReader::refusesWhatItCannotFrame()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, closeAfter);
    QFETCH(QString, reason);
    for (int step : {0, 1}) {
        if (step == 1 && bytes.size() > 1000)
            step = 1000; // the same split behaviour, in fewer passes
        HttpResponseReader reader;
        QByteArray left;
        QCOMPARE(readAll(reader, bytes, step, closeAfter, &left), HttpResponseReader::Status::Error);
        QVERIFY2(reader.errorMessage().contains(reason), qPrintable(reader.errorMessage()));
        // Once wrong, it stays wrong: the caller closes the connection.
        QByteArray more("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        QCOMPARE(reader.feed(more), HttpResponseReader::Status::Error);
    }
}

void TestHttpResponseReader::keepsOnlyTheFirstBytesOfALongBody()
{
    for (const QByteArray &framing : {QByteArray("Content-Length: 100000\r\n\r\n"),
                                      QByteArray("Transfer-Encoding: chunked\r\n\r\n186a0\r\n")}) {
        QByteArray bytes = "HTTP/1.1 200 OK\r\n" + framing + QByteArray(100000, 'x');
        if (framing.contains("chunked"))
            bytes += "\r\n0\r\n\r\n";
        HttpResponseReader reader(1000);
        QByteArray left;
        QCOMPARE(readAll(reader, bytes, 4096, false, &left), HttpResponseReader::Status::Complete);
        QCOMPARE(reader.body(), QByteArray(1000, 'x'));
        QVERIFY(reader.keepAlive()); // read to its end, so the connection can carry the next request
        QVERIFY(left.isEmpty());
    }
}

void TestHttpResponseReader::stopsAtTheEndOfTheAnswer()
{
    HttpResponseReader reader;
    QByteArray buffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 Extra\r\n\r\n");
    QCOMPARE(reader.feed(buffer), HttpResponseReader::Status::Complete);
    QCOMPARE(reader.body(), QByteArray("ok"));
    QCOMPARE(buffer, QByteArray("HTTP/1.1 500 Extra\r\n\r\n")); // left for the caller to judge
    reader.reset();
    QVERIFY(!reader.started());
    QCOMPARE(reader.status(), 0);
    QVERIFY(reader.body().isEmpty());
}

void TestHttpResponseReader::reportsWhetherAnyByteArrived()
{
    HttpResponseReader reader;
    QByteArray nothing;
    QCOMPARE(reader.feed(nothing), HttpResponseReader::Status::NeedMore);
    QVERIFY(!reader.started());
    QByteArray partial("HTTP/1.1 2");
    QCOMPARE(reader.feed(partial), HttpResponseReader::Status::NeedMore);
    QCOMPARE(partial, QByteArray("HTTP/1.1 2")); // a partial line stays with the caller, unconsumed
    QByteArray line("HTTP/1.1 200 OK\r\n");
    QCOMPARE(reader.feed(line), HttpResponseReader::Status::NeedMore);
    QVERIFY(reader.started());
}

QTEST_APPLESS_MAIN(TestHttpResponseReader)
#include "tst_httpresponsereader.moc"
