#pragma once

#include <QTimer>
#include <QWidget>

class DeliveryLogQuery;
class Engine;
class EventListModel;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QTableView;
class Store;

// The Events screen: incoming registry notifications; for the selected one its raw envelope, the registry
// that sent it, and for each webhook whether it got a delivery or which filter excluded the event.
class EventsView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int shownEvents = 500;

    EventsView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent = nullptr);

    EventListModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    void reload();

protected:
    // A screen that is not shown does not follow the arrivals (see the constructor); it catches up here.
    void showEvent(QShowEvent *event) override;

private:
    void showEvent(int row);

    Store &m_reader;
    DeliveryLogQuery &m_query;
    EventListModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_source = nullptr;
    QListWidget *m_routing = nullptr;
    QPlainTextEdit *m_raw = nullptr;
    QTimer m_reloadDelay;
    bool m_stale = false; // events arrived while the screen was hidden
};
