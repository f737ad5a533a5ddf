#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// An incremental HTTP/1.x response parser (RFC 9112) for the webhook client. It frames the response exactly
// (Content-Length, chunked, or up to the close) because the connection is reused for the next delivery: a
// response read one byte short or long would hand its tail to the next request. Anything it cannot frame for
// certain is an error, and the caller closes the connection.
class HttpResponseReader
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    enum class Status
    {
        NeedMore,
        Complete,
        Error
    };

    // Keeps the first `keptBodyBytes` of the body and reads past the rest, so a huge answer costs neither
    // memory nor the connection.
    explicit HttpResponseReader(qsizetype keptBodyBytes = 64 * 1024);

    // Parses from the front of `buffer`, removing what it consumed. Never consumes past the end of the
    // response. After Complete or Error it consumes nothing until reset().
    Status feed(QByteArray &buffer);
    // The peer closed the connection: completes a body that runs to the close, anything else is an error.
    Status finish();

    // A byte of the response (interim 1xx responses included) has been consumed.
    bool started() const { return m_started; }
    // The response allows the connection to carry the next request.
    bool keepAlive() const { return m_keepAlive; }
    int status() const { return m_status; }
    const Headers &headers() const { return m_headers; }
    const QByteArray &body() const { return m_body; }
    QString errorMessage() const { return m_error; }

    void reset();

private:
    enum class State
    {
        StatusLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Complete,
        Error
    };
    enum class LineStatus
    {
        Line,
        NeedMore,
        Error
    };

    LineStatus takeLine(QByteArray &buffer, QByteArray *line);
    bool parseStatusLine(const QByteArray &line);
    bool parseHeaderLine(const QByteArray &line);
    bool finishHead();
    void keep(const char *data, qsizetype size);
    Status fail(const QString &message);

    qsizetype m_keptBodyBytes;
    State m_state = State::StatusLine;
    bool m_started = false;
    bool m_keepAlive = false;
    bool m_http10 = false;
    int m_status = 0;
    Headers m_headers;
    QByteArray m_body;
    qint64 m_remaining = 0; // bytes left of the Content-Length body or of the current chunk
    qsizetype m_headBytes = 0;
    int m_leadingEmptyLines = 0; // counted across feed() calls, or the split would change the verdict
    QString m_error;
};
