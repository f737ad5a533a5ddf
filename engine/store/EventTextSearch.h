#pragma once

#include <QString>
#include <QStringList>

// How a backend searches substrings of events' repository and tag (the console's text filter), with the
// indexes of migration 6: the text-search part of the dialect seam, chosen by SqlDialect::name().
// - SQLite: the FTS5 table events_text with the trigram tokenizer, in the index file the connection attached
//   as TextIndexFile::attachedName(), asked with a quoted phrase (its index
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
    // The highest event id the full-text table holds everything up to (SQLite: newer events join it in
    // batches, see TextIndexer); empty where the index follows every insert.
    QString indexedUpToStatement() const;
    // A SELECT of event ids matching a filter text by LIKE, taking (the lowest id minus one, the highest id,
    // two likePatterns(): repository and tag, see likePatterns, a row limit or -1): for the events above
    // the index's mark. `bothParts`: the text had a colon, each pattern must match its own column.
    static QString likeStatement(bool bothParts);
    // The two patterns likeStatement takes for a filter text, and whether it had a colon.
    static QStringList likePatterns(const QString &text, bool *bothParts);

    // The full-text expression for a filter text, or empty when the trigram index cannot serve it (a part
    // shorter than 3 characters, or nothing to look for). "repo:tag" looks for each part in its own column;
    // a plain text in either column. Every character is taken literally.
    static QString matchExpression(const QString &text);
    // A LIKE pattern matching `text` anywhere, with '\' as the escape character.
    static QString likePattern(const QString &text);

private:
    bool m_sqlite;
};
