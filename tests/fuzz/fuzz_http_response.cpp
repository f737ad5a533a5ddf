// libFuzzer target: HttpResponseReader, which frames the answers of webhook receivers on reused connections.
//
// Input: one control byte, then the bytes a server sends on one connection. The control byte chooses
//   bit 0      how much body is kept: 64 KiB (the dispatcher's) or 8 bytes (so cutting a body is reachable)
//   bit 1      whether the server closes the connection after its bytes
//   bits 2-4   the largest piece the stream is cut into: 1, 2, 4, ... 128 bytes
//   bits 5-7   the seed of the cut points
// The seeds in corpus/http_response/ are plain answers behind a printable control byte.
//
// Each input is read twice: with the whole stream in the buffer, and delivered in the chosen pieces. Both
// must give the same answer and the same bytes left over (the reader promises that bytes may arrive in any
// split, which is what keeps a reused connection in step). Every outcome must keep what the reader promises:
// a kept body no longer than asked, nothing consumed after Complete or Error, and a status only with an
// answer.

#include "FuzzSupport.h"

#include "HttpResponseReader.h"

#include <cstddef>
#include <cstdint>

namespace {

using Status = HttpResponseReader::Status;

struct Outcome
{
    Status status = Status::NeedMore;
    int code = 0;
    HttpResponseReader::Headers headers;
    QByteArray body;
    bool keepAlive = false;
    QString error;
    QByteArray rest;
};

Outcome readStream(const QByteArray &stream, qsizetype kept, bool closes, qsizetype maxPiece, quint64 seed)
{
    HttpResponseReader reader(kept);
    fuzz::SplitMix random{seed};
    QByteArray buffer;
    qsizetype offset = 0;
    Status status = Status::NeedMore;
    while (status == Status::NeedMore && offset < stream.size()) {
        const qsizetype piece =
            maxPiece == 0 ? stream.size() : 1 + qsizetype(random.next() % quint64(maxPiece));
        buffer += stream.mid(offset, piece);
        offset += piece;
        status = reader.feed(buffer);
    }
    if (status == Status::NeedMore && closes)
        status = reader.finish();
    if (status != Status::NeedMore) {
        // Done: it consumes nothing more and repeats itself.
        const QByteArray before = buffer;
        FUZZ_CHECK(reader.feed(buffer) == status);
        FUZZ_CHECK(buffer == before);
    }
    Outcome outcome;
    outcome.status = status;
    outcome.code = reader.status();
    outcome.headers = reader.headers();
    outcome.body = reader.body();
    outcome.keepAlive = reader.keepAlive();
    outcome.error = reader.errorMessage();
    outcome.rest = buffer + stream.mid(offset);
    FUZZ_CHECK(outcome.body.size() <= kept, QStringLiteral("kept %1 bytes").arg(outcome.body.size()));
    if (status == Status::Complete) {
        FUZZ_CHECK(outcome.code >= 200 && outcome.code <= 599, QString::number(outcome.code));
        FUZZ_CHECK(outcome.error.isEmpty());
    }
    if (status == Status::Error)
        FUZZ_CHECK(!outcome.error.isEmpty());
    return outcome;
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
    const qsizetype kept = (control & 1) ? 8 : 64 * 1024;
    const bool closes = control & 2;
    const qsizetype maxPiece = qsizetype(1) << ((control >> 2) & 7);
    const quint64 seed = control >> 5;

    const Outcome whole = readStream(stream, kept, closes, 0, seed);
    const Outcome pieces = readStream(stream, kept, closes, maxPiece, seed);
    const QString detail = fuzz::printable(stream);
    FUZZ_CHECK(whole.status == pieces.status, detail);
    if (whole.status == Status::Error)
        return 0; // the connection is closed: where the reader stopped does not matter
    FUZZ_CHECK(whole.code == pieces.code, detail);
    FUZZ_CHECK(whole.headers == pieces.headers, detail);
    FUZZ_CHECK(whole.body == pieces.body, detail);
    FUZZ_CHECK(whole.keepAlive == pieces.keepAlive, detail);
    FUZZ_CHECK(whole.rest == pieces.rest, detail);
    return 0;
}
