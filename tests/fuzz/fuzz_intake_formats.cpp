// libFuzzer target: the Harbor and CloudEvents intake parsers (HarborPayloadParser, CloudEventParser in all
// three modes), the parsers behind POST /v1/notify/harbor and /v1/notify/cloudevents.
//
// Input: the first byte picks the parser: 'H' Harbor (application/json), 'S' structured CloudEvent, 'B'
// batch, anything else binary mode, where the input up to the first blank line is header lines "name: value"
// (names lower-cased, as HttpRequestParser gives them) and the rest is the body. Seeds:
// corpus/intake_formats/ (the samples of tests/data/harbor and tests/data/cloudevents with their control
// byte).
//
// Checked for every input, beyond "no crash, no leak, no undefined behaviour":
// - a refused request says why and yields no events;
// - an accepted one yields events with an id, a lower-case action, a repository, UTC times, and the
//   content type and format of their parser;
// - stored bytes: Harbor and structured keep the whole body; each batch event is an in-order slice of the
//   body that parses to exactly the element Qt's parser saw; a binary event is stored as a structured
//   CloudEvent with specversion 1.0.

#include "FuzzSupport.h"

#include "CloudEventParser.h"
#include "HarborPayloadParser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

namespace {

HttpRequest binaryRequest(const QByteArray &input)
{
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/notify/cloudevents";
    const qsizetype blank = input.indexOf("\n\n");
    const QByteArray head = blank < 0 ? input : input.left(blank);
    request.body = blank < 0 ? QByteArray() : input.mid(blank + 2);
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.append({line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
    }
    return request;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::installQuietMessageHandler();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QDateTime receivedAt = QDateTime(QDate(2026, 11, 26), QTime(9, 0, 0), Qt::UTC);
    if (size == 0)
        return 0;
    const char mode = char(data[0]);
    const QByteArray body(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);

    EnvelopeParseResult result;
    switch (mode) {
    case 'H':
        result = HarborPayloadParser::parse(body, "application/json", receivedAt);
        break;
    case 'S':
        result = CloudEventParser::parseStructured(body, receivedAt);
        break;
    case 'B':
        result = CloudEventParser::parseBatch(body, receivedAt);
        break;
    default:
        result = CloudEventParser::parseBinary(binaryRequest(body), receivedAt);
        break;
    }
    if (!result.ok) {
        FUZZ_CHECK(!result.error.isEmpty());
        FUZZ_CHECK(result.events.isEmpty());
        return 0;
    }
    FUZZ_CHECK(result.error.isEmpty(), result.error);
    FUZZ_CHECK(mode == 'B' || result.events.size() == 1);

    const QJsonArray batch = mode == 'B' ? QJsonDocument::fromJson(body).array() : QJsonArray();
    FUZZ_CHECK(mode != 'B' || batch.size() == result.events.size());
    qsizetype searchFrom = 0;
    for (qsizetype i = 0; i < result.events.size(); ++i) {
        const RegistryEvent &event = result.events.at(i);
        const QString where = QStringLiteral("event %1").arg(i);
        FUZZ_CHECK(!event.eventId.isEmpty() && !event.action.isEmpty() && !event.repository.isEmpty(), where);
        FUZZ_CHECK(event.action == event.action.toLower(), where);
        FUZZ_CHECK(event.timestamp.isValid() && event.timestamp.timeSpec() == Qt::UTC, where);
        FUZZ_CHECK(event.receivedAt == receivedAt, where);
        const bool harborDefault = event.sourceFormat == QLatin1StringView(RegistryEvent::harborFormat);
        FUZZ_CHECK(harborDefault
                       ? mode == 'H' && event.contentType == "application/json"
                       : event.sourceFormat == QLatin1StringView(RegistryEvent::cloudEventsFormat) &&
                             event.contentType == CloudEventParser::structuredMediaType,
                   where);
        if (mode == 'H' || mode == 'S') {
            FUZZ_CHECK(event.rawJson == body, where);
        } else if (mode == 'B') {
            const qsizetype at = body.indexOf(event.rawJson, searchFrom);
            FUZZ_CHECK(!event.rawJson.isEmpty() && at >= 0, where + QStringLiteral(" is not a later slice"));
            searchFrom = at + event.rawJson.size();
            FUZZ_CHECK(QJsonDocument::fromJson(event.rawJson).object() == batch.at(i).toObject(),
                       where + QStringLiteral(" bytes are not the element: ") +
                           fuzz::printable(event.rawJson));
        } else {
            const QJsonObject stored = QJsonDocument::fromJson(event.rawJson).object();
            FUZZ_CHECK(stored.value(QLatin1StringView("specversion")).toString() == QLatin1StringView("1.0"),
                       fuzz::printable(event.rawJson));
        }
    }
    return 0;
}
