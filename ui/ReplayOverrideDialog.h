#pragma once

#include "AttemptRecord.h"

#include <QByteArray>
#include <QDialog>
#include <QString>

class Engine;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

// "Replay to another URL or with an edited payload…": the target URL (the webhook's to start with) and a
// JSON editor holding the delivery's payload, pretty-printed. Validates as you type (the parse error with
// line and column, OK disabled while the JSON or the URL is unusable). OK asks the engine for one attempt
// with the override and waits for it; the dialog closes when the attempt was made (whatever the receiver
// answered: the timeline shows it) and stays open with the reason when the engine refused it.
class ReplayOverrideDialog : public QDialog
{
    Q_OBJECT
public:
    ReplayOverrideDialog(Engine &engine, qint64 deliveryId, const QString &webhookUrl,
                         const QByteArray &payload, QWidget *parent = nullptr);

    // The first problem with the fields, empty when OK can be pressed.
    QString validationError() const { return m_error; }
    // What the engine would be asked: the URL when it differs from the webhook's (else empty) and the
    // edited payload when it differs from the original text (else null).
    QString overrideUrl() const;
    QByteArray overridePayload() const;
    // After accept(): the attempt as recorded.
    AttemptRecord attempt() const { return m_attempt; }

    void accept() override;

    // The payload as the editor shows it: indented when it is JSON, else as it is.
    static QString prettyPayload(const QByteArray &payload);

private:
    void validate();

    Engine &m_engine;
    qint64 m_deliveryId = 0;
    QString m_webhookUrl;
    QString m_originalText;
    QString m_error;
    bool m_sending = false;
    AttemptRecord m_attempt;
    QLineEdit *m_url = nullptr;
    QPlainTextEdit *m_payload = nullptr;
    QLabel *m_message = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
