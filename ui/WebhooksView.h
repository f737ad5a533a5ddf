#pragma once

#include <QTimer>
#include <QWidget>

class DeliveryLogQuery;
class Engine;
class QLabel;
class QPushButton;
class QTableView;
class Store;
class WebhookEditorDialog;
class WebhookListModel;

// The Webhooks screen: the list with health at a glance, New and Edit (the editor dialog), and "Send test
// event" with the attempt's result shown inline.
class WebhooksView : public QWidget
{
    Q_OBJECT
public:
    WebhooksView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent = nullptr);

    WebhookListModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    void reload();
    // Opens the editor (non-modal in tests, modal for people): a new webhook when webhookId is 0.
    WebhookEditorDialog *openEditor(qint64 webhookId);
    void sendTestEvent();

protected:
    // A hidden screen does not follow the deliveries; it catches up when shown.
    void showEvent(QShowEvent *event) override;

private:
    qint64 selectedWebhookId() const;
    void updateButtons();

    Engine &m_engine;
    Store &m_reader;
    DeliveryLogQuery &m_query;
    WebhookListModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QPushButton *m_edit = nullptr;
    QPushButton *m_sendTest = nullptr;
    QLabel *m_testResult = nullptr;
    qint64 m_testDeliveryId = 0;
    QTimer m_healthRefresh;
    bool m_stale = false; // deliveries changed while the screen was hidden
};
