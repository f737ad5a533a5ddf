#pragma once

#include "QueueDepth.h"

#include <QMainWindow>

#include <memory>

class DeliveriesView;
class EventsView;
class SettingsView;
class DashboardView;
class DesktopNotifier;
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
    SettingsView *settingsView() const { return m_settings; }
    DesktopNotifier *notifier() const { return m_notifier; }
    // Shows the screen with this object name ("deliveries", ...); false when there is none.
    bool showScreen(const QString &name);
    // The Webhooks screen with this webhook selected.
    void showWebhook(qint64 webhookId);
    // The Dashboard with this disabled webhook chosen for re-enabling.
    void showReenable(qint64 webhookId);

private:
    void showIntake();
    void showQueueDepth(const QueueDepth &depth);
    // Keyboard focus into a screen: its main widget (a focus proxy) or its first control.
    void focusScreen(QWidget *screen);

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
    DesktopNotifier *m_notifier = nullptr;
};
