#include "DeliveryDetailPane.h"

#include "CurlCommand.h"
#include "DeliveryLogModel.h"
#include "Store.h"

#include <QClipboard>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

DeliveryDetailPane::DeliveryDetailPane(Store &reader, QWidget *parent)
    : QWidget(parent)
    , m_reader(reader)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);

    auto *buttons = new QHBoxLayout;
    m_replay = new QPushButton(tr("&Replay"), this);
    m_replay->setObjectName(QStringLiteral("replayButton"));
    m_replay->setToolTip(tr("Send this delivery again as a new series of attempts (Ctrl+R)"));
    m_replayOverride = new QPushButton(tr("Replay to another URL or with edited &payload…"), this);
    m_replayOverride->setObjectName(QStringLiteral("replayOverrideButton"));
    m_replayOverride->setToolTip(
        tr("Send one attempt now to another URL and/or with an edited payload; the timeline records what "
           "changed (Ctrl+Shift+E)"));
    m_copyCurl = new QPushButton(tr("Copy as c&url"), this);
    m_copyCurl->setObjectName(QStringLiteral("copyCurlButton"));
    m_copyCurl->setToolTip(tr("Copy the shown attempt's request as a curl command (Ctrl+Shift+C)"));
    m_cancel = new QPushButton(tr("Cancel pending retries"), this);
    m_cancel->setObjectName(QStringLiteral("cancelRetriesButton"));
    m_cancel->setToolTip(tr("Stop retrying this delivery (Ctrl+K)"));
    buttons->addWidget(m_replay);
    buttons->addWidget(m_replayOverride);
    buttons->addWidget(m_copyCurl);
    buttons->addWidget(m_cancel);
    buttons->addStretch();
    layout->addLayout(buttons);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_timeline = new QListWidget(splitter);
    m_timeline->setObjectName(QStringLiteral("attemptTimeline"));
    m_timeline->setAccessibleName(tr("Attempts"));
    auto *tabs = new QTabWidget(splitter);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_request = new QPlainTextEdit(tabs);
    m_request->setObjectName(QStringLiteral("requestText"));
    m_response = new QPlainTextEdit(tabs);
    m_response->setObjectName(QStringLiteral("responseText"));
    for (QPlainTextEdit *edit : {m_request, m_response}) {
        edit->setReadOnly(true);
        edit->setFont(fixed);
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    tabs->addTab(m_request, tr("Request"));
    tabs->addTab(m_response, tr("Response"));
    splitter->addWidget(m_timeline);
    splitter->addWidget(tabs);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);

    connect(m_timeline, &QListWidget::currentRowChanged, this, &DeliveryDetailPane::showAttempt);
    connect(m_replay, &QPushButton::clicked, this, [this] {
        if (m_deliveryId > 0)
            emit replayRequested(m_deliveryId);
    });
    connect(m_replayOverride, &QPushButton::clicked, this, [this] {
        if (m_deliveryId > 0)
            emit replayWithOverrideRequested(m_deliveryId);
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_deliveryId > 0)
            emit cancelRequested(m_deliveryId);
    });
    connect(m_copyCurl, &QPushButton::clicked, this, &DeliveryDetailPane::copyAsCurl);
    showDelivery(0);
}

void DeliveryDetailPane::showDelivery(qint64 deliveryId)
{
    m_deliveryId = deliveryId;
    reload();
}

