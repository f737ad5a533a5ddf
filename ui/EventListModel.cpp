#include "EventListModel.h"

#include <QLocale>

EventListModel::EventListModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int EventListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        role != Qt::DisplayRole)
        return {};
    const RegistryEvent &e = m_events.at(index.row());
    switch (index.column()) {
    case ReceivedColumn:
        return QLocale().toString(e.receivedAt.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case ActionColumn:
        return e.action;
    case TargetColumn:
        return e.tag.isEmpty()
                   ? (e.digest.isEmpty() ? e.repository : e.repository + QLatin1Char('@') + e.digest)
                   : e.repository + QLatin1Char(':') + e.tag;
    case SourceColumn:
        return e.sourceAddr;
    default:
        return {};
    }
}

QVariant EventListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ReceivedColumn:
        return tr("Received");
    case ActionColumn:
        return tr("Action");
    case TargetColumn:
        return tr("Target");
    case SourceColumn:
        return tr("Registry");
    default:
        return {};
    }
}

void EventListModel::setEvents(const QList<RegistryEvent> &events)
{
    beginResetModel();
    m_events = events;
    endResetModel();
}

const RegistryEvent *EventListModel::eventAt(int row) const
{
    return row >= 0 && row < m_events.size() ? &m_events.at(row) : nullptr;
}

int EventListModel::rowOf(qint64 eventRowId) const
{
    for (qsizetype i = 0; i < m_events.size(); ++i) {
        if (m_events.at(i).rowId == eventRowId)
            return int(i);
    }
    return -1;
}
