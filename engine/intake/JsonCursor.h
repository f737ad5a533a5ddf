#pragma once

#include <QByteArray>

// A position in a JSON text, with the few byte-level steps every hand-written reader of it needs. The readers
// (JsonSpanScanner, EnvelopeFastReader) inherit it; the body they read must outlive them.
class JsonCursor
{
protected:
    explicit JsonCursor(const QByteArray &body);

    char peek() const { return m_pos < m_size ? m_data[m_pos] : '\0'; }
    // Moves past c when it is next.
    bool consume(char c);
    // JSON's whitespace: space, tab, line feed, carriage return (nothing else, as in RFC 8259 and Qt).
    void skipWhitespace();

    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
};
