#include "MainWindow.h"

#include "Engine.h"

#include <QDateTime>
#include <QLabel>
#include <QListWidget>
#include <QStatusBar>
#include <QVBoxLayout>

namespace {
constexpr int maxActivityRows = 1000; // a bounded live view; the store keeps the full history
}

MainWindow::MainWindow(Engine &engine, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
{
    setWindowTitle(tr("Tidings"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_intakeLabel = new QLabel(tr("Starting the engine…"), central);
    m_intakeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_intakeLabel);
    auto *heading = new QLabel(tr("Activity"), central);
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    layout->addWidget(heading);
    m_activity = new QListWidget(central);
    m_activity->setUniformItemSizes(true);
    layout->addWidget(m_activity);
    setCentralWidget(central);
    m_queueLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_queueLabel);
    resize(900, 560);

    connect(&engine, &Engine::started, this, [this](const QUrl &url) {
        m_intakeLabel->setText(
            tr("Intake: %1 (database %2)").arg(url.toString(), m_engine.config().databaseLocation));
        statusBar()->showMessage(url.toString());
    });
    connect(&engine, &Engine::failed, this, [this](const QString &reason) {
        m_intakeLabel->setText(tr("The engine could not start: %1").arg(reason));
    });
    connect(&engine, &Engine::eventReceived, this, [this](const RegistryEvent &event) {
        addActivity(tr("Event %1 %2%3")
                        .arg(event.action, event.repository,
                             event.tag.isEmpty() ? QString() : QLatin1Char(':') + event.tag));
    });
    connect(&engine, &Engine::deliveryChanged, this, [this](const DeliveryRecord &delivery) {
        addActivity(tr("Delivery %1 to %2: %3 after %n attempt(s)", nullptr, delivery.attempts)
                        .arg(delivery.id)
                        .arg(delivery.webhookName, deliveryStateName(delivery.state)));
    });
    connect(&engine, &Engine::webhookDisabled, this, [this](qint64 id, const QString &reason) {
        addActivity(tr("Webhook %1 disabled: %2").arg(id).arg(reason));
    });
    connect(&engine, &Engine::queueDepthChanged, this, &MainWindow::showQueueDepth);
}

void MainWindow::addActivity(const QString &line)
{
    m_activity->insertItem(0, QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + line);
    while (m_activity->count() > maxActivityRows)
        delete m_activity->takeItem(m_activity->count() - 1);
}

void MainWindow::showQueueDepth(const QueueDepth &depth)
{
    m_queueLabel->setText(tr("Pending: %1  In flight: %2").arg(depth.pending).arg(depth.inFlight));
}
