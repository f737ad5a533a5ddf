#include "EnvelopeFastReader.h"

#include "EnvelopeParser.h"

namespace {

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

// What a two-byte escape (\n, \/, ...) stands for; scanString let only the valid ones through.
char16_t shortEscape(char escaped)
{
    switch (escaped) {
    case 'b':
        return u'\b';
    case 'f':
        return u'\f';
    case 'n':
        return u'\n';
    case 'r':
        return u'\r';
    case 't':
        return u'\t';
    default: // '"', '\\' or '/'
        return char16_t(escaped);
    }
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

EnvelopeFastReader::EnvelopeFastReader(const QByteArray &body)
    : JsonCursor(body)
{}

bool EnvelopeFastReader::read(const QByteArray &body, const QByteArray &contentType,
                              const QDateTime &receivedUtc, int maxEvents, QList<RegistryEvent> *events)
{
    EnvelopeFastReader reader(body);
    if (!reader.readEnvelope(maxEvents, events))
        return false;
    for (RegistryEvent &event : *events) {
        event.contentType = contentType;
        event.receivedAt = receivedUtc;
        if (!event.timestamp.isValid()) // none, or one that is not RFC 3339
            event.timestamp = receivedUtc;
    }
    return true;
}

template<typename OnMember> bool EnvelopeFastReader::readObject(OnMember onMember)
{
    if (!consume('{'))
        return false;
    skipWhitespace();
    if (consume('}'))
        return true;
    while (true) {
        QByteArrayView key;
        if (!readKey(&key))
            return false;
        skipWhitespace();
        if (!consume(':'))
            return false;
        skipWhitespace();
        if (!onMember(key))
            return false;
        skipWhitespace();
        if (consume('}'))
            return true;
        if (!consume(','))
            return false;
        skipWhitespace();
    }
}

template<typename OnElement> bool EnvelopeFastReader::readArray(OnElement onElement)
{
    if (!consume('['))
        return false;
    skipWhitespace();
    if (consume(']'))
        return true;
    while (true) {
        if (!onElement())
            return false;
        skipWhitespace();
        if (consume(']'))
            return true;
        if (!consume(','))
            return false;
        skipWhitespace();
    }
}

bool EnvelopeFastReader::readEnvelope(int maxEvents, QList<RegistryEvent> *events)
{
    skipWhitespace();
    int found = 0;
    if (!readMembers({{"events",
                       [&] {
                           return readEvents(maxEvents, events);
                       }}},
                     1, &found) ||
        found == 0)
        return false;
    skipWhitespace();
    return m_pos == m_size;
}

bool EnvelopeFastReader::readEvents(int maxEvents, QList<RegistryEvent> *events)
{
    const bool ok = readArray([&] {
        if (events->size() == maxEvents)
            return false;
        const qsizetype begin = m_pos;
        RegistryEvent event;
        if (!readEvent(&event))
            return false;
        event.rawJson = QByteArray(m_data + begin, m_pos - begin);
        events->append(std::move(event));
        return true;
    });
    return ok && !events->isEmpty(); // no events is an error, which the full parser words
}

bool EnvelopeFastReader::readEvent(RegistryEvent *event)
{
    QString timestamp;
    int found = 0;
    const bool ok = readMembers(
        {
            {"id", &event->eventId},
            {"action", &event->action},
            {"target",
             [&] {
                 return readTarget(event);
             }},
            {"timestamp", &timestamp},
            {"actor",
             [&] {
                 return readMembers({{"name", &event->actor}}, 4);
             }},
            {"source",
             [&] {
                 return readMembers({{"addr", &event->sourceAddr}, {"instanceID", &event->sourceInstance}},
                                    4);
             }},
        },
        3, &found);
    constexpr int required = 0b0111; // id, action, target
    if (!ok || (found & required) != required)
        return false;
    event->action = event->action.toLower();
    if (found & 0b1000)
        event->timestamp = EnvelopeParser::parseTimestamp(timestamp);
    return true;
}

bool EnvelopeFastReader::readTarget(RegistryEvent *event)
{
    qint64 size = 0;
    qint64 length = 0;
    int found = 0;
    const bool ok = readMembers({{"repository", &event->repository},
                                 {"size", &size},
                                 {"length", &length},
                                 {"tag", &event->tag},
                                 {"digest", &event->digest},
                                 {"mediaType", &event->mediaType}},
                                4, &found);
    if (!ok || !(found & 0b001)) // repository is required
        return false;
    // "length" is the older name of "size"; with both, size counts (as in EnvelopeParser).
    event->size = (found & 0b010) ? size : length;
    return true;
}

bool EnvelopeFastReader::readMembers(std::initializer_list<Member> members, int depth, int *found)
{
    int seen = 0;
    const bool ok = readObject([&](QByteArrayView key) {
        int bit = 1;
        for (const Member &member : members) {
            if (key == member.name) {
                if (seen & bit)
                    return false; // a duplicate key, which Qt resolves to the last
                seen |= bit;
                if (member.text)
                    return readNonEmptyString(member.text);
                if (member.integer)
                    return readInteger(member.integer);
                return member.readValue();
            }
            bit <<= 1;
        }
        return skipValue(depth + 1);
    });
    if (found)
        *found = seen;
    return ok;
}

bool EnvelopeFastReader::readKey(QByteArrayView *key)
{
    qsizetype begin = 0;
    qsizetype end = 0;
    bool hasEscapes = false;
    // A key spelled with escapes ("\u0065vents") is still "events" to Qt; leave those to it.
    if (!scanString(&begin, &end, &hasEscapes) || hasEscapes)
        return false;
    *key = QByteArrayView(m_data + begin, end - begin);
    return true;
}

bool EnvelopeFastReader::readNonEmptyString(QString *out)
{
    qsizetype begin = 0;
    qsizetype end = 0;
    bool hasEscapes = false;
    if (!scanString(&begin, &end, &hasEscapes) || end == begin)
        return false;
    *out = hasEscapes ? decodeEscaped(begin, end) : QString::fromUtf8(m_data + begin, end - begin);
    return true;
}

bool EnvelopeFastReader::scanString(qsizetype *begin, qsizetype *end, bool *hasEscapes)
{
    if (!consume('"'))
        return false;
    *begin = m_pos;
    *hasEscapes = false;
    while (m_pos < m_size) {
        const uchar c = uchar(m_data[m_pos]);
        if (c == '"') {
            *end = m_pos;
            ++m_pos;
            return true;
        }
        if (c == '\\') {
            *hasEscapes = true;
            if (m_pos + 1 >= m_size)
                return false;
            const char escaped = m_data[m_pos + 1];
            if (escaped == 'u') {
                if (m_pos + 6 > m_size)
                    return false;
                for (qsizetype i = m_pos + 2; i < m_pos + 6; ++i) {
                    if (!isHexDigit(m_data[i]))
                        return false;
                }
                m_pos += 6;
                continue;
            }
            switch (escaped) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                m_pos += 2;
                continue;
            default:
                return false; // Qt takes "\q" as "q"; RFC 8259 does not
            }
        }
        if (c < 0x20)
            return false; // RFC 8259 wants control characters escaped; Qt lets them through
        if (c < 0x80)
            ++m_pos;
        else if (!skipUtf8Sequence())
            return false;
    }
    return false;
}

bool EnvelopeFastReader::skipUtf8Sequence()
{
    const uchar lead = uchar(m_data[m_pos]);
    int continuation = 0;
    char32_t codePoint = 0;
    char32_t smallest = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        continuation = 1;
        codePoint = lead & 0x1F;
        smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        continuation = 2;
        codePoint = lead & 0x0F;
        smallest = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        continuation = 3;
        codePoint = lead & 0x07;
        smallest = 0x10000;
    } else {
        return false;
    }
    if (m_pos + continuation >= m_size)
        return false;
    for (int i = 1; i <= continuation; ++i) {
        const uchar next = uchar(m_data[m_pos + i]);
        if ((next & 0xC0) != 0x80)
            return false;
        codePoint = (codePoint << 6) | (next & 0x3F);
    }
    if (codePoint < smallest || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
        return false; // overlong, beyond Unicode, or a surrogate
    if ((codePoint & 0xFFFE) == 0xFFFE || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF))
        return false; // a noncharacter: valid UTF-8, but nothing to be sure about how Qt takes it
    if (codePoint == 0xFEFF)
        return false; // QString::fromUtf8 drops a byte order mark that begins a run, and Qt's parser keeps it
    m_pos += continuation + 1;
    return true;
}

