#include "DeliveryLogModel.h"

#include "DeliveryLogCounter.h"

#include <QApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>

DeliveryLogModel::DeliveryLogModel(DeliveryLogQuery &query, QObject *parent)
    : QAbstractTableModel(parent)
    , m_query(query)
{
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(150);
    connect(&m_batchTimer, &QTimer::timeout, this, &DeliveryLogModel::refreshBatch);
    if (!m_query.location().isEmpty()) {
        m_counter = std::make_unique<DeliveryLogCounter>(m_query.location());
        connect(m_counter.get(), &DeliveryLogCounter::counted, this, &DeliveryLogModel::applyRecount);
    }
    reload();
}

DeliveryLogModel::~DeliveryLogModel() = default;

int DeliveryLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
}

int DeliveryLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString DeliveryLogModel::stateText(DeliveryState state)
{
    switch (state) {
    case DeliveryState::Pending:
        return tr("pending");
    case DeliveryState::InFlight:
        return tr("in flight");
    case DeliveryState::Succeeded:
        return tr("succeeded");
    case DeliveryState::Failed:
        return tr("failed");
    case DeliveryState::Cancelled:
        return tr("cancelled");
    }
    return {};
}

const DeliveryLogRow *DeliveryLogModel::rowAt(int row) const
{
    if (row < 0 || row >= m_count)
        return nullptr;
    const int pageIndex = row / pageSize;
    auto it = m_pages.find(pageIndex);
    if (it == m_pages.end()) {
        const int offset = pageIndex * pageSize;
        const int limit = std::min(pageSize, m_count - offset);
        // Deep pages are read from the other end: OFFSET costs a walk over the skipped rows, so the last page
        // of a million is as quick as the first.
        const int reverseOffset = m_count - (offset + limit);
        const bool descending = m_sortOrder == Qt::DescendingOrder;
        // While arrivals are being inserted, the database already holds them but the rows before the
        // insertion must still read as they were: skip them on the side where they join.
        const int forwardShift = descending ? m_arrivalShift : 0;
        const int reverseShift = descending ? 0 : m_arrivalShift;
        QList<DeliveryLogRow> rows;
        if (reverseOffset < offset) {
            rows =
                m_query.page(m_filter, m_since, sortKey(), !descending, reverseOffset + reverseShift, limit);
            std::reverse(rows.begin(), rows.end());
        } else {
            rows = m_query.page(m_filter, m_since, sortKey(), descending, offset + forwardShift, limit);
        }
        if (m_pages.size() >= cachedPages && !m_pageUse.isEmpty())
            m_pages.remove(m_pageUse.takeFirst());
        it = m_pages.insert(pageIndex, rows);
    }
    m_pageUse.removeOne(pageIndex);
    m_pageUse.append(pageIndex);
    const int inPage = row % pageSize;
    return inPage < it->size() ? &it->at(inPage) : nullptr;
}

QVariant DeliveryLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DeliveryLogRow *row = rowAt(index.row());
    if (!row)
        return {};
    const DeliveryRecord &d = row->delivery;
    if (role == DeliveryIdRole)
        return d.id;
    if (role == StateRole)
        return deliveryStateName(d.state);
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        // Colours that read on light and dark palettes alike.
        if (d.state == DeliveryState::Failed)
            return QColor(0xd0, 0x30, 0x30);
        if (d.state == DeliveryState::Succeeded)
            return QColor(0x2e, 0x9e, 0x4f);
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case AttemptsColumn:
        case HttpStatusColumn:
        case DurationColumn:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == HttpStatusColumn && !d.lastError.isEmpty())
        return tr("No HTTP answer: %1").arg(d.lastError);
    if (role != Qt::DisplayRole)
        return {};
    const QLocale locale;
    switch (index.column()) {
    case TimeColumn:
        return locale.toString(d.createdAt.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case WebhookColumn:
        return d.webhookName;
    case EventColumn:
        return d.tag.isEmpty() ? tr("%1 %2").arg(d.action, d.repository)
                               : tr("%1 %2:%3").arg(d.action, d.repository, d.tag);
    case StatusColumn:
        return d.manual ? tr("%1 (replay)").arg(stateText(d.state)) : stateText(d.state);
    case AttemptsColumn:
        return d.totalAttempts;
    case HttpStatusColumn:
        if (d.totalAttempts == 0)
            return QString();
        return d.lastStatus > 0 ? QString::number(d.lastStatus) : d.lastError;
    case DurationColumn:
        return row->lastDurationMs < 0 ? QString() : tr("%1 ms").arg(row->lastDurationMs);
    case NextRetryColumn:
        if (d.state != DeliveryState::Pending || !d.nextAttemptAt.isValid())
            return QString();
        return locale.toString(d.nextAttemptAt.toLocalTime(), QStringLiteral("HH:mm:ss"));
    default:
        return {};
    }
}

