#pragma once

#include "HttpRequest.h"

#include <QByteArray>

// What one request may cost the server before it is refused.
struct HttpLimits
{
    qsizetype maxHeaderBytes = 16 * 1024; // request line + headers (+ trailers); over it: 431
    int maxHeaderCount = 100;             // header (+ trailer) fields; over it: 431
    qsizetype maxBodyBytes = 1024 * 1024; // de-chunked body; over it: 413
};

// A strict, incremental HTTP/1.x request parser (RFC 9112). It refuses anything ambiguous rather than
// guessing, because a lenient parser in front of other HTTP components is how request smuggling happens.
// Bytes may arrive in any split, down to one at a time; nothing is buffered beyond the limits.
class HttpRequestParser
{
public:
    enum class Status
    {
        NeedMore,
        Complete,
        Error
    };

    explicit HttpRequestParser(const HttpLimits &limits = {});

    // Parses from the front of `buffer`, removing the bytes it consumed. Never consumes past the end of
    // the current request, so after Complete the rest of `buffer` is the next (pipelined) request.
    // After Complete or Error it consumes nothing and returns the same status until takeRequest()/reset().
    Status feed(QByteArray &buffer);
    // The request after Complete; resets for the next request.
    HttpRequest takeRequest();

    // The head of the current request is parsed, the body is still to come.
    bool headersComplete() const;
    // The current head has "Expect: 100-continue" and a body is pending.
    bool expectsContinue() const;
    // Some of the current request's head has been consumed (leading empty lines do not count).
    bool inProgress() const;

    int errorStatus() const;        // 400, 413, 431, 501 or 505; 0 without an error
    QByteArray errorReason() const; // one short English sentence for the JSON error body
    const HttpLimits &limits() const;

    void reset();

private:
    enum class State
    {
        RequestLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Complete,
        Error
    };
    enum class LineStatus
    {
        Line,
        NeedMore,
        Error
    };

    LineStatus takeHeadLine(QByteArray &buffer, QByteArray *line);
    LineStatus takeChunkSizeLine(QByteArray &buffer, QByteArray *line);
    bool parseRequestLine(const QByteArray &line);
    bool parseFieldLine(const QByteArray &line);
    bool finishHead();
    bool parseChunkSize(const QByteArray &line);
    bool fail(int status, const QByteArray &reason);

    HttpLimits m_limits;
    State m_state = State::RequestLine;
    HttpRequest m_request;
    qsizetype m_headBytes = 0; // request line, header and trailer bytes consumed, line ends included
    int m_headerCount = 0;     // header and trailer fields
    int m_leadingEmptyLines = 0;
    qint64 m_remaining = 0; // bytes left of the Content-Length body or of the current chunk
    bool m_expectContinue = false;
    int m_errorStatus = 0;
    QByteArray m_errorReason;
};
