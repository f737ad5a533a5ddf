#include "HttpRequestParser.h"

#include "HttpSyntax.h"

#include <QByteArrayList>

#include <algorithm>
#include <utility>

namespace {

// RFC 9112 allows a server to ignore "at least one" empty line before a request; a few tolerate clients
// that append CRLF after a body, more than that is someone feeding us an endless stream of nothing.
constexpr int kMaxLeadingEmptyLines = 8;
// A chunk-size line is hex digits plus extensions we ignore; nothing legitimate comes close to this.
constexpr qsizetype kMaxChunkSizeLineBytes = 4096;
// 15 hex digits stay below 2^60, so the size and the running body total cannot overflow qint64.
constexpr int kMaxChunkSizeDigits = 15;
// 18 decimal digits stay below 2^63.
constexpr int kMaxContentLengthDigits = 18;

using HttpSyntax::isDigit;
using HttpSyntax::isHexDigit;
using HttpSyntax::isTchar;
using HttpSyntax::isToken;
using HttpSyntax::isWhitespace;

// Control characters other than HTAB are never valid in field values or chunk extensions.
bool hasForbiddenControl(QByteArrayView bytes)
{
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return true;
    }
    return false;
}

QByteArray trimOws(const QByteArray &bytes)
{
    return HttpSyntax::trimmedOws(bytes).toByteArray();
}

// The non-empty elements of a comma-separated list header, OWS-trimmed, over every field with that name.
QByteArrayList listElements(const HttpRequest &request, QByteArrayView name)
{
    QByteArrayList elements;
    for (const auto &field : request.headers) {
        if (QByteArrayView(field.first) != name)
            continue;
        const QByteArrayList parts = field.second.split(',');
        for (const QByteArray &part : parts) {
            const QByteArray element = trimOws(part);
            if (!element.isEmpty())
                elements.append(element);
        }
    }
    return elements;
}

int countFields(const HttpRequest &request, QByteArrayView name)
{
    int count = 0;
    for (const auto &field : request.headers) {
        if (QByteArrayView(field.first) == name)
            ++count;
    }
    return count;
}

} // namespace

HttpRequestParser::HttpRequestParser(const HttpLimits &limits)
    : m_limits(limits)
{}

HttpRequestParser::Status HttpRequestParser::feed(QByteArray &buffer)
{
    for (;;) {
        switch (m_state) {
        case State::Complete:
            return Status::Complete;
        case State::Error:
            return Status::Error;

        case State::RequestLine:
        case State::Headers:
        case State::Trailers: {
            QByteArray line;
            const LineStatus lineStatus = takeHeadLine(buffer, &line);
            if (lineStatus == LineStatus::NeedMore)
                return Status::NeedMore;
            if (lineStatus == LineStatus::Error)
                return Status::Error;
            if (m_state == State::RequestLine) {
                if (!parseRequestLine(line))
                    return Status::Error;
                m_state = State::Headers;
            } else if (line.isEmpty()) {
                if (m_state == State::Trailers)
                    m_state = State::Complete;
                else if (!finishHead())
                    return Status::Error;
            } else if (!parseFieldLine(line)) {
                return Status::Error;
            }
            break;
        }

        case State::Body:
        case State::ChunkData: {
            const qint64 take = qMin<qint64>(m_remaining, buffer.size());
            if (take == 0)
                return Status::NeedMore;
            m_request.body.append(buffer.constData(), take);
            buffer.remove(0, take);
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = m_state == State::Body ? State::Complete : State::ChunkDataEnd;
            break;
        }

        case State::ChunkSize: {
            QByteArray line;
            const LineStatus lineStatus = takeChunkSizeLine(buffer, &line);
            if (lineStatus == LineStatus::NeedMore)
                return Status::NeedMore;
            if (lineStatus == LineStatus::Error || !parseChunkSize(line))
                return Status::Error;
            break;
        }

        case State::ChunkDataEnd:
            // Chunk data is followed by exactly CRLF; judge each byte as soon as it is there.
            if (buffer.isEmpty())
                return Status::NeedMore;
            if (buffer.at(0) != '\r' || (buffer.size() > 1 && buffer.at(1) != '\n')) {
                fail(400, QByteArrayLiteral("Chunk data is not followed by CRLF."));
                return Status::Error;
            }
            if (buffer.size() < 2)
                return Status::NeedMore;
            buffer.remove(0, 2);
            m_state = State::ChunkSize;
            break;
        }
    }
}

