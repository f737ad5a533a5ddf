#include "MainWindow.h"

#include "DashboardView.h"
#include "DeliveriesView.h"
#include "DeliveryLogQuery.h"
#include "DesktopNotifier.h"
#include "Engine.h"
#include "EventsView.h"
#include "ReceiverView.h"
#include "ReenableWebhookPanel.h"
#include "SettingsView.h"
#include "Store.h"
#include "WebhookListModel.h"
#include "WebhooksView.h"

#include <QAction>
#include <QLabel>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

MainWindow::MainWindow(Engine &engine, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
{
    setWindowTitle(tr("Tidings"));
    QString error;
    const QString location = engine.config().databaseLocation;
    std::unique_ptr<SqlDialect> dialect = Store::dialectFor(location, &error);
    if (dialect) {
        m_reader = std::make_unique<Store>(std::move(dialect));
        if (!m_reader->open(location, &error))
            m_reader.reset();
    }
    m_logQuery = std::make_unique<DeliveryLogQuery>();
    if (m_reader && !m_logQuery->open(location, &error))
        m_reader.reset();

    // Above the screens, the in-window notifications (DesktopNotifier, when there is no system tray).
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    m_notifier = new DesktopNotifier(this, this);
    centralLayout->addWidget(m_notifier->banner());
    m_tabs = new QTabWidget(central);
    m_tabs->setDocumentMode(true);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    if (!m_reader) {
        auto *label = new QLabel(tr("Cannot open the database %1: %2").arg(location, error), m_tabs);
        label->setWordWrap(true);
        m_tabs->addTab(label, tr("Problem"));
    } else {
        m_deliveries = new DeliveriesView(engine, *m_reader, *m_logQuery, m_tabs);
        m_deliveries->setObjectName(QStringLiteral("deliveries"));
        m_tabs->addTab(m_deliveries, tr("&Deliveries"));
        m_webhooks = new WebhooksView(engine, *m_reader, *m_logQuery, m_tabs);
        m_webhooks->setObjectName(QStringLiteral("webhooks"));
        m_tabs->addTab(m_webhooks, tr("&Webhooks"));
        m_events = new EventsView(engine, *m_reader, *m_logQuery, m_tabs);
        m_events->setObjectName(QStringLiteral("events"));
        m_tabs->addTab(m_events, tr("E&vents"));
        m_receiver = new ReceiverView(engine, m_tabs);
        m_receiver->setObjectName(QStringLiteral("receiver"));
        m_tabs->addTab(m_receiver, tr("Re&ceiver"));
        m_dashboard = new DashboardView(engine, *m_reader, *m_logQuery, m_tabs);
        m_dashboard->setObjectName(QStringLiteral("dashboard"));
        m_tabs->addTab(m_dashboard, tr("Dash&board"));
        m_settings = new SettingsView(engine, m_tabs);
        m_settings->setObjectName(QStringLiteral("settings"));
        m_tabs->addTab(m_settings, tr("&Settings"));
    }
    // Keyboard: a screen's main widget takes the focus when the screen is chosen (Ctrl+1.. or Alt+letter),
    // so the keys work at once without a click.
    if (m_deliveries) {
        m_deliveries->setFocusProxy(m_deliveries->table());
        m_webhooks->setFocusProxy(m_webhooks->table());
        m_events->setFocusProxy(m_events->table());
    }
    for (int i = 0; i < m_tabs->count() && i < 9; ++i) {
        auto *action = new QAction(this);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(action, &QAction::triggered, m_tabs, [this, i] {
            m_tabs->setCurrentIndex(i);
            focusScreen(m_tabs->widget(i));
        });
        addAction(action);
    }
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        // A click on the tab bar keeps the focus there (arrow keys move between tabs); otherwise the
        // screen gets it.
        if (!m_tabs->tabBar()->hasFocus())
            focusScreen(m_tabs->widget(index));
    });
    if (m_tabs->count() > 0)
        focusScreen(m_tabs->widget(0));

    m_intakeLabel = new QLabel(tr("Starting the engine…"), this);
    m_intakeLabel->setObjectName(QStringLiteral("intakeLabel"));
    m_intakeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_queueLabel = new QLabel(this);
    m_queueLabel->setObjectName(QStringLiteral("queueLabel"));
    statusBar()->addWidget(m_intakeLabel, 1);
    statusBar()->addPermanentWidget(m_queueLabel);
    resize(1280, 760);

    connect(&engine, &Engine::started, this, &MainWindow::showIntake);
    connect(&engine, &Engine::failed, this, [this](const QString &reason) {
        m_intakeLabel->setText(tr("The engine could not start: %1").arg(reason));
    });
    connect(&engine, &Engine::problem, this,
            [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    connect(m_notifier, &DesktopNotifier::showWebhookRequested, this, &MainWindow::showWebhook);
    connect(m_notifier, &DesktopNotifier::reenableRequested, this, &MainWindow::showReenable);
    connect(&engine, &Engine::webhookDisabled, this, [this](qint64 id, const QString &reason) {
        QString name = QString::number(id);
        if (m_reader) {
            if (const std::optional<WebhookConfig> webhook = m_reader->webhook(id))
                name = webhook->name;
        }
        statusBar()->showMessage(tr("Webhook %1 disabled: %2").arg(name, reason), 15000);
        m_notifier->webhookDisabled(id, name, reason);
        if (m_deliveries)
            m_deliveries->reloadWebhooks();
    });
    connect(&engine, &Engine::webhookSaved, this, [this](const WebhookConfig &, const QString &error) {
        if (error.isEmpty() && m_deliveries)
            m_deliveries->reloadWebhooks();
    });
    connect(&engine, &Engine::queueDepthChanged, this, &MainWindow::showQueueDepth);
    if (engine.isRunning())
        showIntake();
    showQueueDepth(m_reader ? m_reader->queueDepth() : QueueDepth());
}

MainWindow::~MainWindow() = default;

bool MainWindow::showScreen(const QString &name)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->widget(i)->objectName() == name) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

