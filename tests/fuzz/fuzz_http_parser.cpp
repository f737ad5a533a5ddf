// libFuzzer target: HttpRequestParser, the first code that sees bytes from the network.
//
// Input: one control byte, then the bytes a client sends on one connection (any number of pipelined
// requests). The control byte chooses
//   bit 0      the limits: the server's defaults, or tiny ones (so 413 and 431 are reachable in a few bytes)
//   bits 1-3   the largest piece the stream is cut into: 1, 2, 4, ... 128 bytes
//   bits 4-7   the seed of the cut points
// The seeds in corpus/http_parser/ are plain requests behind a printable control byte.
//
// Each input is parsed twice, the way HttpConnection drives the parser: once with the whole stream in the
// buffer, once delivered in the chosen pieces. Both must give the same requests and the same outcome (the
// parser promises that bytes may arrive in any split). Every request must satisfy what the parser promises
// its callers, and must parse again, unchanged, from a canonical re-serialisation.

#include "FuzzSupport.h"

#include "HttpRequestParser.h"

#include <QByteArrayList>

#include <cstddef>
#include <cstdint>

namespace {

using Status = HttpRequestParser::Status;

struct Outcome
{
    QList<HttpRequest> requests;
    Status status = Status::NeedMore;
    int errorStatus = 0;
    QByteArray errorReason;
    QByteArray rest; // unconsumed bytes (compared only without an error: after one, feeding stops)
    bool headersComplete = false;
    bool expectsContinue = false;
    bool inProgress = false;
};

bool isTchar(char c)
{
    static const QByteArray extra = QByteArrayLiteral("!#$%&'*+-.^_`|~");
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || extra.contains(c);
}

bool isToken(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return false;
    for (char c : bytes) {
        if (!isTchar(c))
            return false;
    }
    return true;
}

void checkConsistentState(HttpRequestParser &parser, Status status, QByteArray &buffer)
{
    // After Complete or Error the parser consumes nothing and repeats itself until takeRequest()/reset().
    if (status == Status::Complete || status == Status::Error) {
        const QByteArray before = buffer;
        FUZZ_CHECK(parser.feed(buffer) == status);
        FUZZ_CHECK(buffer == before);
    }
    if (status == Status::Error) {
        const int code = parser.errorStatus();
        FUZZ_CHECK(code == 400 || code == 413 || code == 431 || code == 501 || code == 505,
                   QString::number(code));
        FUZZ_CHECK(!parser.errorReason().isEmpty());
    } else {
        FUZZ_CHECK(parser.errorStatus() == 0);
    }
}

// Drives the parser like HttpConnection: append what arrived, feed, take every complete request, stop at
// the first error.
Outcome run(const QList<QByteArray> &pieces, const HttpLimits &limits)
{
    HttpRequestParser parser(limits);
    Outcome outcome;
    QByteArray buffer;
    for (const QByteArray &piece : pieces) {
        buffer.append(piece);
        for (;;) {
            const qsizetype before = buffer.size();
            outcome.status = parser.feed(buffer);
            FUZZ_CHECK(buffer.size() <= before);
            checkConsistentState(parser, outcome.status, buffer);
            if (outcome.status != Status::Complete)
                break;
            outcome.requests.append(parser.takeRequest());
            FUZZ_CHECK(!parser.inProgress() && !parser.headersComplete());
        }
        if (outcome.status == Status::Error) {
            outcome.errorStatus = parser.errorStatus();
            outcome.errorReason = parser.errorReason();
            break;
        }
    }
    outcome.rest = buffer;
    outcome.headersComplete = parser.headersComplete();
    outcome.expectsContinue = parser.expectsContinue();
    outcome.inProgress = parser.inProgress();
    return outcome;
}

QString describe(const HttpRequest &r)
{
    QString text =
        QString::fromLatin1(r.method + ' ' + r.target + " HTTP/1.") + QString::number(r.versionMinor);
    for (const auto &h : r.headers)
        text += QStringLiteral(" | ") + fuzz::printable(h.first + ": " + h.second);
    text += QStringLiteral(" | body %1 bytes, keepAlive %2").arg(r.body.size()).arg(r.keepAlive);
    return text;
}

bool sameRequest(const HttpRequest &a, const HttpRequest &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.versionMinor == b.versionMinor && a.headers == b.headers && a.body == b.body &&
           a.keepAlive == b.keepAlive;
}

// What the parser promises about every request it completes.
void checkRequest(const HttpRequest &r, const HttpLimits &limits)
{
    const auto what = [&r] {
        return describe(r);
    };
    FUZZ_CHECK(isToken(r.method), what());
    FUZZ_CHECK(!r.target.isEmpty(), what());
    for (char c : r.target) {
        const auto u = static_cast<unsigned char>(c);
        FUZZ_CHECK(u > 0x20 && u < 0x7f && c != '#', what());
    }
    FUZZ_CHECK(r.target.startsWith('/') || (r.target == "*" && r.method == "OPTIONS"), what());
    const qsizetype question = r.target.indexOf('?');
    FUZZ_CHECK(r.path == (question < 0 ? r.target : r.target.left(question)), what());
    FUZZ_CHECK(r.query == (question < 0 ? QByteArray() : r.target.mid(question + 1)), what());
    FUZZ_CHECK(r.versionMinor == 0 || r.versionMinor == 1, what());
    FUZZ_CHECK(r.headers.size() <= limits.maxHeaderCount, what());
    FUZZ_CHECK(r.body.size() <= limits.maxBodyBytes, what());

    int hosts = 0;
    for (const auto &[name, value] : r.headers) {
        FUZZ_CHECK(isToken(name) && name == name.toLower(), what());
        for (char c : value) {
            const auto u = static_cast<unsigned char>(c);
            FUZZ_CHECK((u >= 0x20 || c == '\t') && u != 0x7f, what());
        }
        FUZZ_CHECK(value.isEmpty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                                       value.back() != '\t'),
                   what());
        if (name == "host")
            ++hosts;
    }
    FUZZ_CHECK(hosts <= 1 && (r.versionMinor == 0 || hosts == 1), what());
    FUZZ_CHECK(!(r.hasHeader("content-length") && r.hasHeader("transfer-encoding")), what());
    FUZZ_CHECK(r.versionMinor == 1 || !r.hasHeader("transfer-encoding"), what());
    if (!r.hasHeader("transfer-encoding") && !r.hasHeader("content-length"))
        FUZZ_CHECK(r.body.isEmpty(), what());
}