HttpRequestParser::LineStatus HttpRequestParser::takeHeadLine(QByteArray &buffer, QByteArray *line)
{
    // A request starts with a method token (or an empty line). Judging the first byte right away turns
    // away TLS handshakes and binary junk at once instead of after the header timeout.
    if (m_state == State::RequestLine && !buffer.isEmpty() && buffer.at(0) != '\r' && buffer.at(0) != '\n' &&
        !isTchar(buffer.at(0))) {
        fail(400, QByteArrayLiteral("The request line is malformed."));
        return LineStatus::Error;
    }
    const qsizetype budget = m_limits.maxHeaderBytes - m_headBytes;
    // Only look as far as the budget allows (a line takes newline + 1 bytes), so an endless line costs
    // nothing more than a full one and is refused before the rest of it arrives.
    const qsizetype newline = QByteArrayView(buffer).first(qMin(buffer.size(), budget)).indexOf('\n');
    if (newline < 0) {
        if (buffer.size() >= budget) {
            fail(431, QByteArrayLiteral("The request header section is too large."));
            return LineStatus::Error;
        }
        return LineStatus::NeedMore;
    }
    if (newline == 0 || buffer.at(newline - 1) != '\r') {
        fail(400, QByteArrayLiteral("Lines must end with CRLF."));
        return LineStatus::Error;
    }
    const qsizetype length = newline - 1;
    if (QByteArrayView(buffer).first(length).contains('\r')) {
        fail(400, QByteArrayLiteral("A bare CR is not allowed in the request head."));
        return LineStatus::Error;
    }

    if (m_state == State::RequestLine && length == 0) {
        // Leading empty lines are skipped and do not start a request (nor its header timeout).
        if (++m_leadingEmptyLines > kMaxLeadingEmptyLines) {
            fail(400, QByteArrayLiteral("Too many empty lines before the request line."));
            return LineStatus::Error;
        }
        buffer.remove(0, newline + 1);
        return takeHeadLine(buffer, line); // at most kMaxLeadingEmptyLines deep
    }

    m_headBytes += newline + 1;
    *line = buffer.left(length);
    buffer.remove(0, newline + 1);
    return LineStatus::Line;
}

HttpRequestParser::LineStatus HttpRequestParser::takeChunkSizeLine(QByteArray &buffer, QByteArray *line)
{
    const qsizetype newline =
        QByteArrayView(buffer).first(qMin(buffer.size(), kMaxChunkSizeLineBytes + 1)).indexOf('\n');
    if (newline < 0) {
        if (buffer.size() > kMaxChunkSizeLineBytes) {
            fail(400, QByteArrayLiteral("A chunk size line is too long."));
            return LineStatus::Error;
        }
        return LineStatus::NeedMore;
    }
    if (newline == 0 || buffer.at(newline - 1) != '\r') {
        fail(400, QByteArrayLiteral("Lines must end with CRLF."));
        return LineStatus::Error;
    }
    *line = buffer.left(newline - 1);
    buffer.remove(0, newline + 1);
    return LineStatus::Line;
}

bool HttpRequestParser::parseRequestLine(const QByteArray &line)
{
    // method SP request-target SP HTTP-version, single spaces only.
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype secondSpace = firstSpace < 0 ? -1 : line.indexOf(' ', firstSpace + 1);
    if (firstSpace <= 0 || secondSpace < 0 || line.indexOf(' ', secondSpace + 1) >= 0)
        return fail(400, QByteArrayLiteral("The request line is malformed."));

    const QByteArray method = line.left(firstSpace);
    const QByteArray target = line.mid(firstSpace + 1, secondSpace - firstSpace - 1);
    const QByteArray version = line.mid(secondSpace + 1);

    if (!isToken(method))
        return fail(400, QByteArrayLiteral("The request method is not a valid token."));

    if (target.isEmpty())
        return fail(400, QByteArrayLiteral("The request target is empty."));
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        // Visible ASCII only: no controls, spaces, raw UTF-8 or fragments.
        if (u <= 0x20 || u >= 0x7f || c == '#')
            return fail(400, QByteArrayLiteral("The request target contains invalid characters."));
    }
    if (target == "*") {
        if (method != "OPTIONS")
            return fail(400, QByteArrayLiteral("The asterisk request target is only valid for OPTIONS."));
    } else if (target.at(0) != '/') {
        return fail(400, QByteArrayLiteral("The request target must be an absolute path."));
    }

    if (version.size() != 8 || !version.startsWith("HTTP/") || !isDigit(version.at(5)) ||
        version.at(6) != '.' || !isDigit(version.at(7))) {
        return fail(400, QByteArrayLiteral("The HTTP version is malformed."));
    }
    if (version.at(5) != '1' || (version.at(7) != '0' && version.at(7) != '1'))
        return fail(505, QByteArrayLiteral("Only HTTP/1.0 and HTTP/1.1 are supported."));

    m_request.method = method;
    m_request.target = target;
    const qsizetype question = target.indexOf('?');
    m_request.path = question < 0 ? target : target.left(question);
    m_request.query = question < 0 ? QByteArray() : target.mid(question + 1);
    m_request.versionMinor = version.at(7) - '0';
    return true;
}