void MainWindow::focusScreen(QWidget *screen)
{
    if (!screen)
        return;
    if (screen->focusProxy()) {
        screen->setFocus(Qt::TabFocusReason);
        return;
    }
    // The first control that takes Tab focus, in the screen's tab order.
    for (QWidget *w = screen->nextInFocusChain(); w && w != screen; w = w->nextInFocusChain()) {
        if (screen->isAncestorOf(w) && w->isEnabled() && w->isVisibleTo(screen) &&
            (w->focusPolicy() & Qt::TabFocus)) {
            w->setFocus(Qt::TabFocusReason);
            return;
        }
    }
}

void MainWindow::showWebhook(qint64 webhookId)
{
    if (!m_webhooks)
        return;
    showScreen(QStringLiteral("webhooks"));
    m_webhooks->reload();
    const int row = m_webhooks->model()->rowOf(webhookId);
    if (row >= 0)
        m_webhooks->table()->selectRow(row);
    m_webhooks->table()->setFocus(Qt::OtherFocusReason);
}

void MainWindow::showReenable(qint64 webhookId)
{
    if (!m_dashboard)
        return;
    showScreen(QStringLiteral("dashboard"));
    m_dashboard->reloadDisabledWebhooks();
    m_dashboard->reenablePanel()->chooseWebhook(webhookId);
    focusScreen(m_dashboard);
}

void MainWindow::showIntake()
{
    m_intakeLabel->setText(tr("Intake: %1").arg(m_engine.intakeUrl().toString()));
    m_intakeLabel->setToolTip(tr("Database: %1").arg(m_engine.config().databaseLocation));
}

void MainWindow::showQueueDepth(const QueueDepth &depth)
{
    m_queueLabel->setText(tr("Queue: %1 pending, %2 in flight").arg(depth.pending).arg(depth.inFlight));
}
