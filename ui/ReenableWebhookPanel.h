#pragma once

#include "MissedDeliveries.h"
#include "WebhookConfig.h"

#include <QGroupBox>

class Engine;
class QComboBox;
class QLabel;
class QPushButton;
class QRadioButton;
class QTableWidget;

// The Dashboard's "Disabled webhooks" box: choose a disabled webhook, see what it missed while it was
// disabled (how many, and a table with time, event and state, from the engine's WebhookReenabler), choose to
// replay all of it or none, and re-enable it. Hidden while no webhook is disabled.
class ReenableWebhookPanel : public QGroupBox
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        EventColumn,
        StateColumn,
        ColumnCount
    };
    // The preview table shows at most this many rows (the count is of all of them).
    static constexpr int maxRowsShown = 500;

    explicit ReenableWebhookPanel(Engine &engine, QWidget *parent = nullptr);

    // Every webhook (the dashboard's refresh); the disabled ones are offered. The chosen one's preview is
    // asked for when the list or the choice changes.
    void setWebhooks(const QList<WebhookConfig> &webhooks);
    // Chooses a disabled webhook (the notification's "Re-enable…"); false when it is not disabled.
    bool chooseWebhook(qint64 webhookId);
    qint64 chosenWebhookId() const;
    // The latest preview of the chosen webhook (empty until the engine answered).
    const MissedDeliveries &preview() const { return m_preview; }
    QTableWidget *previewTable() const { return m_table; }
    QRadioButton *replayAllButton() const { return m_replayAll; }
    QRadioButton *replayNoneButton() const { return m_replayNone; }
    QPushButton *reenableButton() const { return m_reenable; }
    QLabel *resultLabel() const { return m_result; }

    // Re-enables the chosen webhook with the chosen replay option.
    void reenable();

signals:
    void reenabled(const ReenableOutcome &outcome);

private:
    void requestPreview();
    void showPreview(const MissedDeliveries &missed);
    void showOutcome(const ReenableOutcome &outcome);
    void updateChoices();
    static QString stateText(const MissedDelivery &missed);

    Engine &m_engine;
    QComboBox *m_webhook = nullptr;
    QLabel *m_reason = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_table = nullptr;
    QRadioButton *m_replayAll = nullptr;
    QRadioButton *m_replayNone = nullptr;
    QPushButton *m_reenable = nullptr;
    QLabel *m_result = nullptr;
    MissedDeliveries m_preview;
    QList<QPair<qint64, qint64>> m_shownKeys; // (delivery, event) of the rows shown: redraw only on change
    qint64 m_reenabling = 0;
};
