#include "EnvelopeParser.h"

#include "EnvelopeFastReader.h"
#include "JsonSpanScanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

namespace {

EnvelopeParseResult failure(const QString &error)
{
    EnvelopeParseResult result;
    result.error = error;
    return result;
}

} // namespace

QString EnvelopeParser::jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

namespace {

// A required, non-empty string member. Returns an error sentence, empty when *out was set.
QString requiredString(const QJsonObject &object, const QString &path, const QString &name, QString *out)
{
    const QString where = path + u'.' + name;
    const auto it = object.constFind(name);
    if (it == object.constEnd())
        return where + QStringLiteral(" is missing");
    if (!it->isString())
        return where + QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(*it) +
               QStringLiteral(", not a string");
    *out = it->toString();
    if (out->isEmpty())
        return where + QStringLiteral(" is empty");
    return {};
}

int digitsAt(QStringView text, qsizetype pos, qsizetype count, bool *ok)
{
    if (pos + count > text.size()) {
        *ok = false;
        return 0;
    }
    int value = 0;
    for (qsizetype i = pos; i < pos + count; ++i) {
        const char16_t c = text.at(i).unicode();
        if (c < u'0' || c > u'9') {
            *ok = false;
            return 0;
        }
        value = value * 10 + (c - u'0');
    }
    return value;
}

} // namespace

QDateTime EnvelopeParser::parseTimestamp(QStringView text)
{
    // date-time = full-date "T" partial-time time-offset, e.g. 2026-11-26T04:18:28.322554338Z
    bool ok = true;
    const int year = digitsAt(text, 0, 4, &ok);
    const int month = digitsAt(text, 5, 2, &ok);
    const int day = digitsAt(text, 8, 2, &ok);
    const int hour = digitsAt(text, 11, 2, &ok);
    const int minute = digitsAt(text, 14, 2, &ok);
    int second = digitsAt(text, 17, 2, &ok);
    if (!ok || text.at(4) != u'-' || text.at(7) != u'-' || text.at(13) != u':' || text.at(16) != u':')
        return {};
    // RFC 3339 allows a lower-case "t" and, by its note, a space.
    const QChar separator = text.at(10);
    if (separator != u'T' && separator != u't' && separator != u' ')
        return {};

    qsizetype pos = 19;
    int millisecond = 0;
    if (pos < text.size() && text.at(pos) == u'.') {
        ++pos;
        const qsizetype fractionBegin = pos;
        while (pos < text.size() && text.at(pos).isDigit() && text.at(pos).unicode() < 128)
            ++pos;
        if (pos == fractionBegin)
            return {};
        // Registries send nanoseconds; QDateTime keeps milliseconds. Truncate, as a clock would.
        for (qsizetype i = 0; i < 3; ++i) {
            const qsizetype digit = fractionBegin + i;
            millisecond = millisecond * 10 + (digit < pos ? text.at(digit).unicode() - u'0' : 0);
        }
    }

    if (pos >= text.size())
        return {};
    int offsetSeconds = 0;
    const QChar zone = text.at(pos);
    if (zone == u'Z' || zone == u'z') {
        ++pos;
    } else if (zone == u'+' || zone == u'-') {
        const int offsetHours = digitsAt(text, pos + 1, 2, &ok);
        const int offsetMinutes = digitsAt(text, pos + 4, 2, &ok);
        if (!ok || text.at(pos + 3) != u':' || offsetHours > 23 || offsetMinutes > 59)
            return {};
        offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60 * (zone == u'-' ? -1 : 1);
        pos += 6;
    } else {
        return {};
    }
    if (pos != text.size())
        return {};

    // A leap second (":60") is real RFC 3339 but QTime cannot hold it; the last millisecond of the minute is
    // as close as it gets.
    if (second == 60) {
        second = 59;
        millisecond = 999;
    }
    const QDate date(year, month, day);
    const QTime time(hour, minute, second, millisecond);
    if (!date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC).addSecs(-offsetSeconds);
}

EnvelopeParseResult EnvelopeParser::parse(const QByteArray &body, const QByteArray &contentType,
                                          const QDateTime &receivedAt)
{
    EnvelopeParseResult result;
    if (EnvelopeFastReader::read(body, contentType, receivedAt.toUTC(), maxEventsPerEnvelope,
                                 &result.events)) {
        result.ok = true;
        return result;
    }
    return parseThroughDocument(body, contentType, receivedAt);
}

