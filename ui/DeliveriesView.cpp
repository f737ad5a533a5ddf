#include "DeliveriesView.h"

#include "DeliveryDetailPane.h"
#include "DeliveryLogModel.h"
#include "Engine.h"
#include "PayloadBuilder.h"
#include "ReadableTextDelegate.h"
#include "ReplayOverrideDialog.h"
#include "StatusColours.h"
#include "Store.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

DeliveriesView::DeliveriesView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_reader(reader)
{
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    m_state = new QComboBox(this);
    m_state->setObjectName(QStringLiteral("stateFilter"));
    m_state->addItem(tr("All states"), QString());
    m_state->addItem(tr("Pending"), QStringLiteral("pending"));
    m_state->addItem(tr("In flight"), QStringLiteral("in_flight"));
    m_state->addItem(tr("Succeeded"), QStringLiteral("succeeded"));
    m_state->addItem(tr("Failed"), QStringLiteral("failed"));
    m_state->addItem(tr("Cancelled"), QStringLiteral("cancelled"));
    m_webhook = new QComboBox(this);
    m_webhook->setObjectName(QStringLiteral("webhookFilter"));
    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("textFilter"));
    m_text->setPlaceholderText(tr("Repository or repository:tag (Ctrl+F)"));
    m_text->setClearButtonEnabled(true);
    m_httpStatus = new QLineEdit(this);
    m_httpStatus->setObjectName(QStringLiteral("httpStatusFilter"));
    m_httpStatus->setPlaceholderText(tr("HTTP: 500, 5xx, none"));
    m_httpStatus->setMaximumWidth(140);
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("rangeFilter"));
    m_range->addItem(tr("Any time"), int(DeliveryLogFilter::TimeRange::Any));
    m_range->addItem(tr("Last hour"), int(DeliveryLogFilter::TimeRange::LastHour));
    m_range->addItem(tr("Last 24 hours"), int(DeliveryLogFilter::TimeRange::Last24Hours));
    m_range->addItem(tr("Last 7 days"), int(DeliveryLogFilter::TimeRange::Last7Days));
    auto *filterLabel = new QLabel(tr("&Filter:"), this);
    filterLabel->setBuddy(m_text);
    filters->addWidget(filterLabel);
    filters->addWidget(m_state);
    filters->addWidget(m_webhook);
    filters->addWidget(m_text, 1);
    filters->addWidget(m_httpStatus);
    filters->addWidget(m_range);
    auto *bulk = new QPushButton(tr("Replay &all failed…"), this);
    bulk->setObjectName(QStringLiteral("bulkReplayButton"));
    bulk->setToolTip(tr("Replay every failed delivery this view shows (Ctrl+Shift+R)"));
    filters->addWidget(bulk);
    layout->addLayout(filters);
    m_bulkResult = new QLabel(this);
    m_bulkResult->setObjectName(QStringLiteral("bulkReplayResult"));
    m_bulkResult->hide();
    layout->addWidget(m_bulkResult);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_model = new DeliveryLogModel(query, this);
    m_table = new QTableView(splitter);
    m_table->setObjectName(QStringLiteral("deliveryTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(DeliveryLogModel::TimeColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    // Fixed row heights: the view never asks a million rows for their size.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    // The log's status colours, kept readable on the palette in use (dark mode too).
    m_table->setItemDelegate(new ReadableTextDelegate(m_table));
    const int widths[] = {135, 100, 180, 95, 60, 65, 65, 70};
    for (int c = 0; c < DeliveryLogModel::ColumnCount; ++c)
        m_table->setColumnWidth(c, widths[c]);
    m_detail = new DeliveryDetailPane(reader, splitter);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({780, 480});
    layout->addWidget(splitter, 1);

    // Keyboard: everything on the screen has a shortcut, and the table takes the context-menu key too.
    auto *focusFilterAction = new QAction(tr("Filter"), this);
    focusFilterAction->setShortcut(QKeySequence::Find);
    connect(focusFilterAction, &QAction::triggered, this, &DeliveriesView::focusFilter);
    auto *replayAction = new QAction(tr("Replay"), this);
    replayAction->setObjectName(QStringLiteral("replayAction"));
    replayAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(replayAction, &QAction::triggered, this, &DeliveriesView::replaySelected);
    auto *overrideAction = new QAction(tr("Replay to another URL or with edited payload…"), this);
    overrideAction->setObjectName(QStringLiteral("replayOverrideAction"));
    overrideAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    connect(overrideAction, &QAction::triggered, this, &DeliveriesView::replayWithOverride);
    auto *curlAction = new QAction(tr("Copy as curl"), this);
    curlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(curlAction, &QAction::triggered, m_detail, &DeliveryDetailPane::copyAsCurl);
    auto *cancelAction = new QAction(tr("Cancel pending retries"), this);
    cancelAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(cancelAction, &QAction::triggered, this, &DeliveriesView::cancelSelected);
    auto *bulkAction = new QAction(tr("Replay all failed in this view"), this);
    bulkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    connect(bulkAction, &QAction::triggered, this, &DeliveriesView::replayAllFailed);
    connect(bulk, &QPushButton::clicked, this, &DeliveriesView::replayAllFailed);
    for (QAction *action :
         {focusFilterAction, replayAction, overrideAction, curlAction, cancelAction, bulkAction}) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
    }
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({replayAction, overrideAction, curlAction, cancelAction});

    // Bulk replay goes to the engine in chunks, a few per second of UI time, so the progress can show and
    // Cancel can stop the rest.
    m_bulkTimer.setInterval(20);
    connect(&m_bulkTimer, &QTimer::timeout, this, [this] {
        constexpr int chunk = 200;
        const QList<qint64> ids = m_bulkIds.mid(m_bulkSent, chunk);
        m_engine.replay(ids);
        m_bulkSent += int(ids.size());
        if (m_bulkProgress)
            m_bulkProgress->setValue(m_bulkSent);
        if (m_bulkSent >= m_bulkIds.size()) {
            m_bulkTimer.stop();
            m_bulkResult->setText(tr("Replaying %n failed delivery(ies).", nullptr, m_bulkSent));
            m_bulkResult->show();
            if (m_bulkProgress)
                m_bulkProgress->deleteLater();
            m_bulkProgress = nullptr;
        }
    });
    m_typingDelay.setSingleShot(true);
    m_typingDelay.setInterval(250);
    connect(&m_typingDelay, &QTimer::timeout, this, &DeliveriesView::applyFilterFromWidgets);
    connect(m_text, &QLineEdit::textChanged, &m_typingDelay, qOverload<>(&QTimer::start));
    connect(m_httpStatus, &QLineEdit::textChanged, &m_typingDelay, qOverload<>(&QTimer::start));
    // Enter in a text filter applies it at once and goes to the table, on the first row: filter, Enter,
    // then the arrow keys and the shortcuts, without a mouse.
    for (QLineEdit *edit : {m_text, m_httpStatus}) {
        connect(edit, &QLineEdit::returnPressed, this, [this] {
            m_typingDelay.stop();
            applyFilterFromWidgets();
            m_table->setFocus(Qt::ShortcutFocusReason);
            if (!m_table->currentIndex().isValid() && m_model->rowCount() > 0)
                m_table->selectRow(0);
        });
    }
    for (QComboBox *combo : {m_state, m_webhook, m_range})
        connect(combo, &QComboBox::currentIndexChanged, this, &DeliveriesView::applyFilterFromWidgets);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &DeliveriesView::selectionChanged);
    connect(m_detail, &DeliveryDetailPane::replayRequested, this,
            [this](qint64 id) { m_engine.replay({id}); });
    connect(m_detail, &DeliveryDetailPane::replayWithOverrideRequested, this,
            &DeliveriesView::replayWithOverride);
    connect(m_detail, &DeliveryDetailPane::cancelRequested, this,
            [this](qint64 id) { m_engine.cancelPendingRetries({id}); });
    connect(m_model, &DeliveryLogModel::refreshed, this, [this](const QSet<qint64> &changed) {
        if (m_detail->deliveryId() > 0 && changed.contains(m_detail->deliveryId()))
            m_detail->reload();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        // Keep the selection on the same delivery when it is still on the page in view.
        m_model->deliveryIdAt(std::max(0, m_table->rowAt(0)));
        const int row = m_model->cachedRowOf(m_detail->deliveryId());
        if (row >= 0)
            m_table->selectRow(row);
    });

    connect(&engine, &Engine::deliveryChanged, m_model,
            [this](const DeliveryRecord &delivery) { m_model->noteChanged(delivery.id); });
    connect(&engine, &Engine::eventReceived, m_model, [this] { m_model->noteArrivals(); });
    connect(&engine, &Engine::testEventQueued, m_model, [this] { m_model->noteArrivals(); });

    reloadWebhooks();
    QSettings settings;
    const DeliveryLogFilter saved = DeliveryLogFilter::load(settings);
    showFilterInWidgets(saved);
    m_model->setFilter(saved);
}

