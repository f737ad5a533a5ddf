#include "ReplayOverrideDialog.h"

#include "Engine.h"
#include "OverrideReplay.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

ReplayOverrideDialog::ReplayOverrideDialog(Engine &engine, qint64 deliveryId, const QString &webhookUrl,
                                           const QByteArray &payload, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_deliveryId(deliveryId)
    , m_webhookUrl(webhookUrl)
    , m_originalText(prettyPayload(payload))
{
    setObjectName(QStringLiteral("replayOverrideDialog"));
    setWindowTitle(tr("Replay delivery %1 to another URL or with an edited payload").arg(deliveryId));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("Sends one attempt now, signed with the webhook's secret over the body below, and records what "
           "was changed in the attempt timeline. It is not retried. It completes the delivery only when it "
           "reaches the webhook's own URL with a 2xx."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_url = new QLineEdit(webhookUrl, this);
    m_url->setObjectName(QStringLiteral("replayUrlEdit"));
    m_url->setAccessibleName(tr("Target URL"));
    auto *urlLabel = new QLabel(tr("Target &URL:"), this);
    urlLabel->setBuddy(m_url);
    form->addRow(urlLabel, m_url);
    layout->addLayout(form);

    auto *payloadLabel = new QLabel(tr("&Payload (JSON):"), this);
    layout->addWidget(payloadLabel);
    m_payload = new QPlainTextEdit(this);
    m_payload->setObjectName(QStringLiteral("replayPayloadEdit"));
    m_payload->setAccessibleName(tr("Payload"));
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_payload->setTabChangesFocus(true); // keyboard users can leave the editor
    m_payload->setPlainText(m_originalText);
    payloadLabel->setBuddy(m_payload);
    layout->addWidget(m_payload, 1);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("replayMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Send"));
    layout->addWidget(m_buttons);
    resize(720, 560);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &ReplayOverrideDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ReplayOverrideDialog::reject);
    connect(m_url, &QLineEdit::textChanged, this, &ReplayOverrideDialog::validate);
    connect(m_payload, &QPlainTextEdit::textChanged, this, &ReplayOverrideDialog::validate);
    connect(&engine, &Engine::overrideReplayFinished, this,
            [this](qint64 deliveryId, const AttemptRecord &attempt, const QString &error) {
                if (!m_sending || deliveryId != m_deliveryId)
                    return;
                m_sending = false;
                m_buttons->setEnabled(true);
                if (!error.isEmpty()) {
                    m_message->setText(tr("Not sent: %1").arg(error));
                    validate();
                    return;
                }
                m_attempt = attempt;
                QDialog::accept();
            });
    validate();
}

QString ReplayOverrideDialog::prettyPayload(const QByteArray &payload)
{
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(payload, &error);
    if (error.error == QJsonParseError::NoError && !json.isNull())
        return QString::fromUtf8(json.toJson(QJsonDocument::Indented));
    return QString::fromUtf8(payload);
}

QString ReplayOverrideDialog::overrideUrl() const
{
    const QString url = m_url->text().trimmed();
    return url == m_webhookUrl ? QString() : url;
}

QByteArray ReplayOverrideDialog::overridePayload() const
{
    // Untouched text means the delivery's own bytes, not their re-indented form.
    const QString text = m_payload->toPlainText();
    return text == m_originalText ? QByteArray() : text.toUtf8();
}

void ReplayOverrideDialog::validate()
{
    // The engine's own checks decide; the words are the console's, translated.
    QString error;
    if (!OverrideReplay::checkUrl(m_url->text()).isEmpty()) {
        error = tr("The target URL must be an http:// or https:// URL with a host.");
    } else if (const QByteArray payload = overridePayload(); !payload.isNull()) {
        QJsonParseError parse;
        QJsonDocument::fromJson(payload, &parse);
        if (parse.error != QJsonParseError::NoError) {
            const QByteArray before = payload.left(parse.offset);
            const int line = int(before.count('\n')) + 1;
            const int column = int(before.size() - (before.lastIndexOf('\n') + 1)) + 1;
            error = tr("The payload is not valid JSON: %1 at line %2, column %3.")
                        .arg(parse.errorString())
                        .arg(line)
                        .arg(column);
        }
    }
    m_error = error;
    if (!m_sending)
        m_message->setText(error.isEmpty() ? QString() : error);
    QStringList changes;
    if (!overrideUrl().isEmpty())
        changes.append(tr("replayed to %1").arg(overrideUrl()));
    if (!overridePayload().isNull())
        changes.append(tr("payload edited"));
    if (error.isEmpty() && !m_sending)
        m_message->setText(changes.isEmpty() ? tr("Nothing changed: this sends the delivery as configured.")
                                             : tr("The attempt will record: %1").arg(changes.join(tr(", "))));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty() && !m_sending);
}

void ReplayOverrideDialog::accept()
{
    validate();
    if (!m_error.isEmpty() || m_sending)
        return;
    m_sending = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_message->setText(tr("Sending…"));
    m_engine.replayWithOverride(m_deliveryId, overrideUrl(), overridePayload());
}