bool HttpRequestParser::parseFieldLine(const QByteArray &line)
{
    if (isWhitespace(line.at(0)))
        return fail(400, QByteArrayLiteral("Obsolete line folding is not allowed."));
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return fail(400, QByteArrayLiteral("A header field has no colon."));
    const QByteArray name = line.left(colon);
    if (!name.isEmpty() && isWhitespace(name.back()))
        return fail(400,
                    QByteArrayLiteral("Whitespace between a header field name and colon is not allowed."));
    if (!isToken(name))
        return fail(400, QByteArrayLiteral("A header field name is not a valid token."));
    const QByteArray value = trimOws(line.mid(colon + 1));
    if (hasForbiddenControl(value))
        return fail(400, QByteArrayLiteral("A header field value contains control characters."));

    if (++m_headerCount > m_limits.maxHeaderCount)
        return fail(431, QByteArrayLiteral("The request has too many header fields."));
    // Trailers are read to find the end of the message and otherwise dropped: nothing here needs them,
    // and merging them into the headers after the fact would let a body smuggle in header values.
    if (m_state == State::Headers)
        m_request.headers.append({name.toLower(), value});
    return true;
}

bool HttpRequestParser::finishHead()
{
    const int hosts = countFields(m_request, "host");
    if (m_request.versionMinor == 1 && hosts == 0)
        return fail(400, QByteArrayLiteral("HTTP/1.1 requests must have a Host header."));
    if (hosts > 1)
        return fail(400, QByteArrayLiteral("A request must have only one Host header."));

    const bool hasTransferEncoding = m_request.hasHeader("transfer-encoding");
    const bool hasContentLength = m_request.hasHeader("content-length");
    bool chunked = false;
    qint64 contentLength = 0;

    if (hasTransferEncoding) {
        if (m_request.versionMinor == 0)
            return fail(400, QByteArrayLiteral("Transfer-Encoding is not allowed in HTTP/1.0 requests."));
        if (hasContentLength)
            return fail(
                400, QByteArrayLiteral("A request must not have both Content-Length and Transfer-Encoding."));
        const QByteArrayList codings = listElements(m_request, "transfer-encoding");
        int chunkedCount = 0;
        for (const QByteArray &coding : codings) {
            if (coding.compare("chunked", Qt::CaseInsensitive) != 0)
                return fail(501, QByteArrayLiteral("Only the chunked transfer coding is supported."));
            ++chunkedCount;
        }
        if (chunkedCount != 1)
            return fail(400, QByteArrayLiteral("The Transfer-Encoding header is invalid."));
        chunked = true;
    } else if (hasContentLength) {
        // Several fields or a list are tolerated only when they all say the same thing (RFC 9110 8.6);
        // empty elements count as invalid here, unlike in other lists, since "5," is not a length.
        QByteArray length;
        for (const auto &field : std::as_const(m_request.headers)) {
            if (field.first != "content-length")
                continue;
            const QByteArrayList parts = field.second.split(',');
            for (const QByteArray &part : parts) {
                QByteArray digits = trimOws(part);
                if (digits.isEmpty() || !std::all_of(digits.cbegin(), digits.cend(), isDigit))
                    return fail(400, QByteArrayLiteral("The Content-Length header is invalid."));
                while (digits.size() > 1 && digits.startsWith('0'))
                    digits.remove(0, 1);
                if (!length.isEmpty() && digits != length)
                    return fail(400, QByteArrayLiteral("The request has conflicting Content-Length values."));
                length = digits;
            }
        }
        if (length.size() > kMaxContentLengthDigits)
            return fail(413, QByteArrayLiteral("The request body is too large."));
        contentLength = length.toLongLong();
        if (contentLength > m_limits.maxBodyBytes) {
            return fail(413, QByteArrayLiteral("The request body is larger than the limit of ") +
                                 QByteArray::number(m_limits.maxBodyBytes) + QByteArrayLiteral(" bytes."));
        }
    }

    const QByteArrayList connectionOptions = listElements(m_request, "connection");
    const auto hasOption = [&connectionOptions](const char *option) {
        return std::any_of(
            connectionOptions.cbegin(), connectionOptions.cend(),
            [option](const QByteArray &o) { return o.compare(option, Qt::CaseInsensitive) == 0; });
    };
    m_request.keepAlive =
        m_request.versionMinor == 1 ? !hasOption("close") : hasOption("keep-alive") && !hasOption("close");

    const bool bodyPending = chunked || contentLength > 0;
    m_expectContinue =
        bodyPending && m_request.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0;

    if (chunked) {
        m_state = State::ChunkSize;
    } else if (contentLength > 0) {
        // Reserve modestly: a thousand idle connections each announcing a megabyte must not cost a gigabyte.
        m_request.body.reserve(qMin<qint64>(contentLength, 64 * 1024));
        m_remaining = contentLength;
        m_state = State::Body;
    } else {
        m_state = State::Complete;
    }
    return true;
}