EnvelopeParseResult EnvelopeParser::parseThroughDocument(const QByteArray &body,
                                                         const QByteArray &contentType,
                                                         const QDateTime &receivedAt)
{
    if (body.isEmpty())
        return failure(QStringLiteral("the body is empty"));

    // QJsonDocument validates everything first, including its own nesting limit, so a hostile body
    // ("[[[[..." a hundred thousand deep) ends here as an error rather than in deep recursion later.
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return failure(QStringLiteral("the body is not valid JSON: %1 at offset %2")
                           .arg(parseError.errorString(), QString::number(parseError.offset)));
    }
    if (!document.isObject())
        return failure(QStringLiteral("the body is not a JSON object (expected {\"events\": [...]})"));

    const QJsonObject envelope = document.object();
    const auto eventsIt = envelope.constFind(QLatin1StringView("events"));
    if (eventsIt == envelope.constEnd())
        return failure(QStringLiteral("the body has no \"events\" member"));
    if (!eventsIt->isArray())
        return failure(
            QStringLiteral("\"events\" is %1, not an array").arg(EnvelopeParser::jsonTypeName(*eventsIt)));
    const QJsonArray events = eventsIt->toArray();
    if (events.isEmpty())
        return failure(QStringLiteral("the \"events\" array is empty"));
    if (events.size() > maxEventsPerEnvelope) {
        return failure(QStringLiteral("the envelope holds %1 events; at most %2 are accepted in one request")
                           .arg(QString::number(events.size()), QString::number(maxEventsPerEnvelope)));
    }

    QList<JsonSpanScanner::Span> spans;
    if (!JsonSpanScanner(body).scanMemberArray(QStringLiteral("events"), &spans) ||
        spans.size() != events.size()) {
        // The scanner refuses only a top-level member name that begins with a byte order mark, which
        // QJsonDocument itself reads two ways; refusing is better than storing the wrong bytes.
        return failure(QStringLiteral("the \"events\" array could not be located in the body unambiguously "
                                      "(does a member name begin with a byte order mark, U+FEFF?)"));
    }

    const QDateTime receivedUtc = receivedAt.toUTC();
    EnvelopeParseResult result;
    result.events.reserve(events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString path = QStringLiteral("events[%1]").arg(i);
        const QJsonValue value = events.at(i);
        if (!value.isObject()) {
            return failure(path + QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(value) +
                           QStringLiteral(", not an object"));
        }
        const QJsonObject object = value.toObject();

        RegistryEvent event;
        QString error = requiredString(object, path, QStringLiteral("id"), &event.eventId);
        if (error.isEmpty())
            error = requiredString(object, path, QStringLiteral("action"), &event.action);
        if (!error.isEmpty())
            return failure(error);
        event.action = event.action.toLower();

        const QJsonValue targetValue = object.value(QLatin1StringView("target"));
        if (targetValue.isUndefined())
            return failure(path + QStringLiteral(".target is missing"));
        if (!targetValue.isObject()) {
            return failure(path + QStringLiteral(".target is ") + EnvelopeParser::jsonTypeName(targetValue) +
                           QStringLiteral(", not an object"));
        }
        const QJsonObject target = targetValue.toObject();
        error = requiredString(target, path + QStringLiteral(".target"), QStringLiteral("repository"),
                               &event.repository);
        if (!error.isEmpty())
            return failure(error);

        event.tag = target.value(QLatin1StringView("tag")).toString();
        event.digest = target.value(QLatin1StringView("digest")).toString();
        event.mediaType = target.value(QLatin1StringView("mediaType")).toString();
        // "length" is the older name of "size"; distribution 2.x sends both.
        const QJsonValue size = target.contains(QLatin1StringView("size"))
                                    ? target.value(QLatin1StringView("size"))
                                    : target.value(QLatin1StringView("length"));
        event.size = size.toInteger();

        event.timestamp = parseTimestamp(object.value(QLatin1StringView("timestamp")).toString());
        if (!event.timestamp.isValid())
            event.timestamp = receivedUtc;

        event.actor =
            object.value(QLatin1StringView("actor")).toObject().value(QLatin1StringView("name")).toString();
        const QJsonObject source = object.value(QLatin1StringView("source")).toObject();
        event.sourceAddr = source.value(QLatin1StringView("addr")).toString();
        event.sourceInstance = source.value(QLatin1StringView("instanceID")).toString();

        event.contentType = contentType;
        event.rawJson = body.mid(spans.at(i).begin, spans.at(i).length);
        event.receivedAt = receivedUtc;
        result.events.append(event);
    }
    result.ok = true;
    return result;
}