// The request written out again with the body framed by Content-Length: it must parse to the same request.
void checkReserialised(const HttpRequest &r, const HttpLimits &limits)
{
    QByteArray wire = r.method + ' ' + r.target + " HTTP/1." + QByteArray::number(r.versionMinor) + "\r\n";
    HttpRequest expected = r;
    expected.headers.clear();
    for (const auto &header : r.headers) {
        if (header.first == "content-length" || header.first == "transfer-encoding")
            continue;
        wire += header.first + ": " + header.second + "\r\n";
        expected.headers.append(header);
    }
    if (!r.body.isEmpty()) {
        wire += "content-length: " + QByteArray::number(r.body.size()) + "\r\n";
        expected.headers.append({QByteArrayLiteral("content-length"), QByteArray::number(r.body.size())});
    }
    wire += "\r\n" + r.body;

    HttpLimits roomy = limits;
    roomy.maxHeaderBytes = wire.size() + 1; // the rewrite may be longer than the original head
    HttpRequestParser parser(roomy);
    QByteArray buffer = wire;
    const Status status = parser.feed(buffer);
    FUZZ_CHECK(status == Status::Complete, describe(r) + QStringLiteral(" -> ") +
                                               QString::number(parser.errorStatus()) + u' ' +
                                               QString::fromLatin1(parser.errorReason()));
    FUZZ_CHECK(buffer.isEmpty());
    const HttpRequest again = parser.takeRequest();
    FUZZ_CHECK(sameRequest(again, expected), describe(again) + QStringLiteral(" != ") + describe(expected));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::installQuietMessageHandler();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const quint8 control = data[0];
    const QByteArray stream(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpLimits limits;
    if (control & 1) {
        limits.maxHeaderBytes = 256;
        limits.maxHeaderCount = 6;
        limits.maxBodyBytes = 64;
    }
    const qsizetype maxPiece = qsizetype(1) << ((control >> 1) & 7);
    fuzz::SplitMix random{quint64(control >> 4) * 0x100000001B3ull + quint64(stream.size())};

    QList<QByteArray> pieces;
    for (qsizetype offset = 0; offset < stream.size();) {
        const qsizetype length =
            qMin<qsizetype>(1 + qsizetype(random.next() % quint64(maxPiece)), stream.size() - offset);
        pieces.append(stream.mid(offset, length));
        offset += length;
    }

    const Outcome whole = run({stream}, limits);
    const Outcome split = run(pieces, limits);

    FUZZ_CHECK(whole.status == split.status,
               QStringLiteral("whole %1, split %2").arg(int(whole.status)).arg(int(split.status)));
    FUZZ_CHECK(whole.requests.size() == split.requests.size());
    for (qsizetype i = 0; i < whole.requests.size(); ++i) {
        FUZZ_CHECK(sameRequest(whole.requests.at(i), split.requests.at(i)),
                   describe(whole.requests.at(i)) + QStringLiteral(" != ") + describe(split.requests.at(i)));
    }
    FUZZ_CHECK(whole.errorStatus == split.errorStatus && whole.errorReason == split.errorReason,
               QString::fromLatin1(whole.errorReason + " != " + split.errorReason));
    if (whole.status != Status::Error) {
        FUZZ_CHECK(whole.rest == split.rest);
        FUZZ_CHECK(whole.headersComplete == split.headersComplete);
        FUZZ_CHECK(whole.expectsContinue == split.expectsContinue);
        FUZZ_CHECK(whole.inProgress == split.inProgress);
        // Everything is consumed except an incomplete line of the head (or a partial chunk-size line).
        FUZZ_CHECK(!whole.rest.contains('\n') || whole.headersComplete, fuzz::printable(whole.rest));
    }

    for (const HttpRequest &request : whole.requests) {
        checkRequest(request, limits);
        checkReserialised(request, limits);
    }
    return 0;
}