bool HttpRequestParser::parseChunkSize(const QByteArray &line)
{
    qsizetype digits = 0;
    while (digits < line.size() && isHexDigit(line.at(digits)))
        ++digits;
    if (digits == 0)
        return fail(400, QByteArrayLiteral("A chunk size is malformed."));

    // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ); extensions are ignored, but only after a ';'.
    qsizetype rest = digits;
    while (rest < line.size() && isWhitespace(line.at(rest)))
        ++rest;
    if (rest < line.size() && line.at(rest) != ';')
        return fail(400, QByteArrayLiteral("A chunk size is malformed."));
    if (rest == line.size() && rest != digits)
        return fail(400, QByteArrayLiteral("A chunk size is malformed."));
    if (hasForbiddenControl(QByteArrayView(line).sliced(rest)))
        return fail(400, QByteArrayLiteral("A chunk extension contains control characters."));

    qsizetype significant = 0;
    while (significant < digits - 1 && line.at(significant) == '0')
        ++significant;
    if (digits - significant > kMaxChunkSizeDigits)
        return fail(400, QByteArrayLiteral("A chunk size is too large."));
    const qint64 size = line.mid(significant, digits - significant).toLongLong(nullptr, 16);

    if (m_request.body.size() + size > m_limits.maxBodyBytes) {
        return fail(413, QByteArrayLiteral("The request body is larger than the limit of ") +
                             QByteArray::number(m_limits.maxBodyBytes) + QByteArrayLiteral(" bytes."));
    }
    if (size == 0) {
        m_state = State::Trailers;
    } else {
        m_remaining = size;
        m_state = State::ChunkData;
    }
    return true;
}

bool HttpRequestParser::fail(int status, const QByteArray &reason)
{
    m_state = State::Error;
    m_errorStatus = status;
    m_errorReason = reason;
    return false;
}

HttpRequest HttpRequestParser::takeRequest()
{
    HttpRequest request = std::move(m_request);
    reset();
    return request;
}

bool HttpRequestParser::headersComplete() const
{
    switch (m_state) {
    case State::Body:
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkDataEnd:
    case State::Trailers:
        return true;
    default:
        return false;
    }
}

bool HttpRequestParser::expectsContinue() const
{
    return m_expectContinue && headersComplete();
}

bool HttpRequestParser::inProgress() const
{
    return m_state != State::RequestLine || m_headBytes > 0;
}

int HttpRequestParser::errorStatus() const
{
    return m_errorStatus;
}

QByteArray HttpRequestParser::errorReason() const
{
    return m_errorReason;
}

const HttpLimits &HttpRequestParser::limits() const
{
    return m_limits;
}

void HttpRequestParser::reset()
{
    m_state = State::RequestLine;
    m_request = HttpRequest();
    m_headBytes = 0;
    m_headerCount = 0;
    m_leadingEmptyLines = 0;
    m_remaining = 0;
    m_expectContinue = false;
    m_errorStatus = 0;
    m_errorReason.clear();
}
