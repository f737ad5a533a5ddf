#include "JsonCursor.h"

JsonCursor::JsonCursor(const QByteArray &body)
    : m_data(body.constData())
    , m_size(body.size())
{}

bool JsonCursor::consume(char c)
{
    if (peek() != c)
        return false;
    ++m_pos;
    return true;
}

void JsonCursor::skipWhitespace()
{
    while (m_pos < m_size) {
        const char c = m_data[m_pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        ++m_pos;
    }
}
