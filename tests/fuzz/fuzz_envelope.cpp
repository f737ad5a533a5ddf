// libFuzzer target: EnvelopeParser, which turns a registry's POST body into events, and what the intake does
// with the result (routing through WebhookFilter).
//
// Input: the request body, as the registry would send it. Seeds: the real registry envelopes in tests/data
// and corpus/envelope/.
//
// Checked for every input, beyond "no crash, no leak, no undefined behaviour":
// - a rejected envelope says why; an accepted one holds 1..maxEventsPerEnvelope events, each with the
//   required fields, a lower-case action and UTC times;
// - each event's rawJson (the bytes forwarded to subscribers) is a slice of the body, the slices are in
//   order and do not overlap, and each parses on its own to exactly the object QJsonDocument saw at that
//   index: the hand-written span scanner agrees with Qt's parser;
// - parseTimestamp on the body (as text) never crashes and gives an invalid or a UTC time;
// - parse() (which tries EnvelopeFastReader's single pass first) and parseThroughDocument() give the same
//   result: the same events field for field, or the same error.

#include "FuzzSupport.h"

#include "EnvelopeParser.h"
#include "WebhookFilter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

namespace {

const QByteArray kContentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json");

QList<WebhookFilter> routingFilters()
{
    QList<WebhookFilter> filters;
    WebhookConfig defaults; // push of image manifests and indexes, every repository and tag
    filters.append(WebhookFilter(defaults));
    WebhookConfig everything;
    everything.actions = {QStringLiteral("*")};
    everything.mediaTypes = {QStringLiteral("*")};
    filters.append(WebhookFilter(everything));
    WebhookConfig narrow;
    narrow.actions = {QStringLiteral("push"), QStringLiteral("delete")};
    narrow.repositoryGlobs = {QStringLiteral("prod/*"), QStringLiteral("ngi[n-x]?")};
    narrow.tagGlobs = {QStringLiteral("v*"), QStringLiteral("1.*-alpine")};
    narrow.mediaTypes = {QStringLiteral("application/vnd.oci.*")};
    filters.append(WebhookFilter(narrow));
    return filters;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::installQuietMessageHandler();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QList<WebhookFilter> filters = routingFilters();
    static const QDateTime receivedAt = QDateTime(QDate(2026, 11, 26), QTime(4, 18, 30, 123), Qt::UTC);

    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));

    const QDateTime timestamp = EnvelopeParser::parseTimestamp(QString::fromUtf8(body));
    FUZZ_CHECK(!timestamp.isValid() || timestamp.timeSpec() == Qt::UTC);

    const EnvelopeParseResult result = EnvelopeParser::parse(body, kContentType, receivedAt);

    // parse() reads most bodies with EnvelopeFastReader's single pass. Whatever that takes must be read
    // exactly as the QJsonDocument path reads it, and what it declines goes to that path: so the two results
    // are the same for every input, errors included.
    const EnvelopeParseResult throughDocument =
        EnvelopeParser::parseThroughDocument(body, kContentType, receivedAt);
    FUZZ_CHECK(result.ok == throughDocument.ok,
               QStringLiteral("the fast reader and QJsonDocument disagree on accepting: ") +
                   (result.ok ? throughDocument.error : result.error));
    FUZZ_CHECK(result.error == throughDocument.error,
               result.error + QStringLiteral(" / ") + throughDocument.error);
    FUZZ_CHECK(result.events.size() == throughDocument.events.size());
    for (qsizetype i = 0; i < result.events.size(); ++i) {
        FUZZ_CHECK(result.events.at(i) == throughDocument.events.at(i),
                   QStringLiteral("events[%1] differs between the fast reader and QJsonDocument").arg(i));
    }

    if (!result.ok) {
        FUZZ_CHECK(!result.error.isEmpty());
        FUZZ_CHECK(result.events.isEmpty());
        return 0;
    }

    FUZZ_CHECK(result.error.isEmpty(), result.error);
    FUZZ_CHECK(!result.events.isEmpty() && result.events.size() <= EnvelopeParser::maxEventsPerEnvelope);

    // The parser accepted the body, so Qt accepts it too; compare each event's bytes with Qt's view of it.
    const QJsonArray events =
        QJsonDocument::fromJson(body).object().value(QLatin1StringView("events")).toArray();
    FUZZ_CHECK(events.size() == result.events.size());

    qsizetype searchFrom = 0;
    for (qsizetype i = 0; i < result.events.size(); ++i) {
        const RegistryEvent &event = result.events.at(i);
        const auto where = [i] {
            return QStringLiteral("events[%1]").arg(i);
        };
        FUZZ_CHECK(!event.eventId.isEmpty() && !event.action.isEmpty() && !event.repository.isEmpty(),
                   where());
        FUZZ_CHECK(event.action == event.action.toLower(), where());
        FUZZ_CHECK(event.timestamp.isValid() && event.timestamp.timeSpec() == Qt::UTC, where());
        FUZZ_CHECK(event.receivedAt == receivedAt && event.receivedAt.timeSpec() == Qt::UTC, where());
        FUZZ_CHECK(event.contentType == kContentType, where());

        const qsizetype at = body.indexOf(event.rawJson, searchFrom);
        FUZZ_CHECK(!event.rawJson.isEmpty() && at >= 0,
                   where() + QStringLiteral(" rawJson is not a later slice of the body: ") +
                       fuzz::printable(event.rawJson));
        searchFrom = at + event.rawJson.size();

        QJsonParseError error;
        const QJsonDocument alone = QJsonDocument::fromJson(event.rawJson, &error);
        FUZZ_CHECK(error.error == QJsonParseError::NoError && alone.isObject(),
                   where() + QStringLiteral(" rawJson does not parse alone: ") +
                       fuzz::printable(event.rawJson));
        FUZZ_CHECK(alone.object() == events.at(i).toObject(),
                   where() + QStringLiteral(" rawJson is not the event Qt parsed: ") +
                       fuzz::printable(event.rawJson));
        FUZZ_CHECK(event.eventId == alone.object().value(QLatin1StringView("id")).toString(), where());

        for (const WebhookFilter &filter : filters) {
            const FilterVerdict verdict = filter.evaluate(event);
            FUZZ_CHECK(verdict.matched == verdict.reason.isEmpty(), where() + u' ' + verdict.reason);
        }
    }
    // The "everything" filter takes every event.
    for (const RegistryEvent &event : result.events)
        FUZZ_CHECK(filters.at(1).matches(event));
    return 0;
}
