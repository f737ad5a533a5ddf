#include "JsonSpanScanner.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {

const QByteArrayView kUtf8ByteOrderMark("\xEF\xBB\xBF");

} // namespace

JsonSpanScanner::JsonSpanScanner(const QByteArray &body)
    : JsonCursor(body)
{}

void JsonSpanScanner::skipByteOrderMarkAndWhitespace()
{
    // QJsonDocument skips a UTF-8 byte order mark, so the scanner does too.
    if (QByteArrayView(m_data, m_size).startsWith(kUtf8ByteOrderMark))
        m_pos = kUtf8ByteOrderMark.size();
    skipWhitespace();
}

bool JsonSpanScanner::scanTopLevelArray(QList<Span> *spans)
{
    m_pos = 0;
    skipByteOrderMarkAndWhitespace();
    return peek() == '[' && scanArray(spans);
}

bool JsonSpanScanner::scanMemberArray(const QString &name, QList<Span> *spans)
{
    m_pos = 0;
    skipByteOrderMarkAndWhitespace();
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
        // A key that begins with a raw byte order mark reads as two different keys inside QJsonDocument
        // (Qt 6.4 looks "\xEF\xBB\xBFevents" up as itself but lists it as "events", as QString::fromUtf8
        // drops the mark), so which array it means is not well defined: refuse rather than guess.
        if (key.startsWith(kUtf8ByteOrderMark))
            return false;
        skipWhitespace();
        if (!consume(':'))
            return false;
        skipWhitespace();
        if (decodeKey(key) == name && peek() == '[') {
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

bool JsonSpanScanner::readString(QByteArray *raw)
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

QString JsonSpanScanner::decodeKey(const QByteArray &raw)
{
    if (!raw.contains('\\'))
        return QString::fromUtf8(raw);
    // A key spelled with escapes ("\u0065vents") is still "events" to QJsonDocument; let it decode.
    const QJsonDocument document = QJsonDocument::fromJson("[\"" + raw + "\"]");
    return document.array().at(0).toString();
}

bool JsonSpanScanner::skipValue()
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

bool JsonSpanScanner::scanArray(QList<Span> *spans)
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
