#pragma once

#include <QList>
#include <QString>
#include <QStringView>

// A shell-style wildcard pattern for repository names, tags and media types.
//
// Syntax: `*` matches any run of characters, '/' included (so "team/*" covers "team/a/b"); `?` matches
// exactly one character; `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) are character classes; `\` makes the
// next character literal. Matching is case-sensitive and works on Unicode code points.
//
// The matcher is iterative and remembers only the last `*`, so it runs in O(pattern * text) even for
// pathological patterns like "a*a*a*a*b": filters run on every incoming event and a bad pattern typed into
// the editor must not stall intake.
class GlobPattern
{
public:
    explicit GlobPattern(const QString &pattern);

    // An invalid pattern matches nothing.
    bool matches(QStringView text) const;
    bool isValid() const { return m_errorString.isEmpty(); }
    QString errorString() const { return m_errorString; }
    QString pattern() const { return m_pattern; }

    static bool isValidPattern(const QString &pattern, QString *error);

private:
    struct Range
    {
        char32_t first;
        char32_t last;
    };
    struct Token
    {
        enum class Kind
        {
            Literal,
            AnyOne,
            AnyRun,
            Class
        };
        Kind kind = Kind::Literal;
        char32_t literal = 0;
        bool negated = false;
        QList<Range> ranges;

        bool matchesOne(char32_t c) const;
    };

    bool compile();

    QString m_pattern;
    QString m_errorString;
    QList<Token> m_tokens;
};