QString EnvelopeFastReader::decodeEscaped(qsizetype begin, qsizetype end) const
{
    // The same text Qt's parser makes: each escape one UTF-16 unit ("\ud83d\ude00" a surrogate pair, a lone
    // "\ud800" a lone surrogate), the runs between them UTF-8. scanString validated all of it.
    QString text;
    text.reserve(end - begin);
    qsizetype runBegin = begin;
    qsizetype i = begin;
    const auto flushRun = [&] {
        if (i > runBegin)
            text += QString::fromUtf8(m_data + runBegin, i - runBegin);
    };
    while (i < end) {
        if (m_data[i] != '\\') {
            ++i;
            continue;
        }
        flushRun();
        const char escaped = m_data[i + 1];
        char16_t unit = 0;
        if (escaped == 'u') {
            for (qsizetype digit = i + 2; digit < i + 6; ++digit)
                unit = char16_t((unit << 4) | hexValue(m_data[digit]));
            i += 6;
        } else {
            unit = shortEscape(escaped);
            i += 2;
        }
        text += QChar(unit);
        runBegin = i;
    }
    flushRun();
    return text;
}

bool EnvelopeFastReader::readInteger(qint64 *out)
{
    // A plain integer of at most 18 digits: what Qt's parser stores as an integer, with no rounding to think
    // about.
    const bool negative = consume('-');
    const qsizetype first = m_pos;
    qint64 value = 0;
    while (m_pos < m_size && isDigit(m_data[m_pos])) {
        if (m_pos - first == 18)
            return false;
        value = value * 10 + (m_data[m_pos] - '0');
        ++m_pos;
    }
    const qsizetype digits = m_pos - first;
    if (digits == 0 || (digits > 1 && m_data[first] == '0'))
        return false;
    const char next = peek();
    if (next == '.' || next == 'e' || next == 'E')
        return false;
    *out = negative ? -value : value;
    return true;
}

