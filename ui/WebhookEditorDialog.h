#pragma once

#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QDialog>
#include <QList>

class Engine;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableWidget;

// Creates or edits a webhook. Validates as you type (URL, unique name, glob filters, headers, secret, retry
// schedule) with the first problem in plain words and OK disabled until there is none, and previews which of
// the recent events the filters would let through, with the reason for each one they would not. OK saves
// through the engine and closes only when the engine stored it.
class WebhookEditorDialog : public QDialog
{
    Q_OBJECT
public:
    WebhookEditorDialog(Engine &engine, const WebhookConfig &webhook, const QList<WebhookConfig> &existing,
                        const QList<RegistryEvent> &recentEvents, QWidget *parent = nullptr);

    // The webhook as the fields describe it now.
    WebhookConfig config() const;
    // The first problem, empty when the webhook can be saved.
    QString validationError() const { return m_error; }
    // After accept(): the webhook as stored, with its id.
    WebhookConfig saved() const { return m_saved; }

    void accept() override;

private:
    void validate();
    // Rotate…: asks for the grace period, then has the engine rotate at once (not on OK).
    void rotateSecret();
    void showRotationState();
    void updatePreview(const WebhookConfig &webhook);
    void addHeaderRow(const QString &name, const QString &value);
    static QStringList splitList(const QString &text);

    Engine &m_engine;
    WebhookConfig m_original;
    QList<WebhookConfig> m_existing;
    QList<RegistryEvent> m_recentEvents;
    WebhookConfig m_saved;
    QString m_error;
    bool m_saving = false;
    bool m_rotating = false;

    QLineEdit *m_name = nullptr;
    QLineEdit *m_url = nullptr;
    QList<QCheckBox *> m_actions;
    QLineEdit *m_repositories = nullptr;
    QLineEdit *m_tags = nullptr;
    QLineEdit *m_mediaTypes = nullptr;
    QTableWidget *m_headers = nullptr;
    QLineEdit *m_secret = nullptr;
    QPushButton *m_rotate = nullptr;
    QLabel *m_rotation = nullptr;
    QComboBox *m_format = nullptr;
    QLineEdit *m_retrySchedule = nullptr;
    QSpinBox *m_maxAttempts = nullptr;
    QSpinBox *m_timeout = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QCheckBox *m_tlsSkipVerify = nullptr;
    QCheckBox *m_enabled = nullptr;
    QLabel *m_previewSummary = nullptr;
    QListWidget *m_preview = nullptr;
    QLabel *m_message = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
