#pragma once

#include "DeliveryLogFilter.h"
#include "DeliveryLogRow.h"

#include <QList>
#include <QString>

// The delivery log's SQL, on a read-only connection of its own in the UI thread (SQLite in WAL mode lets it
// read while the engine writes). Filtering and sorting happen in SQL, so the UI never holds more than the
// pages on screen, whatever the size of the history.
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

    DeliveryLogQuery();
    ~DeliveryLogQuery();
    DeliveryLogQuery(const DeliveryLogQuery &) = delete;
    DeliveryLogQuery &operator=(const DeliveryLogQuery &) = delete;

    bool open(const QString &databaseLocation, QString *error);
    QString lastError() const { return m_lastError; }
    // The read-only connection, for the console's other read queries (webhook health, recent events).
    QString connectionName() const { return m_connectionName; }

    // `since` is the filter's start resolved once by the caller, so counts and pages agree.
    int count(const DeliveryLogFilter &filter, const QDateTime &since);
    // The failed deliveries among those the filter shows, oldest first: "Replay all failed in this view".
    QList<qint64> failedIds(const DeliveryLogFilter &filter, const QDateTime &since);
    // Reads between these see one snapshot of the database (a read transaction), so several counts agree.
    void beginSnapshot();
    void endSnapshot();
    // The highest delivery id, 0 when there is none.
    qint64 maxId();
    // Rows matching the filter with an id above `afterId`, and the highest delivery id overall, read in one
    // snapshot: what arrived since the last look.
    int countNewer(const DeliveryLogFilter &filter, const QDateTime &since, qint64 afterId, qint64 *maxId);
    QList<DeliveryLogRow> page(const DeliveryLogFilter &filter, const QDateTime &since, SortKey key,
                               bool descending, int offset, int limit);

private:
    QString whereClause(const DeliveryLogFilter &filter, const QDateTime &since, bool *needsEvents) const;
    void bindFilter(class QSqlQuery &query, const DeliveryLogFilter &filter, const QDateTime &since) const;

    QString m_connectionName;
    QString m_lastError;
};