void DeliveriesView::reloadWebhooks()
{
    m_updatingWidgets = true;
    const qint64 chosen = m_webhook->currentData().toLongLong();
    m_webhook->clear();
    m_webhook->addItem(tr("All webhooks"), qint64(0));
    for (const WebhookConfig &webhook : m_reader.webhooks())
        m_webhook->addItem(webhook.name, webhook.id);
    const int index = m_webhook->findData(chosen);
    m_webhook->setCurrentIndex(index >= 0 ? index : 0);
    m_updatingWidgets = false;
}

void DeliveriesView::showFilterInWidgets(const DeliveryLogFilter &filter)
{
    m_updatingWidgets = true;
    m_state->setCurrentIndex(std::max(0, m_state->findData(filter.state)));
    const int webhookIndex = m_webhook->findData(filter.webhookId);
    m_webhook->setCurrentIndex(std::max(0, webhookIndex));
    m_text->setText(filter.text);
    m_httpStatus->setText(filter.httpStatus);
    m_range->setCurrentIndex(std::max(0, m_range->findData(int(filter.range))));
    m_updatingWidgets = false;
    m_typingDelay.stop();
}

void DeliveriesView::applyFilterFromWidgets()
{
    if (m_updatingWidgets)
        return;
    DeliveryLogFilter filter;
    filter.state = m_state->currentData().toString();
    filter.webhookId = m_webhook->currentData().toLongLong();
    filter.text = m_text->text().trimmed();
    int low = 0;
    int high = 0;
    bool valid = true;
    DeliveryLogFilter::parseHttpStatus(m_httpStatus->text(), &low, &high, &valid);
    // An unreadable status is shown, not applied.
    m_httpStatus->setStyleSheet(
        valid ? QString()
              : QStringLiteral("color: %1").arg(StatusColours::failure(m_httpStatus->palette()).name()));
    m_httpStatus->setToolTip(valid ? QString() : tr("Use a status (500), a class (5xx) or \"none\""));
    filter.httpStatus = valid ? m_httpStatus->text().trimmed() : QString();
    filter.range = DeliveryLogFilter::TimeRange(m_range->currentData().toInt());
    if (filter == m_model->filter())
        return;
    m_model->setFilter(filter);
    QSettings settings;
    filter.save(settings);
}

