#include "WebhooksView.h"

#include "DeliveryLogQuery.h"
#include "Engine.h"
#include "RecentEventsQuery.h"
#include "StatusColours.h"
#include "Store.h"
#include "WebhookEditorDialog.h"
#include "WebhookHealthQuery.h"
#include "WebhookListModel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace {

// The test result's colour, readable on the window's palette (light or dark).
QString successStyle(const QWidget *label)
{
    return QStringLiteral("color: %1")
        .arg(StatusColours::success(label->palette(), StatusColours::Surface::Window).name());
}

QString failureStyle(const QWidget *label)
{
    return QStringLiteral("color: %1")
        .arg(StatusColours::failure(label->palette(), StatusColours::Surface::Window).name());
}
constexpr int previewEvents = 50;
} // namespace

WebhooksView::WebhooksView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_reader(reader)
    , m_query(query)
{
    auto *layout = new QVBoxLayout(this);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("&New webhook…"), this);
    add->setObjectName(QStringLiteral("newWebhookButton"));
    add->setShortcut(QKeySequence::New);
    add->setToolTip(tr("Ctrl+N"));
    m_edit = new QPushButton(tr("&Edit…"), this);
    m_edit->setObjectName(QStringLiteral("editWebhookButton"));
    m_sendTest = new QPushButton(tr("Send &test event"), this);
    m_sendTest->setObjectName(QStringLiteral("sendTestButton"));
    m_sendTest->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    m_sendTest->setToolTip(tr("A synthetic tag push, sent now whatever the filters (Ctrl+T)"));
    buttons->addWidget(add);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_sendTest);
    m_testResult = new QLabel(this);
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    buttons->addWidget(m_testResult, 1);
    layout->addLayout(buttons);

    m_model = new WebhookListModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("webhookTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    const int widths[] = {150, 330, 260, 130};
    for (int c = 0; c < 4; ++c)
        m_table->setColumnWidth(c, widths[c]);
    layout->addWidget(m_table, 1);

    connect(add, &QPushButton::clicked, this, [this] { openEditor(0)->open(); });
    connect(m_edit, &QPushButton::clicked, this, [this] {
        if (selectedWebhookId() > 0)
            openEditor(selectedWebhookId())->open();
    });
    connect(m_table, &QTableView::activated, this, [this] { m_edit->click(); });
    connect(m_sendTest, &QPushButton::clicked, this, &WebhooksView::sendTestEvent);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &WebhooksView::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &WebhooksView::updateButtons);

    connect(&engine, &Engine::webhookSaved, this, [this](const WebhookConfig &saved, const QString &error) {
        if (!error.isEmpty())
            return;
        reload();
        m_table->selectRow(m_model->rowOf(saved.id));
    });
    connect(&engine, &Engine::webhookDisabled, this, &WebhooksView::reload);
    connect(&engine, &Engine::testEventQueued, this, [this](qint64, qint64 deliveryId, const QString &error) {
        m_testDeliveryId = deliveryId;
        m_testResult->setStyleSheet(error.isEmpty() ? QString() : failureStyle(m_testResult));
        m_testResult->setText(error.isEmpty()
                                  ? tr("Test event queued as delivery %1, sending…").arg(deliveryId)
                                  : tr("Test event not sent: %1").arg(error));
    });
    connect(&engine, &Engine::attemptRecorded, this, [this](const AttemptRecord &attempt) {
        if (attempt.deliveryId != m_testDeliveryId || m_testDeliveryId == 0)
            return;
        const bool ok = attempt.responseStatus >= 200 && attempt.responseStatus < 300;
        m_testResult->setStyleSheet(ok ? successStyle(m_testResult) : failureStyle(m_testResult));
        if (attempt.responseStatus > 0)
            m_testResult->setText(tr("Test event (delivery %1): HTTP %2 in %3 ms")
                                      .arg(attempt.deliveryId)
                                      .arg(attempt.responseStatus)
                                      .arg(attempt.durationMs));
        else
            m_testResult->setText(tr("Test event (delivery %1): no response (%2): %3")
                                      .arg(attempt.deliveryId)
                                      .arg(attempt.errorClass, attempt.errorMessage));
    });
    // Health follows the deliveries, at most once a second.
    m_healthRefresh.setSingleShot(true);
    m_healthRefresh.setInterval(1000);
    // Only while shown: the 24-hour health query grows with the traffic, and nobody reads a hidden list.
    connect(&m_healthRefresh, &QTimer::timeout, this, [this] {
        if (isVisible())
            reload();
        else
            m_stale = true;
    });
    connect(&engine, &Engine::deliveryChanged, this, [this] {
        if (!m_healthRefresh.isActive())
            m_healthRefresh.start();
    });
    reload();
}

void WebhooksView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        reload();
    }
}

void WebhooksView::reload()
{
    const qint64 selected = selectedWebhookId();
    m_model->setWebhooks(
        m_reader.webhooks(),
        WebhookHealthQuery::load(m_query.connectionName(), QDateTime::currentDateTimeUtc().addDays(-1)));
    const int row = m_model->rowOf(selected);
    if (row >= 0)
        m_table->selectRow(row);
}

qint64 WebhooksView::selectedWebhookId() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const WebhookConfig *webhook = current.isValid() ? m_model->webhookAt(current.row()) : nullptr;
    return webhook ? webhook->id : 0;
}

void WebhooksView::updateButtons()
{
    const bool selected = selectedWebhookId() > 0;
    m_edit->setEnabled(selected);
    m_sendTest->setEnabled(selected);
}

WebhookEditorDialog *WebhooksView::openEditor(qint64 webhookId)
{
    WebhookConfig webhook;
    if (webhookId > 0) {
        if (std::optional<WebhookConfig> stored = m_reader.webhook(webhookId))
            webhook = *stored;
    }
    auto *dialog =
        new WebhookEditorDialog(m_engine, webhook, m_reader.webhooks(),
                                RecentEventsQuery::load(m_query.connectionName(), previewEvents), this);
    dialog->setObjectName(QStringLiteral("webhookEditor"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    return dialog;
}

void WebhooksView::sendTestEvent()
{
    const qint64 id = selectedWebhookId();
    if (id <= 0)
        return;
    m_testDeliveryId = 0;
    m_testResult->setStyleSheet(QString());
    m_testResult->setText(tr("Sending a test event…"));
    m_engine.sendTestEvent(id);
}
