#include "GlobPattern.h"

#include <QVarLengthArray>

namespace {

// Code points: surrogate pairs combined, a lone surrogate kept as itself. Patterns and texts are decoded the
// same way, so a pattern without metacharacters matches exactly the text it spells, lone surrogates included
// (QString::toUcs4() would turn them into U+FFFD in the pattern only).
template<typename Container> void decodeCodePoints(QStringView text, Container *chars)
{
    chars->reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            chars->append(QChar::surrogateToUcs4(c, text.at(i + 1)));
            ++i;
        } else {
            chars->append(c.unicode());
        }
    }
}

} // namespace

GlobPattern::GlobPattern(const QString &pattern)
    : m_pattern(pattern)
{
    if (!compile())
        m_tokens.clear();
}

bool GlobPattern::isValidPattern(const QString &pattern, QString *error)
{
    const GlobPattern glob(pattern);
    if (error)
        *error = glob.errorString();
    return glob.isValid();
}

bool GlobPattern::Token::matchesOne(char32_t c) const
{
    switch (kind) {
    case Kind::Literal:
        return c == literal;
    case Kind::AnyOne:
        return true;
    case Kind::AnyRun:
        return false; // handled by the matcher
    case Kind::Class: {
        bool inClass = false;
        for (const Range &range : ranges) {
            if (c >= range.first && c <= range.last) {
                inClass = true;
                break;
            }
        }
        return inClass != negated;
    }
    }
    return false;
}

bool GlobPattern::compile()
{
    QList<char32_t> chars;
    decodeCodePoints(m_pattern, &chars);
    const qsizetype n = chars.size();
    // Positions in messages are 1-based code point positions, as a person counts characters.
    auto fail = [this](const QString &message) {
        m_errorString = message;
        return false;
    };

    for (qsizetype i = 0; i < n; ++i) {
        const char32_t c = chars.at(i);
        Token token;
        if (c == U'*') {
            // Consecutive stars mean the same as one; collapsing them keeps the matcher's work minimal.
            if (!m_tokens.isEmpty() && m_tokens.constLast().kind == Token::Kind::AnyRun)
                continue;
            token.kind = Token::Kind::AnyRun;
        } else if (c == U'?') {
            token.kind = Token::Kind::AnyOne;
        } else if (c == U'\\') {
            if (i + 1 >= n)
                return fail(QStringLiteral("the pattern ends with a lone backslash (escape of nothing)"));
            token.literal = chars.at(++i);
        } else if (c == U'[') {
            const qsizetype start = i;
            token.kind = Token::Kind::Class;
            ++i;
            if (i < n && (chars.at(i) == U'!' || chars.at(i) == U'^')) {
                token.negated = true;
                ++i;
            }
            bool closed = false;
            bool first = true;
            while (i < n) {
                char32_t lo = chars.at(i);
                // A ']' right after the opening bracket is a member, as in POSIX globs: "[]x]".
                if (lo == U']' && !first) {
                    closed = true;
                    break;
                }
                first = false;
                if (lo == U'\\') {
                    if (i + 1 >= n)
                        break;
                    lo = chars.at(++i);
                }
                char32_t hi = lo;
                // "a-z" is a range; a '-' first or last in the class is a literal dash.
                if (i + 2 < n && chars.at(i + 1) == U'-' && chars.at(i + 2) != U']') {
                    i += 2;
                    hi = chars.at(i);
                    if (hi == U'\\') {
                        if (i + 1 >= n)
                            break;
                        hi = chars.at(++i);
                    }
                    if (hi < lo) {
                        return fail(QStringLiteral("the character range \"%1-%2\" at position %3 is reversed")
                                        .arg(QString::fromUcs4(&lo, 1), QString::fromUcs4(&hi, 1),
                                             QString::number(start + 1)));
                    }
                }
                token.ranges.append({lo, hi});
                ++i;
            }
            if (!closed) {
                return fail(
                    QStringLiteral("the character class \"[\" at position %1 is not closed with \"]\"")
                        .arg(start + 1));
            }
        } else {
            token.literal = c;
        }
        m_tokens.append(token);
    }
    return true;
}

bool GlobPattern::matches(QStringView text) const
{
    if (!isValid())
        return false;

    // Decode to code points so that '?' and classes see one character, not half a surrogate pair.
    QVarLengthArray<char32_t, 256> chars;
    decodeCodePoints(text, &chars);

    // Greedy matching with a single backtrack point: every token but '*' consumes exactly one character, so
    // when a later '*' is reached the earlier ones never need to be revisited. That is what keeps this linear
    // in practice and O(p*t) at worst.
    const qsizetype tokenCount = m_tokens.size();
    const qsizetype textLength = chars.size();
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype starToken = -1;
    qsizetype starText = 0;
    while (t < textLength) {
        if (p < tokenCount && m_tokens.at(p).kind == Token::Kind::AnyRun) {
            starToken = p++;
            starText = t;
        } else if (p < tokenCount && m_tokens.at(p).matchesOne(chars[t])) {
            ++p;
            ++t;
        } else if (starToken >= 0) {
            // Let the last '*' swallow one more character and retry the rest from there.
            p = starToken + 1;
            t = ++starText;
        } else {
            return false;
        }
    }
    while (p < tokenCount && m_tokens.at(p).kind == Token::Kind::AnyRun)
        ++p;
    return p == tokenCount;
}
