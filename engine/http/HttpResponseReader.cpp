#include "HttpResponseReader.h"

#include "HttpSyntax.h"

#include <QByteArrayView>

namespace {

// A response head is a status line and a few headers; anything near these limits is not a webhook receiver.
constexpr qsizetype kMaxHeadBytes = 64 * 1024;
constexpr int kMaxHeaderCount = 200;
constexpr qsizetype kMaxChunkSizeLineBytes = 4096;
// 15 hex digits stay below 2^60: no overflow.
constexpr int kMaxChunkSizeDigits = 15;
constexpr int kMaxContentLengthDigits = 18;
// Some servers end a body with a stray CRLF; a few empty lines before the next status line are tolerated.
constexpr int kMaxLeadingEmptyLines = 4;

using HttpSyntax::hexValue;
using HttpSyntax::isDigit;
using HttpSyntax::trimmedOws;

} // namespace

HttpResponseReader::HttpResponseReader(qsizetype keptBodyBytes)
    : m_keptBodyBytes(keptBodyBytes)
{}

void HttpResponseReader::reset()
{
    *this = HttpResponseReader(m_keptBodyBytes);
}

HttpResponseReader::Status HttpResponseReader::fail(const QString &message)
{
    m_state = State::Error;
    m_error = message;
    return Status::Error;
}

HttpResponseReader::LineStatus HttpResponseReader::takeLine(QByteArray &buffer, QByteArray *line)
{
    const qsizetype limit = (m_state == State::ChunkSize || m_state == State::ChunkDataEnd)
                                ? kMaxChunkSizeLineBytes
                                : kMaxHeadBytes - m_headBytes;
    const qsizetype end = buffer.indexOf('\n');
    if (end < 0)
        return buffer.size() > limit ? LineStatus::Error : LineStatus::NeedMore;
    if (end + 1 > limit)
        return LineStatus::Error;
    qsizetype length = end;
    if (length > 0 && buffer.at(length - 1) == '\r')
        --length;
    *line = buffer.left(length);
    buffer.remove(0, end + 1);
    m_started = true;
    if (m_state != State::ChunkSize && m_state != State::ChunkDataEnd)
        m_headBytes += end + 1;
    return LineStatus::Line;
}

bool HttpResponseReader::parseStatusLine(const QByteArray &line)
{
    // HTTP/1.1 200 OK; the reason phrase may be empty or missing.
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || !isDigit(line.at(7)) || line.at(8) != ' ')
        return false;
    if (!isDigit(line.at(9)) || !isDigit(line.at(10)) || !isDigit(line.at(11)))
        return false;
    if (line.size() > 12 && line.at(12) != ' ')
        return false;
    m_http10 = line.at(7) == '0';
    m_status = (line.at(9) - '0') * 100 + (line.at(10) - '0') * 10 + (line.at(11) - '0');
    return m_status >= 100 && m_status <= 599;
}

bool HttpResponseReader::parseHeaderLine(const QByteArray &line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || m_headers.size() >= kMaxHeaderCount)
        return false; // no name, or a folded line (obs-fold), which RFC 9112 lets a client refuse
    const QByteArrayView name = QByteArrayView(line).first(colon);
    if (!HttpSyntax::isToken(name))
        return false;
    m_headers.append({name.toByteArray(), trimmedOws(QByteArrayView(line).sliced(colon + 1)).toByteArray()});
    return true;
}

bool HttpResponseReader::finishHead()
{
    if (m_status >= 100 && m_status < 200) {
        if (m_status == 101)
            return false; // nobody asked to switch protocols
        // An interim answer (100 Continue, 103 Early Hints): the real one follows.
        m_headers.clear();
        m_state = State::StatusLine;
        return true;
    }
    m_keepAlive = !m_http10;
    bool chunked = false;
    bool hasTransferEncoding = false;
    qint64 contentLength = -1;
    for (const auto &header : std::as_const(m_headers)) {
        const QByteArray &name = header.first;
        if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &token : header.second.split(',')) {
                const QByteArrayView option = trimmedOws(token);
                if (option.compare("close", Qt::CaseInsensitive) == 0)
                    m_keepAlive = false;
                else if (option.compare("keep-alive", Qt::CaseInsensitive) == 0 && m_http10)
                    m_keepAlive = true;
            }
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            hasTransferEncoding = true;
            // Only the last coding frames the body.
            const QByteArrayList codings = header.second.split(',');
            chunked = trimmedOws(codings.constLast()).compare("chunked", Qt::CaseInsensitive) == 0;
        } else if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            const QByteArrayView value = trimmedOws(header.second);
            if (value.isEmpty() || value.size() > kMaxContentLengthDigits)
                return false;
            qint64 length = 0;
            for (char c : value) {
                if (!isDigit(c))
                    return false;
                length = length * 10 + (c - '0');
            }
            if (contentLength >= 0 && contentLength != length)
                return false; // two lengths: which one frames the body is anybody's guess
            contentLength = length;
        }
    }
    if (m_status == 204 || m_status == 304) {
        m_state = State::Complete;
        return true;
    }
    if (hasTransferEncoding) {
        // Transfer-Encoding wins over Content-Length, and a connection that had both is not trusted again
        // (RFC 9112 6.3).
        if (contentLength >= 0)
            m_keepAlive = false;
        if (chunked) {
            m_state = State::ChunkSize;
        } else {
            m_keepAlive = false;
            m_state = State::UntilClose;
        }
        return true;
    }
    if (contentLength >= 0) {
        m_remaining = contentLength;
        m_state = contentLength == 0 ? State::Complete : State::Body;
        return true;
    }
    m_keepAlive = false;
    m_state = State::UntilClose;
    return true;
}

