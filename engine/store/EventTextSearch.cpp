#include "EventTextSearch.h"

#include "TextIndexFile.h"

#include <QStringList>

EventTextSearch::EventTextSearch(const QString &dialectName)
    : m_sqlite(dialectName == QLatin1String("sqlite"))
{}

QString EventTextSearch::likeOperator() const
{
    return m_sqlite ? QStringLiteral("LIKE") : QStringLiteral("ILIKE");
}

QString EventTextSearch::matchStatement() const
{
    if (!m_sqlite)
        return {};
    return QStringLiteral(
               "SELECT rowid FROM %1.events_text WHERE events_text MATCH ? AND rowid > ? AND rowid <= ? "
               "LIMIT ?")
        .arg(TextIndexFile::attachedName());
}

QString EventTextSearch::indexedUpToStatement() const
{
    return m_sqlite ? QStringLiteral("SELECT indexed_up_to FROM %1.text_index_progress")
                          .arg(TextIndexFile::attachedName())
                    : QString();
}

QString EventTextSearch::likeStatement(bool bothParts)
{
    return QStringLiteral("SELECT id FROM events WHERE id > ? AND id <= ? AND (repository LIKE ? ESCAPE '\\' "
                          "%1 tag LIKE ? ESCAPE '\\') LIMIT ?")
        .arg(bothParts ? QLatin1String("AND") : QLatin1String("OR"));
}

QStringList EventTextSearch::likePatterns(const QString &text, bool *bothParts)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    *bothParts = colon >= 0;
    if (colon < 0)
        return {likePattern(text), likePattern(text)};
    return {likePattern(text.left(colon)), likePattern(text.mid(colon + 1))};
}

QString EventTextSearch::matchExpression(const QString &text)
{
    // Inside double quotes FTS5 takes every character literally; a double quote is doubled.
    auto phrase = [](QString part) -> QString {
        return QLatin1Char('"') + part.replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"');
    };
    // A trigram index knows nothing shorter than three characters (FTS5 answers such a phrase with no rows).
    auto servable = [](const QString &part) {
        return part.toUcs4().size() >= 3;
    };
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon < 0)
        return servable(text) ? phrase(text) : QString();
    const QString repository = text.left(colon);
    const QString tag = text.mid(colon + 1);
    if ((!repository.isEmpty() && !servable(repository)) || (!tag.isEmpty() && !servable(tag)))
        return {};
    QStringList terms;
    if (!repository.isEmpty())
        terms.append(QStringLiteral("{repository} : ") + phrase(repository));
    if (!tag.isEmpty())
        terms.append(QStringLiteral("{tag} : ") + phrase(tag));
    return terms.join(QStringLiteral(" AND "));
}

QString EventTextSearch::likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}
