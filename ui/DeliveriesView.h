#pragma once

#include "DeliveryLogFilter.h"

#include <QTimer>
#include <QWidget>

class DeliveryDetailPane;
class DeliveryLogModel;
class DeliveryLogQuery;
class Engine;
class QComboBox;
class QLineEdit;
class QTableView;
class Store;

// The Deliveries screen: filters (kept in QSettings), the live log, and the detail pane of the selected
// delivery with its actions.
class DeliveriesView : public QWidget
{
    Q_OBJECT
public:
    DeliveriesView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent = nullptr);

    DeliveryLogModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    DeliveryDetailPane *detailPane() const { return m_detail; }
    // The webhook filter's choices changed (a webhook was added, renamed or removed).
    void reloadWebhooks();
    void focusFilter();
    // "Replay all failed in this view": asks with the count first, then replays in chunks with a progress
    // dialog that can cancel the rest.
    void replayAllFailed();

private:
    void applyFilterFromWidgets();
    void showFilterInWidgets(const DeliveryLogFilter &filter);
    void selectionChanged();
    void replaySelected();
    // Opens "Replay to another URL or with an edited payload…" for the delivery in the detail pane.
    void replayWithOverride();
    void cancelSelected();

    Engine &m_engine;
    Store &m_reader;
    DeliveryLogModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    DeliveryDetailPane *m_detail = nullptr;
    QComboBox *m_state = nullptr;
    QComboBox *m_webhook = nullptr;
    QLineEdit *m_text = nullptr;
    QLineEdit *m_httpStatus = nullptr;
    QComboBox *m_range = nullptr;
    QTimer m_typingDelay;
    QList<qint64> m_bulkIds;
    int m_bulkSent = 0;
    QTimer m_bulkTimer;
    class QProgressDialog *m_bulkProgress = nullptr;
    class QLabel *m_bulkResult = nullptr;
    bool m_updatingWidgets = false;
};
