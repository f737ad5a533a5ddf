#pragma once

#include <QByteArrayView>

// The character classes of HTTP/1.1 (RFC 9110, 9112), shared by the server's request parser and the
// delivery client's response reader.
namespace HttpSyntax {

// A token character (tchar): what method and field names are made of.
inline bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

inline bool isToken(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return false;
    for (char c : bytes) {
        if (!isTchar(c))
            return false;
    }
    return true;
}

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// 0-15, or -1 for anything that is not a hex digit.
inline int hexValue(char c)
{
    if (isDigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

inline bool isHexDigit(char c)
{
    return hexValue(c) >= 0;
}

// Optional whitespace (OWS): SP and HTAB only.
inline bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

// Without leading and trailing OWS. QByteArray::trimmed() would also drop CR, LF, VT and FF, which a parser
// must refuse rather than ignore.
inline QByteArrayView trimmedOws(QByteArrayView bytes)
{
    while (!bytes.isEmpty() && isWhitespace(bytes.front()))
        bytes = bytes.sliced(1);
    while (!bytes.isEmpty() && isWhitespace(bytes.back()))
        bytes.chop(1);
    return bytes;
}

} // namespace HttpSyntax
