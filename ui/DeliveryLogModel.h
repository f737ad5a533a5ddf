#pragma once

#include "DeliveryLogFilter.h"
#include "DeliveryLogQuery.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <memory>

class DeliveryLogCounter;

// The delivery log over the whole history: rowCount() is the filtered count from SQL, and rows are read on
// demand in pages of pageSize, of which only the last few used stay cached. Live changes are collected and
// applied together at most every few hundred milliseconds (noteChanged/noteArrivals), so thousands of
// deliveries a second cost the UI a couple of small queries per batch, not one repaint per delivery.
class DeliveryLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        WebhookColumn,
        EventColumn,
        StatusColumn,
        AttemptsColumn,
        HttpStatusColumn,
        DurationColumn,
        NextRetryColumn,
        ColumnCount
    };
    enum Role
    {
        DeliveryIdRole = Qt::UserRole + 1,
        StateRole
    };
    static constexpr int pageSize = 200;
    static constexpr int cachedPages = 16;

    explicit DeliveryLogModel(DeliveryLogQuery &query, QObject *parent = nullptr);
    ~DeliveryLogModel() override;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // A state as the console shows it (translated).
    static QString stateText(DeliveryState state);

    DeliveryLogFilter filter() const { return m_filter; }
    void setFilter(const DeliveryLogFilter &filter);
    qint64 deliveryIdAt(int row) const;
    // The failed deliveries this view shows (its filter, resolved as when it was set).
    QList<qint64> failedIdsInView() const { return m_query.failedIds(m_filter, m_since); }
    // The row of a delivery among the cached pages, -1 when not cached.
    int cachedRowOf(qint64 deliveryId) const;

    // Live updates: remember, and apply with the next batch.
    void noteChanged(qint64 deliveryId);
    void noteArrivals();
    // Applies what was noted now, every count in this thread (tests, and after an action of the user).
    void refreshNow();
    // What the batch timer runs: arrivals are applied at once (a cheap count over the newest ids), while the
    // full recount a state or HTTP filter needs runs on the counting thread (DeliveryLogCounter) and is
    // applied when it answers, so the UI thread's work per batch does not grow with the history.
    void refreshBatch();
    // Whether a recount asked by refreshBatch() has not answered yet.
    bool recountPending() const { return m_recountPending; }
    int batchIntervalMs() const { return m_batchTimer.interval(); }

signals:
    // After a batch was applied: which deliveries changed (the detail pane reloads if it shows one).
    void refreshed(const QSet<qint64> &changedDeliveryIds);

private:
    void reload();
    void applyRecount(quint64 generation, int total, qint64 maxId);
    const DeliveryLogRow *rowAt(int row) const;
    DeliveryLogQuery::SortKey sortKey() const;

    DeliveryLogQuery &m_query;
    DeliveryLogFilter m_filter;
    QDateTime m_since; // the filter's time range, resolved when the filter was set
    int m_sortColumn = TimeColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    int m_count = 0;
    int m_arrivalShift = 0; // rows being inserted, during beginInsertRows()
    qint64 m_maxId = 0;     // the highest delivery id seen, to count arrivals
    mutable QHash<int, QList<DeliveryLogRow>> m_pages;
    mutable QList<int> m_pageUse; // least recently used first
    QSet<qint64> m_changed;
    QTimer m_batchTimer;
    std::unique_ptr<DeliveryLogCounter> m_counter;
    quint64 m_generation = 0; // counts filter and sort changes: an older recount's answer is dropped
    bool m_recountPending = false;
};
