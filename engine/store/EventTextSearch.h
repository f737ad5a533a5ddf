#pragma once

#include <QString>

// How a backend searches substrings of events' repository and tag (the console's text filter), with the
// indexes of migration 6: the text-search part of the dialect seam, chosen by SqlDialect::name().
// - SQLite: the FTS5 table events_text with the trigram tokenizer, asked with a quoted phrase (its index
//   serves any substring of 3 characters or more; LIKE with an ESCAPE clause would not be served by it).
// - PostgreSQL: ILIKE on the columns themselves, served by pg_trgm GIN indexes.
// Both ignore case, as SQLite's LIKE does for ASCII.
class EventTextSearch
{
public:
    explicit EventTextSearch(const QString &dialectName);

    // The case-insensitive LIKE operator: "LIKE" (SQLite) or "ILIKE" (PostgreSQL).
    QString likeOperator() const;
    // A SELECT of event ids from the full-text table, taking (a matchExpression(), the lowest id minus one,
    // the highest id, a row limit or -1); empty when the backend's LIKE is served by an index itself.
    QString matchStatement() const;

    // The full-text expression for a filter text, or empty when the trigram index cannot serve it (a part
    // shorter than 3 characters, or nothing to look for). "repo:tag" looks for each part in its own column;
    // a plain text in either column. Every character is taken literally.
    static QString matchExpression(const QString &text);
    // A LIKE pattern matching `text` anywhere, with '\' as the escape character.
    static QString likePattern(const QString &text);

private:
    bool m_sqlite;
};