QVariant DeliveryLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case WebhookColumn:
        return tr("Webhook");
    case EventColumn:
        return tr("Event");
    case StatusColumn:
        return tr("Status");
    case AttemptsColumn:
        return tr("Attempts");
    case HttpStatusColumn:
        return tr("Last HTTP");
    case DurationColumn:
        return tr("Duration");
    case NextRetryColumn:
        return tr("Next retry");
    default:
        return {};
    }
}

DeliveryLogQuery::SortKey DeliveryLogModel::sortKey() const
{
    switch (m_sortColumn) {
    case WebhookColumn:
        return DeliveryLogQuery::ByWebhook;
    case EventColumn:
        return DeliveryLogQuery::ByEvent;
    case StatusColumn:
        return DeliveryLogQuery::ByStatus;
    case AttemptsColumn:
        return DeliveryLogQuery::ByAttempts;
    case HttpStatusColumn:
        return DeliveryLogQuery::ByHttpStatus;
    case NextRetryColumn:
        return DeliveryLogQuery::ByNextRetry;
    default: // time, and duration (which lives in another table): creation order
        return DeliveryLogQuery::ByTime;
    }
}

void DeliveryLogModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount || (column == m_sortColumn && order == m_sortOrder))
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    reload();
}

void DeliveryLogModel::setFilter(const DeliveryLogFilter &filter)
{
    m_filter = filter;
    reload();
}

void DeliveryLogModel::reload()
{
    ++m_generation;
    m_recountPending = false;
    beginResetModel();
    m_since = m_filter.since(QDateTime::currentDateTimeUtc());
    m_pages.clear();
    m_pageUse.clear();
    // One snapshot: a delivery committed in between must be either in both or in neither.
    m_query.beginSnapshot();
    m_query.prepareTextFilter(m_filter);
    m_maxId = m_query.maxId();
    m_count = m_query.count(m_filter, m_since);
    m_query.endSnapshot();
    endResetModel();
}

qint64 DeliveryLogModel::deliveryIdAt(int row) const
{
    const DeliveryLogRow *r = rowAt(row);
    return r ? r->delivery.id : 0;
}

int DeliveryLogModel::cachedRowOf(qint64 deliveryId) const
{
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
        for (qsizetype i = 0; i < it->size(); ++i) {
            if (it->at(i).delivery.id == deliveryId)
                return it.key() * pageSize + int(i);
        }
    }
    return -1;
}