bool EnvelopeFastReader::skipNumber()
{
    // -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most 15 digits: always a finite number to Qt. Exponents could
    // overflow; they are left to it.
    consume('-');
    const qsizetype first = m_pos;
    if (consume('0')) {
        // a lone zero
    } else if (m_pos < m_size && m_data[m_pos] >= '1' && m_data[m_pos] <= '9') {
        while (m_pos < m_size && isDigit(m_data[m_pos]))
            ++m_pos;
    } else {
        return false;
    }
    qsizetype digits = m_pos - first;
    if (consume('.')) {
        const qsizetype fraction = m_pos;
        while (m_pos < m_size && isDigit(m_data[m_pos]))
            ++m_pos;
        if (m_pos == fraction)
            return false;
        digits += m_pos - fraction;
    }
    const char next = peek();
    return digits <= 15 && next != 'e' && next != 'E';
}

bool EnvelopeFastReader::skipLiteral()
{
    for (const QByteArrayView literal :
         {QByteArrayView("true"), QByteArrayView("false"), QByteArrayView("null")}) {
        if (m_size - m_pos >= literal.size() && QByteArrayView(m_data + m_pos, literal.size()) == literal) {
            m_pos += literal.size();
            return true;
        }
    }
    return false;
}

bool EnvelopeFastReader::skipValue(int depth)
{
    switch (peek()) {
    case '"': {
        qsizetype begin = 0;
        qsizetype end = 0;
        bool hasEscapes = false;
        return scanString(&begin, &end, &hasEscapes);
    }
    case '{':
        if (depth > maxDepth)
            return false;
        return readObject([&](QByteArrayView) { return skipValue(depth + 1); });
    case '[':
        if (depth > maxDepth)
            return false;
        return readArray([&] { return skipValue(depth + 1); });
    case 't':
    case 'f':
    case 'n':
        return skipLiteral();
    default:
        return skipNumber();
    }
}
