#pragma once

#include "RegistryEvent.h"

#include <QAbstractTableModel>
#include <QList>

// The Events screen's list: the latest registry notifications received, newest first.
class EventListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        ReceivedColumn,
        ActionColumn,
        TargetColumn,
        SourceColumn,
        ColumnCount
    };

    explicit EventListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setEvents(const QList<RegistryEvent> &events);
    const RegistryEvent *eventAt(int row) const;
    int rowOf(qint64 eventRowId) const;

private:
    QList<RegistryEvent> m_events;
};