void DeliveriesView::selectionChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    m_detail->showDelivery(current.isValid() ? m_model->deliveryIdAt(current.row()) : 0);
}

void DeliveriesView::replaySelected()
{
    if (m_detail->deliveryId() > 0)
        m_engine.replay({m_detail->deliveryId()});
}

void DeliveriesView::replayWithOverride()
{
    const qint64 id = m_detail->deliveryId();
    const std::optional<DeliveryRecord> delivery = id > 0 ? m_reader.delivery(id) : std::nullopt;
    if (!delivery || delivery->state == DeliveryState::InFlight)
        return;
    const std::optional<WebhookConfig> webhook = m_reader.webhook(delivery->webhookId);
    const std::optional<RegistryEvent> event = m_reader.event(delivery->eventRowId);
    if (!webhook || !event)
        return;
    // The body this delivery sends as configured: what the editor starts from.
    const DeliveryPayload payload = PayloadBuilder::build(*event, webhook->payloadFormat);
    auto *dialog = new ReplayOverrideDialog(m_engine, id, webhook->url, payload.body, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, m_detail, &DeliveryDetailPane::reload);
    dialog->open();
}

void DeliveriesView::cancelSelected()
{
    if (m_detail->deliveryId() > 0)
        m_engine.cancelPendingRetries({m_detail->deliveryId()});
}

void DeliveriesView::focusFilter()
{
    m_text->setFocus(Qt::ShortcutFocusReason);
    m_text->selectAll();
}

void DeliveriesView::replayAllFailed()
{
    if (m_bulkTimer.isActive())
        return;
    const QList<qint64> ids = m_model->failedIdsInView();
    if (ids.isEmpty()) {
        m_bulkResult->setText(tr("No failed deliveries in this view."));
        m_bulkResult->show();
        return;
    }
    auto *confirm = new QMessageBox(
        QMessageBox::Question, tr("Replay failed deliveries"),
        tr("Replay %n failed delivery(ies) shown by the current filters?", nullptr, int(ids.size())),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    confirm->setObjectName(QStringLiteral("bulkReplayConfirm"));
    confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(confirm, &QMessageBox::finished, this, [this, ids](int result) {
        if (result != QMessageBox::Yes)
            return;
        m_bulkIds = ids;
        m_bulkSent = 0;
        m_bulkProgress =
            new QProgressDialog(tr("Replaying failed deliveries…"), tr("Cancel"), 0, int(ids.size()), this);
        m_bulkProgress->setObjectName(QStringLiteral("bulkReplayProgress"));
        m_bulkProgress->setMinimumDuration(0);
        connect(m_bulkProgress, &QProgressDialog::canceled, this, [this] {
            m_bulkTimer.stop();
            m_bulkResult->setText(
                tr("Cancelled: %1 of %2 failed deliveries replayed.").arg(m_bulkSent).arg(m_bulkIds.size()));
            m_bulkResult->show();
            m_bulkProgress->deleteLater();
            m_bulkProgress = nullptr;
        });
        m_bulkTimer.start();
    });
    confirm->open();
}
