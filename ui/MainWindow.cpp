#include "MainWindow.h"

#include "DashboardView.h"
#include "DeliveriesView.h"
#include "DeliveryLogQuery.h"
#include "Engine.h"
#include "EventsView.h"
#include "ReceiverView.h"
#include "SettingsView.h"
#include "Store.h"
#include "WebhooksView.h"

#include <QAction>
#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>

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

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);
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
        m_tabs->addTab(m_receiver, tr("&Receiver"));
        m_dashboard = new DashboardView(engine, *m_reader, *m_logQuery, m_tabs);
        m_dashboard->setObjectName(QStringLiteral("dashboard"));
        m_tabs->addTab(m_dashboard, tr("Dash&board"));
        m_settings = new SettingsView(engine, m_tabs);
        m_settings->setObjectName(QStringLiteral("settings"));
        m_tabs->addTab(m_settings, tr("&Settings"));
    }
    // Ctrl+1.. switches screens.
    for (int i = 0; i < m_tabs->count() && i < 9; ++i) {
        auto *action = new QAction(this);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(action, &QAction::triggered, m_tabs, [this, i] { m_tabs->setCurrentIndex(i); });
        addAction(action);
    }

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
    connect(&engine, &Engine::webhookDisabled, this, [this](qint64 id, const QString &reason) {
        statusBar()->showMessage(tr("Webhook %1 disabled: %2").arg(id).arg(reason), 15000);
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

void MainWindow::showIntake()
{
    m_intakeLabel->setText(tr("Intake: %1").arg(m_engine.intakeUrl().toString()));
    m_intakeLabel->setToolTip(tr("Database: %1").arg(m_engine.config().databaseLocation));
}

void MainWindow::showQueueDepth(const QueueDepth &depth)
{
    m_queueLabel->setText(tr("Queue: %1 pending, %2 in flight").arg(depth.pending).arg(depth.inFlight));
}
