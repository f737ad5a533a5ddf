#pragma once

#include "QueueDepth.h"

#include <QMainWindow>

#include <memory>

class DeliveriesView;
class EventsView;
class SettingsView;
class DashboardView;
class ReceiverView;
class WebhooksView;
class DeliveryLogQuery;
class Engine;
class QLabel;
class QTabWidget;
class Store;

// The console: one tab per screen over the engine, and a status bar with the intake URL, the queue depth and
// the attempts in flight. It reads history through its own connections (a Store and the delivery log's
// read-only query) and changes things only through the Engine facade.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Engine &engine, QWidget *parent = nullptr);
    ~MainWindow() override;

    DeliveriesView *deliveriesView() const { return m_deliveries; }
    WebhooksView *webhooksView() const { return m_webhooks; }
    EventsView *eventsView() const { return m_events; }
    DashboardView *dashboardView() const { return m_dashboard; }
    ReceiverView *receiverView() const { return m_receiver; }
    QLabel *queueLabel() const { return m_queueLabel; }
    QLabel *intakeLabel() const { return m_intakeLabel; }
    QTabWidget *tabs() const { return m_tabs; }
    // Shows the screen with this object name ("deliveries", ...); false when there is none.
    bool showScreen(const QString &name);

private:
    void showIntake();
    void showQueueDepth(const QueueDepth &depth);

    Engine &m_engine;
    std::unique_ptr<Store> m_reader;
    std::unique_ptr<DeliveryLogQuery> m_logQuery;
    QTabWidget *m_tabs = nullptr;
    DeliveriesView *m_deliveries = nullptr;
    WebhooksView *m_webhooks = nullptr;
    EventsView *m_events = nullptr;
    SettingsView *m_settings = nullptr;
    DashboardView *m_dashboard = nullptr;
    ReceiverView *m_receiver = nullptr;
    QLabel *m_intakeLabel = nullptr;
    QLabel *m_queueLabel = nullptr;
};
