#include "EnvelopeParser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

namespace {

// Finds the byte span of every element of the top-level "events" array. It runs only on bodies that
// QJsonDocument has already accepted, so it can rely on the input being well-formed JSON and only has to
// know enough to skip over strings (with their escapes) and nested containers.
class EventSpanScanner
{
public:
    struct Span
    {
        qsizetype begin;
        qsizetype length;
    };

    explicit EventSpanScanner(const QByteArray &body)
        : m_data(body.constData())
        , m_size(body.size())
    {}

    // false when the body does not have the expected shape (which the caller has checked already).
    bool scan(QList<Span> *spans)
    {
        // QJsonDocument skips a UTF-8 byte order mark, so the scanner does too.
        if (m_size >= 3 && m_data[0] == '\xEF' && m_data[1] == '\xBB' && m_data[2] == '\xBF')
            m_pos = 3;
        skipWhitespace();
        if (!consume('{'))
            return false;
        bool found = false;
        skipWhitespace();
        if (consume('}'))
            return false;
        while (true) {
            skipWhitespace();
            QByteArray key;
            if (!readString(&key))
                return false;
            skipWhitespace();
            if (!consume(':'))
                return false;
            skipWhitespace();
            if (decodeKey(key) == QLatin1StringView("events") && peek() == '[') {
                // With duplicate keys QJsonDocument keeps the last one; so does this.
                spans->clear();
                if (!scanArray(spans))
                    return false;
                found = true;
            } else if (!skipValue()) {
                return false;
            }
            skipWhitespace();
            if (consume('}'))
                return found;
            if (!consume(','))
                return false;
        }
    }

private:
    char peek() const { return m_pos < m_size ? m_data[m_pos] : '\0'; }

    bool consume(char c)
    {
        if (peek() != c)
            return false;
        ++m_pos;
        return true;
    }

    void skipWhitespace()
    {
        while (m_pos < m_size) {
            const char c = m_data[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            ++m_pos;
        }
    }

    // At an opening quote: moves past the closing quote; the raw bytes between them go to *raw if given.
    bool readString(QByteArray *raw = nullptr)
    {
        if (!consume('"'))
            return false;
        const qsizetype begin = m_pos;
        while (m_pos < m_size) {
            const char c = m_data[m_pos];
            if (c == '\\') {
                // Any escape is two bytes as far as finding the end goes ("\u0041" continues as plain text).
                m_pos += 2;
            } else if (c == '"') {
                if (raw)
                    *raw = QByteArray(m_data + begin, m_pos - begin);
                ++m_pos;
                return true;
            } else {
                ++m_pos;
            }
        }
        return false;
    }

    static QString decodeKey(const QByteArray &raw)
    {
        if (!raw.contains('\\'))
            return QString::fromUtf8(raw);
        // A key spelled with escapes ("\u0065vents") is still "events" to QJsonDocument; let it decode.
        const QJsonDocument document = QJsonDocument::fromJson("[\"" + raw + "\"]");
        return document.array().at(0).toString();
    }

    // Skips one value of any kind. Containers are skipped by counting brackets outside strings, which is
    // iterative: the nesting depth of the body does not matter here.
    bool skipValue()
    {
        const char first = peek();
        if (first == '"')
            return readString();
        if (first == '{' || first == '[') {
            int depth = 0;
            while (m_pos < m_size) {
                const char c = m_data[m_pos];
                if (c == '"') {
                    if (!readString())
                        return false;
                    continue;
                }
                if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        ++m_pos;
                        return true;
                    }
                }
                ++m_pos;
            }
            return false;
        }
        // A number, true, false or null: runs until a delimiter.
        const qsizetype begin = m_pos;
        while (m_pos < m_size) {
            const char c = m_data[m_pos];
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
                break;
            ++m_pos;
        }
        return m_pos > begin;
    }

    bool scanArray(QList<Span> *spans)
    {
        if (!consume('['))
            return false;
        skipWhitespace();
        if (consume(']'))
            return true;
        while (true) {
            skipWhitespace();
            const qsizetype begin = m_pos;
            if (!skipValue())
                return false;
            spans->append({begin, m_pos - begin});
            skipWhitespace();
            if (consume(']'))
                return true;
            if (!consume(','))
                return false;
        }
    }

    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
};

EnvelopeParseResult failure(const QString &error)
{
    EnvelopeParseResult result;
    result.error = error;
    return result;
}

QString jsonTypeName(const QJsonValue &value)
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

// A required, non-empty string member. Returns an error sentence, empty when *out was set.
QString requiredString(const QJsonObject &object, const QString &path, const QString &name, QString *out)
{
    const QString where = path + u'.' + name;
    const auto it = object.constFind(name);
    if (it == object.constEnd())
        return where + QStringLiteral(" is missing");
    if (!it->isString())
        return where + QStringLiteral(" is ") + jsonTypeName(*it) + QStringLiteral(", not a string");
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
        return failure(QStringLiteral("\"events\" is %1, not an array").arg(jsonTypeName(*eventsIt)));
    const QJsonArray events = eventsIt->toArray();
    if (events.isEmpty())
        return failure(QStringLiteral("the \"events\" array is empty"));
    if (events.size() > maxEventsPerEnvelope) {
        return failure(QStringLiteral("the envelope holds %1 events; at most %2 are accepted in one request")
                           .arg(QString::number(events.size()), QString::number(maxEventsPerEnvelope)));
    }

    QList<EventSpanScanner::Span> spans;
    if (!EventSpanScanner(body).scan(&spans) || spans.size() != events.size()) {
        // Unreachable for bodies QJsonDocument accepts; refusing is better than storing the wrong bytes.
        return failure(QStringLiteral("the events could not be located in the body"));
    }

    const QDateTime receivedUtc = receivedAt.toUTC();
    EnvelopeParseResult result;
    result.events.reserve(events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString path = QStringLiteral("events[%1]").arg(i);
        const QJsonValue value = events.at(i);
        if (!value.isObject()) {
            return failure(path + QStringLiteral(" is ") + jsonTypeName(value) +
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
            return failure(path + QStringLiteral(".target is ") + jsonTypeName(targetValue) +
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