void DeliveryDetailPane::reload()
{
    const int shownRow = m_timeline->currentRow();
    const bool followNewest = shownRow < 0 || shownRow == m_timeline->count() - 1;
    m_attempts.clear();
    std::optional<DeliveryRecord> delivery;
    if (m_deliveryId > 0)
        delivery = m_reader.delivery(m_deliveryId);
    m_delivery = delivery.value_or(DeliveryRecord());
    if (delivery)
        m_attempts = m_reader.attempts(m_deliveryId);

    const QSignalBlocker blocker(m_timeline);
    m_timeline->clear();
    const QLocale locale;
    for (const AttemptRecord &a : std::as_const(m_attempts)) {
        QString outcome = a.responseStatus > 0 ? tr("HTTP %1").arg(a.responseStatus)
                                               : tr("no response (%1)").arg(a.errorClass);
        QString line =
            tr("#%1  %2  %3  %4 ms")
                .arg(a.number)
                .arg(locale.toString(a.startedAt.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                     outcome)
                .arg(a.durationMs);
        if (a.manual)
            line += tr("  (replay)");
        if (!a.replayOverride.isEmpty())
            line += QStringLiteral("  ") + overrideText(a.replayOverride);
        else if (!a.note.isEmpty())
            line += QStringLiteral("  ") + a.note;
        auto *item = new QListWidgetItem(line, m_timeline);
        item->setForeground(a.responseStatus >= 200 && a.responseStatus < 300 ? QColor(0x2e, 0x9e, 0x4f)
                                                                              : QColor(0xd0, 0x30, 0x30));
    }

    if (!delivery) {
        m_title->setText(m_deliveryId > 0 ? tr("Delivery %1 no longer exists.").arg(m_deliveryId)
                                          : tr("Select a delivery to see its attempts."));
    } else {
        const DeliveryRecord &d = *delivery;
        QString next;
        if (d.state == DeliveryState::Pending && d.nextAttemptAt.isValid())
            next = tr(", next attempt at %1")
                       .arg(locale.toString(d.nextAttemptAt.toLocalTime(), QStringLiteral("HH:mm:ss")));
        m_title->setText(tr("<b>Delivery %1</b> of %2 %3%4 to <b>%5</b>: %6 after %n attempt(s)%7", nullptr,
                            d.totalAttempts)
                             .arg(d.id)
                             .arg(d.action.toHtmlEscaped(), d.repository.toHtmlEscaped(),
                                  d.tag.isEmpty() ? QString() : QLatin1Char(':') + d.tag.toHtmlEscaped(),
                                  d.webhookName.toHtmlEscaped(), DeliveryLogModel::stateText(d.state), next));
    }
    m_replay->setEnabled(delivery && delivery->state != DeliveryState::InFlight);
    m_replayOverride->setEnabled(delivery && delivery->state != DeliveryState::InFlight);
    m_cancel->setEnabled(delivery && delivery->state == DeliveryState::Pending);
    m_copyCurl->setEnabled(!m_attempts.isEmpty());

    const int row = m_attempts.isEmpty() ? -1
                    : followNewest       ? int(m_attempts.size()) - 1
                                         : std::min(shownRow, int(m_attempts.size()) - 1);
    m_timeline->setCurrentRow(row);
    showAttempt(row);
}

const AttemptRecord *DeliveryDetailPane::currentAttempt() const
{
    const int row = m_timeline->currentRow();
    return row >= 0 && row < m_attempts.size() ? &m_attempts.at(row) : nullptr;
}

QString DeliveryDetailPane::headersText(const AttemptRecord::Headers &headers)
{
    QString text;
    for (const auto &header : headers)
        text += QString::fromLatin1(header.first) + QStringLiteral(": ") +
                QString::fromLatin1(header.second) + QLatin1Char('\n');
    return text;
}

QString DeliveryDetailPane::bodyText(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError && !json.isNull())
        return QString::fromUtf8(json.toJson(QJsonDocument::Indented));
    return QString::fromUtf8(body);
}

QString DeliveryDetailPane::overrideText(const AttemptOverride &change)
{
    QStringList parts;
    if (change.urlChanged())
        parts.append(tr("replayed to %1").arg(change.url));
    if (change.payloadEdited)
        parts.append(tr("payload edited"));
    return parts.join(tr(", "));
}

void DeliveryDetailPane::showAttempt(int index)
{
    if (index < 0 || index >= m_attempts.size()) {
        m_request->setPlainText(m_deliveryId > 0 ? tr("No attempt yet.") : QString());
        m_response->clear();
        return;
    }
    const AttemptRecord &a = m_attempts.at(index);
    QString request = QStringLiteral("POST ") + a.url + QStringLiteral("\n") + headersText(a.requestHeaders) +
                      QLatin1Char('\n') + bodyText(a.requestBody);
    if (!a.replayOverride.isEmpty()) {
        // The audit trail: where it would have gone, and which body it replaced.
        QString audit =
            tr("Replay with an override: %1").arg(overrideText(a.replayOverride)) + QLatin1Char('\n');
        if (a.replayOverride.urlChanged())
            audit += tr("Webhook URL: %1").arg(a.replayOverride.originalUrl) + QLatin1Char('\n');
        if (a.replayOverride.payloadEdited)
            audit += tr("Original payload SHA-256: %1").arg(a.replayOverride.originalPayloadSha256) +
                     QLatin1Char('\n');
        request = audit + QLatin1Char('\n') + request;
    }
    m_request->setPlainText(request);
    if (a.responseStatus > 0) {
        QString text = tr("HTTP %1 after %2 ms").arg(a.responseStatus).arg(a.durationMs) + QLatin1Char('\n') +
                       headersText(a.responseHeaders) + QLatin1Char('\n') + bodyText(a.responseBody);
        m_response->setPlainText(text);
    } else {
        m_response->setPlainText(tr("No response after %1 ms.\nError class: %2\n%3")
                                     .arg(a.durationMs)
                                     .arg(a.errorClass, a.errorMessage));
    }
}

void DeliveryDetailPane::copyAsCurl()
{
    if (const AttemptRecord *attempt = currentAttempt())
        QGuiApplication::clipboard()->setText(CurlCommand::fromAttempt(*attempt));
}
