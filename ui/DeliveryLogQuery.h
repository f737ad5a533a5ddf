#pragma once

#include "DeliveryLogFilter.h"
#include "DeliveryLogRow.h"

#include <QList>
#include <QString>

// The delivery log's SQL, on a read-only connection of its own in the UI thread (SQLite in WAL mode lets it
// read while the engine writes; on PostgreSQL a read-only session). Filtering and sorting happen in SQL, so
// the UI never holds more than the pages on screen, whatever the size of the history.
//
// The text filter is served by an index (migration 6): on PostgreSQL pg_trgm GIN indexes serve ILIKE
// directly; on SQLite the FTS5 trigram table events_text is asked once per filter for the matching events,
// which go into a temporary table of this connection that later counts and pages join (and each refresh
// adds the events that arrived since). A filter matching a large part of the history (more than
// textMatchLimit events) or with a part shorter than 3 characters (which a trigram cannot serve) is a scan
// with LIKE instead, which walks the log in its order and stops at a page.
class DeliveryLogQuery
{
public:
    enum SortKey
    {
        ByTime,
        ByWebhook,
        ByEvent,
        ByStatus,
        ByAttempts,
        ByHttpStatus,
        ByNextRetry
    };

    // Above this many matching events the SQLite text filter scans instead (see above).
    static constexpr int textMatchLimit = 20000;

    DeliveryLogQuery();
    ~DeliveryLogQuery();
    DeliveryLogQuery(const DeliveryLogQuery &) = delete;
    DeliveryLogQuery &operator=(const DeliveryLogQuery &) = delete;

    // A SQLite file path or a postgresql:// URL (parsed as the engine's store parses it).
    bool open(const QString &databaseLocation, QString *error);
    // "sqlite" or "postgresql", once open.
    QString backend() const { return m_backend; }
    QString lastError() const { return m_lastError; }
    void clearLastError() { m_lastError.clear(); }
    // What open() was given.
    QString location() const { return m_location; }
    // The read-only connection, for the console's other read queries (webhook health, recent events).
    QString connectionName() const { return m_connectionName; }

    // `since` is the filter's start resolved once by the caller, so counts and pages agree.
    int count(const DeliveryLogFilter &filter, const QDateTime &since);
    // The failed deliveries among those the filter shows, oldest first: "Replay all failed in this view".
    QList<qint64> failedIds(const DeliveryLogFilter &filter, const QDateTime &since);
    // Reads between these see one snapshot of the database (a read transaction), so several counts agree.
    // The model calls prepareTextFilter() inside one before counting.
    void beginSnapshot();
    void endSnapshot();
    // The highest delivery id, 0 when there is none.
    qint64 maxId();
    // Rows matching the filter with an id above `afterId`, and the highest delivery id overall, read in one
    // snapshot: what arrived since the last look.
    int countNewer(const DeliveryLogFilter &filter, const QDateTime &since, qint64 afterId, qint64 *maxId);
    QList<DeliveryLogRow> page(const DeliveryLogFilter &filter, const QDateTime &since, SortKey key,
                               bool descending, int offset, int limit);

    // Brings the SQLite text filter's matches up to the snapshot (a new text starts over; the same text adds
    // the events that arrived since). Nothing to do on PostgreSQL or without text.
    void prepareTextFilter(const DeliveryLogFilter &filter);
    // Whether the current text filter is served by the index (false: scanned, or no text).
    bool textFilterIndexed() const { return m_textMode == TextMode::Indexed; }

private:
    // SQLite: attaches the engine's text index file once it exists; whether it is attached.
    bool attachTextIndex();
    enum class TextMode
    {
        None,
        Indexed, // SQLite: d.event_id IN the temporary match table
        Scan     // LIKE over the events (PostgreSQL: ILIKE, served by pg_trgm)
    };
    QString whereClause(const DeliveryLogFilter &filter, const QDateTime &since, bool *needsEvents) const;
    bool textServedByMatches(const QString &text) const;
    void bindFilter(class QSqlQuery &query, const DeliveryLogFilter &filter, const QDateTime &since) const;

    QString m_connectionName;
    QString m_lastError;
    QString m_backend; // SqlDialect::name()
    QString m_location;
    bool m_textIndexAttached = false;
    // SQLite's text matches: for which text, and up to which event id.
    QString m_matchedText;
    qint64 m_matchedUpTo = 0;
    TextMode m_textMode = TextMode::None;
};