void DeliveryLogModel::noteChanged(qint64 deliveryId)
{
    m_changed.insert(deliveryId);
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void DeliveryLogModel::noteArrivals()
{
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void DeliveryLogModel::refreshNow()
{
    m_batchTimer.stop();
    QElapsedTimer clock;
    clock.start();
    const QSet<qint64> changed = std::exchange(m_changed, {});

    qint64 maxId = m_maxId;
    m_query.beginSnapshot();
    m_query.prepareTextFilter(m_filter); // the events that arrived since, for an indexed text filter
    const int arrived = m_query.countNewer(m_filter, m_since, m_maxId, &maxId);
    m_maxId = maxId;
    const bool byTime = sortKey() == DeliveryLogQuery::ByTime;
    const int expected = m_count + arrived;
    // Under a status or HTTP filter, or another sort, existing rows move in and out: count again.
    const int total = (m_filter.membershipChanges() || !byTime) ? m_query.count(m_filter, m_since) : expected;
    m_query.endSnapshot();
    if (total != expected || (!byTime && arrived > 0)) {
        beginResetModel();
        m_pages.clear();
        m_pageUse.clear();
        m_count = total;
        endResetModel();
    } else if (arrived > 0) {
        // New deliveries have the highest ids: they join at the top (newest first) or at the bottom.
        const int first = m_sortOrder == Qt::DescendingOrder ? 0 : m_count;
        m_arrivalShift = arrived;
        beginInsertRows(QModelIndex(), first, first + arrived - 1);
        m_pages.clear(); // pages read before the shift was set
        m_pageUse.clear();
        m_count += arrived;
        m_arrivalShift = 0;
        endInsertRows();
    }
    // Whatever was cached may have changed state.
    m_pages.clear();
    m_pageUse.clear();
    if (m_count > 0)
        emit dataChanged(index(0, 0), index(m_count - 1, ColumnCount - 1));
    // A slow database (a huge text-filtered history) stretches the batches rather than the UI's frames.
    m_batchTimer.setInterval(std::clamp(int(clock.elapsed()) * 4, 150, 2000));
    emit refreshed(changed);
}

void DeliveryLogModel::refreshBatch()
{
    const bool byTime = sortKey() == DeliveryLogQuery::ByTime;
    if (!m_counter || !m_filter.membershipChanges() || !byTime) {
        refreshNow();
        return;
    }
    m_batchTimer.stop();
    QElapsedTimer clock;
    clock.start();
    const QSet<qint64> changed = std::exchange(m_changed, {});
    qint64 maxId = m_maxId;
    m_query.beginSnapshot();
    m_query.prepareTextFilter(m_filter);
    const int arrived = m_query.countNewer(m_filter, m_since, m_maxId, &maxId);
    m_query.endSnapshot();
    m_maxId = maxId;
    if (arrived > 0) {
        const int first = m_sortOrder == Qt::DescendingOrder ? 0 : m_count;
        m_arrivalShift = arrived;
        beginInsertRows(QModelIndex(), first, first + arrived - 1);
        m_pages.clear();
        m_pageUse.clear();
        m_count += arrived;
        m_arrivalShift = 0;
        endInsertRows();
    }
    m_pages.clear();
    m_pageUse.clear();
    if (m_count > 0)
        emit dataChanged(index(0, 0), index(m_count - 1, ColumnCount - 1));
    // Rows that left (or joined) the view through a change of state: counted on the other thread. One
    // recount at a time; changes meanwhile are picked up by the next batch's.
    if (!m_recountPending) {
        m_recountPending = true;
        m_counter->request(m_filter, m_since, m_generation);
    }
    m_batchTimer.setInterval(std::clamp(int(clock.elapsed()) * 4, 150, 2000));
    emit refreshed(changed);
}

void DeliveryLogModel::applyRecount(quint64 generation, int total, qint64 maxId)
{
    if (generation != m_generation)
        return; // asked for another filter or sort
    m_recountPending = false;
    if (total < 0)
        return;
    // The count saw the database up to maxId; arrivals this model applied since then are added on top.
    if (m_maxId > maxId) {
        qint64 ignored = 0;
        m_query.beginSnapshot();
        m_query.prepareTextFilter(m_filter);
        // Rows above the counter's snapshot and up to what this model has applied: what countNewer from
        // maxId finds, minus those above m_maxId that the model has not applied yet.
        const int upToNow = m_query.countNewer(m_filter, m_since, maxId, &ignored);
        const int notApplied = m_query.countNewer(m_filter, m_since, m_maxId, &ignored);
        m_query.endSnapshot();
        total += upToNow - notApplied;
    } else if (m_maxId < maxId) {
        // The counter saw arrivals the model has not applied: leave them to the next batch.
        qint64 ignored = 0;
        m_query.beginSnapshot();
        m_query.prepareTextFilter(m_filter);
        total -= m_query.countNewer(m_filter, m_since, m_maxId, &ignored) -
                 m_query.countNewer(m_filter, m_since, maxId, &ignored);
        m_query.endSnapshot();
    }
    if (total == m_count)
        return;
    beginResetModel();
    m_pages.clear();
    m_pageUse.clear();
    m_count = std::max(0, total);
    endResetModel();
    emit refreshed({});
}
