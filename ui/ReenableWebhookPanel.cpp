#include "ReenableWebhookPanel.h"

#include "Engine.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

ReenableWebhookPanel::ReenableWebhookPanel(Engine &engine, QWidget *parent)
    : QGroupBox(tr("Disabled webhooks"), parent)
    , m_engine(engine)
{
    setObjectName(QStringLiteral("reenablePanel"));
    auto *layout = new QVBoxLayout(this);
    auto *chooser = new QHBoxLayout;
    m_webhook = new QComboBox(this);
    m_webhook->setObjectName(QStringLiteral("disabledWebhookChoice"));
    auto *webhookLabel = new QLabel(tr("Webhoo&k:"), this);
    webhookLabel->setBuddy(m_webhook);
    m_reason = new QLabel(this);
    m_reason->setObjectName(QStringLiteral("disabledReason"));
    m_reason->setWordWrap(true);
    m_reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    chooser->addWidget(webhookLabel);
    chooser->addWidget(m_webhook);
    chooser->addWidget(m_reason, 1);
    layout->addLayout(chooser);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("missedSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("missedTable"));
    m_table->setHorizontalHeaderLabels({tr("Time"), tr("Event"), tr("State")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setTabKeyNavigation(false); // Tab leaves the table for the choices below
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(TimeColumn, 150);
    m_table->setColumnWidth(EventColumn, 260);
    m_table->setMaximumHeight(m_table->fontMetrics().height() * 9);
    layout->addWidget(m_table);

    auto *actions = new QHBoxLayout;
    m_replayAll = new QRadioButton(this);
    m_replayAll->setObjectName(QStringLiteral("replayAllMissed"));
    m_replayAll->setChecked(true);
    m_replayNone = new QRadioButton(this);
    m_replayNone->setObjectName(QStringLiteral("replayNoneMissed"));
    m_reenable = new QPushButton(tr("Re-&enable"), this);
    m_reenable->setObjectName(QStringLiteral("reenableButton"));
    actions->addWidget(m_replayAll);
    actions->addWidget(m_replayNone);
    actions->addStretch();
    actions->addWidget(m_reenable);
    layout->addLayout(actions);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("reenableResult"));
    m_result->setWordWrap(true);
    m_result->hide(); // until there is an outcome to show
    layout->addWidget(m_result);
    updateChoices();

    setTabOrder(m_webhook, m_table);
    setTabOrder(m_table, m_replayAll);
    setTabOrder(m_replayAll, m_replayNone);
    setTabOrder(m_replayNone, m_reenable);

    connect(m_webhook, &QComboBox::currentIndexChanged, this, [this] {
        m_shownKeys.clear();
        m_preview = MissedDeliveries();
        m_table->setRowCount(0);
        m_summary->setText(tr("Looking for what it missed…"));
        m_reason->setText(m_webhook->currentData(Qt::ToolTipRole).toString());
        updateChoices();
        requestPreview();
    });
    connect(m_reenable, &QPushButton::clicked, this, &ReenableWebhookPanel::reenable);
    connect(&engine, &Engine::missedDeliveriesFound, this, &ReenableWebhookPanel::showPreview);
    connect(&engine, &Engine::webhookReenabled, this, &ReenableWebhookPanel::showOutcome);
    hide();
}

qint64 ReenableWebhookPanel::chosenWebhookId() const
{
    return m_webhook->currentData().toLongLong();
}

void ReenableWebhookPanel::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    QList<QPair<qint64, QString>> disabled;
    for (const WebhookConfig &webhook : webhooks) {
        if (!webhook.enabled)
            disabled.append({webhook.id, webhook.name});
    }
    QList<QPair<qint64, QString>> offered;
    for (int i = 0; i < m_webhook->count(); ++i)
        offered.append({m_webhook->itemData(i).toLongLong(), m_webhook->itemText(i)});
    if (offered != disabled) {
        const qint64 chosen = chosenWebhookId();
        const QSignalBlocker blocker(m_webhook);
        m_webhook->clear();
        for (const WebhookConfig &webhook : webhooks) {
            if (webhook.enabled)
                continue;
            m_webhook->addItem(webhook.name, webhook.id);
            m_webhook->setItemData(m_webhook->count() - 1, webhook.disabledReason, Qt::ToolTipRole);
        }
        const int index = m_webhook->findData(chosen);
        m_webhook->setCurrentIndex(index >= 0 ? index : 0);
        if (chosenWebhookId() != chosen) {
            m_shownKeys.clear();
            m_preview = MissedDeliveries();
            m_table->setRowCount(0);
            m_summary->setText(tr("Looking for what it missed…"));
        }
        m_reason->setText(m_webhook->currentData(Qt::ToolTipRole).toString());
    }
    // Keep the result of a re-enable in view while no webhook is left to show.
    setVisible(!disabled.isEmpty() || !m_result->text().isEmpty());
    m_webhook->setEnabled(!disabled.isEmpty());
    updateChoices();
    // The preview reads the webhook's history in the engine thread: asked for when the choice changes (or a
    // webhook is disabled), not on every refresh. Re-enabling counts again, so nothing that arrived since is
    // left out.
    if (offered != disabled || m_preview.webhookId != chosenWebhookId() || !m_preview.error.isEmpty())
        requestPreview();
}

bool ReenableWebhookPanel::chooseWebhook(qint64 webhookId)
{
    const int index = m_webhook->findData(webhookId);
    if (index < 0)
        return false;
    m_webhook->setCurrentIndex(index);
    return true;
}

void ReenableWebhookPanel::requestPreview()
{
    if (chosenWebhookId() > 0)
        m_engine.findMissedDeliveries(chosenWebhookId());
}

QString ReenableWebhookPanel::stateText(const MissedDelivery &missed)
{
    switch (missed.kind) {
    case MissedDelivery::Kind::Failed:
        if (missed.lastStatus > 0)
            return tr("failed (HTTP %1)").arg(missed.lastStatus);
        return missed.lastError.isEmpty() ? tr("failed") : tr("failed (%1)").arg(missed.lastError);
    case MissedDelivery::Kind::Held:
        return tr("pending, held while disabled");
    case MissedDelivery::Kind::NotRouted:
        break;
    }
    return tr("not delivered, arrived while disabled");
}

void ReenableWebhookPanel::showPreview(const MissedDeliveries &missed)
{
    if (missed.webhookId != chosenWebhookId())
        return; // an answer for an earlier choice
    m_preview = missed;
    if (!missed.error.isEmpty()) {
        m_summary->setText(tr("Cannot tell what it missed: %1").arg(missed.error));
        updateChoices();
        return;
    }
    const int total = int(missed.deliveries.size());
    const QString since =
        missed.failingSince.isValid()
            ? tr("its last success at %1")
                  .arg(QLocale().toString(missed.failingSince.toLocalTime(), QLocale::ShortFormat))
            : tr("it was added (no success yet)");
    m_summary->setText(
        tr("Missed since %1: %2 deliveries; %3 failed, %4 held while disabled, %5 events not delivered.")
            .arg(since)
            .arg(total)
            .arg(missed.count(MissedDelivery::Kind::Failed))
            .arg(missed.count(MissedDelivery::Kind::Held))
            .arg(missed.count(MissedDelivery::Kind::NotRouted)) +
        (total > maxRowsShown ? QString(QLatin1Char(' ') + tr("The newest %1 are listed.").arg(maxRowsShown))
                              : QString()));
    QList<QPair<qint64, qint64>> keys;
    for (const MissedDelivery &d : missed.deliveries)
        keys.append({d.deliveryId, d.eventRowId});
    if (keys != m_shownKeys) {
        m_shownKeys = keys;
        const int rows = std::min(total, int(maxRowsShown));
        m_table->setRowCount(rows);
        for (int row = 0; row < rows; ++row) {
            const MissedDelivery &d = missed.deliveries.at(row);
            QString target = d.repository;
            if (!d.tag.isEmpty())
                target += QLatin1Char(':') + d.tag;
            const QString cells[ColumnCount] = {
                d.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                d.action + QLatin1Char(' ') + target, stateText(d)};
            for (int column = 0; column < ColumnCount; ++column)
                m_table->setItem(row, column, new QTableWidgetItem(cells[column]));
        }
    }
    updateChoices();
}

void ReenableWebhookPanel::updateChoices()
{
    const int total = int(m_preview.deliveries.size());
    const int held = m_preview.count(MissedDelivery::Kind::Held);
    m_replayAll->setText(tr("Replay &all missed (%1)").arg(total));
    m_replayNone->setText(held > 0
                              ? tr("Replay &none: cancel the held ones (%1), send only new events").arg(held)
                              : tr("Replay &none: send only new events"));
    const bool ready = chosenWebhookId() > 0 && m_preview.webhookId == chosenWebhookId() &&
                       m_preview.error.isEmpty() && m_reenabling == 0;
    m_reenable->setEnabled(ready);
    m_replayAll->setEnabled(ready);
    m_replayNone->setEnabled(ready);
}

void ReenableWebhookPanel::reenable()
{
    const qint64 id = chosenWebhookId();
    if (id <= 0 || m_reenabling != 0)
        return;
    m_reenabling = id;
    m_result->setText(tr("Re-enabling %1…").arg(m_webhook->currentText()));
    m_result->show();
    updateChoices();
    m_engine.reenableWebhook(id, m_replayAll->isChecked());
}

void ReenableWebhookPanel::showOutcome(const ReenableOutcome &outcome)
{
    if (outcome.webhookId != m_reenabling)
        return;
    const QString name = m_webhook->itemText(m_webhook->findData(outcome.webhookId));
    m_reenabling = 0;
    if (!outcome.error.isEmpty()) {
        m_result->setText(tr("%1 was not re-enabled: %2").arg(name, outcome.error));
    } else if (outcome.replayedMissed) {
        m_result->setText(tr("%1 is enabled again; missed deliveries being sent: %2.")
                              .arg(name)
                              .arg(outcome.replayed + outcome.routed));
    } else {
        m_result->setText(
            tr("%1 is enabled again; nothing it missed is sent (held deliveries cancelled: %2).")
                .arg(name)
                .arg(outcome.cancelled));
    }
    updateChoices();
    emit reenabled(outcome);
}