void HttpResponseReader::keep(const char *data, qsizetype size)
{
    const qsizetype room = m_keptBodyBytes - m_body.size();
    if (room > 0)
        m_body.append(data, qMin(room, size));
}

HttpResponseReader::Status HttpResponseReader::feed(QByteArray &buffer)
{
    QByteArray line;
    for (;;) {
        switch (m_state) {
        case State::Complete:
            return Status::Complete;
        case State::Error:
            return Status::Error;
        case State::StatusLine:
        case State::Headers:
        case State::Trailers: {
            const LineStatus taken = takeLine(buffer, &line);
            if (taken == LineStatus::NeedMore)
                return Status::NeedMore;
            if (taken == LineStatus::Error)
                return fail(QStringLiteral("the response head is larger than %1 bytes").arg(kMaxHeadBytes));
            if (m_state == State::StatusLine) {
                if (line.isEmpty() && ++m_leadingEmptyLines <= kMaxLeadingEmptyLines)
                    continue;
                if (!parseStatusLine(line))
                    return fail(QStringLiteral("the response does not start with an HTTP/1.x status line"));
                m_state = State::Headers;
            } else if (!line.isEmpty()) {
                if (!parseHeaderLine(line))
                    return fail(QStringLiteral("the response has a malformed header line"));
            } else if (m_state == State::Trailers) {
                m_state = State::Complete;
            } else if (!finishHead()) {
                return fail(m_status == 101 ? QStringLiteral("the server switched protocols")
                                            : QStringLiteral("the response has an invalid Content-Length"));
            }
            break;
        }
        case State::Body:
        case State::ChunkData: {
            if (buffer.isEmpty())
                return Status::NeedMore;
            const qsizetype take = qsizetype(qMin<qint64>(m_remaining, buffer.size()));
            keep(buffer.constData(), take);
            buffer.remove(0, take);
            m_started = true;
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = m_state == State::Body ? State::Complete : State::ChunkDataEnd;
            break;
        }
        case State::ChunkSize: {
            const LineStatus taken = takeLine(buffer, &line);
            if (taken == LineStatus::NeedMore)
                return Status::NeedMore;
            qint64 size = 0;
            int digits = 0;
            qsizetype i = 0;
            for (; taken == LineStatus::Line && i < line.size() && hexValue(line.at(i)) >= 0; ++i, ++digits) {
                if (digits < kMaxChunkSizeDigits) // past it the line is refused below; no overflow meanwhile
                    size = size * 16 + hexValue(line.at(i));
            }
            const bool extensionOrEnd =
                i == line.size() || line.at(i) == ';' || line.at(i) == ' ' || line.at(i) == '\t';
            if (taken == LineStatus::Error || digits == 0 || digits > kMaxChunkSizeDigits || !extensionOrEnd)
                return fail(QStringLiteral("the response has a malformed chunk size"));
            m_remaining = size;
            m_state = size == 0 ? State::Trailers : State::ChunkData;
            break;
        }
        case State::ChunkDataEnd: {
            const LineStatus taken = takeLine(buffer, &line);
            if (taken == LineStatus::NeedMore)
                return Status::NeedMore;
            if (taken == LineStatus::Error || !line.isEmpty())
                return fail(QStringLiteral("a chunk of the response is longer than its size says"));
            m_state = State::ChunkSize;
            break;
        }
        case State::UntilClose:
            if (!buffer.isEmpty()) {
                keep(buffer.constData(), buffer.size());
                buffer.clear();
                m_started = true;
            }
            return Status::NeedMore;
        }
    }
}

HttpResponseReader::Status HttpResponseReader::finish()
{
    switch (m_state) {
    case State::UntilClose:
        m_state = State::Complete;
        return Status::Complete;
    case State::Complete:
        return Status::Complete;
    case State::Error:
        return Status::Error;
    default:
        return fail(m_started ? QStringLiteral("the server closed the connection in the middle of its answer")
                              : QStringLiteral("the server closed the connection without answering"));
    }
}
