#include "WebhookEditorDialog.h"

#include "RotateSecretDialog.h"
#include "SigningKeys.h"

#include "Dispatcher.h"
#include "Engine.h"
#include "RetryPolicy.h"
#include "WebhookFilter.h"
#include "WebhookSignature.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace {

QString joinList(const QStringList &items)
{
    return items.join(QStringLiteral(", "));
}

} // namespace

WebhookEditorDialog::WebhookEditorDialog(Engine &engine, const WebhookConfig &webhook,
                                         const QList<WebhookConfig> &existing,
                                         const QList<RegistryEvent> &recentEvents, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_original(webhook)
    , m_existing(existing)
    , m_recentEvents(recentEvents)
{
    setWindowTitle(webhook.id == 0 ? tr("New webhook") : tr("Edit webhook %1").arg(webhook.name));
    auto *layout = new QHBoxLayout(this);
    auto *left = new QVBoxLayout;
    auto *form = new QFormLayout;
    layout->addLayout(left, 3);

    m_name = new QLineEdit(webhook.name, this);
    m_name->setObjectName(QStringLiteral("nameEdit"));
    form->addRow(tr("&Name:"), m_name);
    m_url = new QLineEdit(webhook.url, this);
    m_url->setObjectName(QStringLiteral("urlEdit"));
    m_url->setPlaceholderText(QStringLiteral("https://deploy.example/hooks/registry"));
    form->addRow(tr("&URL:"), m_url);

    auto *actions = new QHBoxLayout;
    for (const QString &action : {QStringLiteral("push"), QStringLiteral("pull"), QStringLiteral("mount"),
                                  QStringLiteral("delete")}) {
        auto *box = new QCheckBox(action, this);
        box->setObjectName(action + QStringLiteral("Action"));
        box->setChecked(webhook.actions.contains(action, Qt::CaseInsensitive) ||
                        webhook.actions.contains(QStringLiteral("*")));
        m_actions.append(box);
        actions->addWidget(box);
    }
    actions->addStretch();
    form->addRow(tr("Actions:"), actions);
    m_repositories = new QLineEdit(joinList(webhook.repositoryGlobs), this);
    m_repositories->setObjectName(QStringLiteral("repositoryGlobsEdit"));
    m_repositories->setPlaceholderText(tr("every repository; e.g. prod/*, team/app"));
    form->addRow(tr("&Repositories:"), m_repositories);
    m_tags = new QLineEdit(joinList(webhook.tagGlobs), this);
    m_tags->setObjectName(QStringLiteral("tagGlobsEdit"));
    m_tags->setPlaceholderText(tr("every tag; e.g. v*, latest"));
    form->addRow(tr("&Tags:"), m_tags);
    m_mediaTypes = new QLineEdit(joinList(webhook.mediaTypes), this);
    m_mediaTypes->setObjectName(QStringLiteral("mediaTypesEdit"));
    m_mediaTypes->setPlaceholderText(tr("image manifests and indexes; * for all"));
    form->addRow(tr("&Media types:"), m_mediaTypes);

    m_headers = new QTableWidget(0, 2, this);
    m_headers->setObjectName(QStringLiteral("headersTable"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setMaximumHeight(110);
    for (const auto &header : webhook.headers)
        addHeaderRow(header.first, header.second);
    auto *headerButtons = new QVBoxLayout;
    auto *addHeader = new QPushButton(tr("Add"), this);
    addHeader->setObjectName(QStringLiteral("addHeaderButton"));
    auto *removeHeader = new QPushButton(tr("Remove"), this);
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch();
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_headers, 1);
    headerRow->addLayout(headerButtons);
    auto *headersLabel = new QLabel(tr("&Headers:"), this);
    headersLabel->setBuddy(m_headers);
    form->addRow(headersLabel, headerRow);

    m_secret = new QLineEdit(webhook.secret, this);
    m_secret->setObjectName(QStringLiteral("secretEdit"));
    m_secret->setPlaceholderText(tr("none: requests are not signed"));
    m_secret->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    auto *generate = new QPushButton(tr("&Generate"), this);
    generate->setObjectName(QStringLiteral("generateSecretButton"));
    auto *copySecret = new QPushButton(tr("Cop&y"), this);
    copySecret->setObjectName(QStringLiteral("copySecretButton"));
    m_rotate = new QPushButton(tr("R&otate…"), this);
    m_rotate->setObjectName(QStringLiteral("rotateSecretButton"));
    m_rotate->setToolTip(tr("A new secret now, with the previous one still valid for a grace period"));
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(generate);
    secretRow->addWidget(m_rotate);
    secretRow->addWidget(copySecret);
    auto *secretLabel = new QLabel(tr("&Secret:"), this);
    secretLabel->setBuddy(m_secret);
    form->addRow(secretLabel, secretRow);
    m_rotation = new QLabel(this);
    m_rotation->setObjectName(QStringLiteral("rotationStatus"));
    m_rotation->setWordWrap(true);
    form->addRow(QString(), m_rotation);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("formatCombo"));
    m_format->addItem(tr("Registry envelope"), int(WebhookConfig::PayloadFormat::Registry));
    m_format->addItem(tr("CloudEvents 1.0"), int(WebhookConfig::PayloadFormat::CloudEvents));
    m_format->setCurrentIndex(webhook.payloadFormat == WebhookConfig::PayloadFormat::CloudEvents ? 1 : 0);
    form->addRow(tr("Payload &format:"), m_format);

    QStringList schedule;
    for (int seconds : webhook.retryScheduleSeconds)
        schedule.append(QString::number(seconds));
    m_retrySchedule = new QLineEdit(schedule.join(QStringLiteral(", ")), this);
    m_retrySchedule->setObjectName(QStringLiteral("retryScheduleEdit"));
    QStringList defaults;
    for (int seconds : RetryPolicy::defaultScheduleSeconds())
        defaults.append(QString::number(seconds));
    m_retrySchedule->setPlaceholderText(tr("default: %1 (seconds)").arg(defaults.join(QStringLiteral(", "))));
    form->addRow(tr("Retry &schedule:"), m_retrySchedule);
    m_maxAttempts = new QSpinBox(this);
    m_maxAttempts->setObjectName(QStringLiteral("maxAttemptsSpin"));
    m_maxAttempts->setRange(0, 100);
    m_maxAttempts->setSpecialValueText(tr("as many as the schedule"));
    m_maxAttempts->setValue(webhook.maxAttempts);
    form->addRow(tr("Max &attempts:"), m_maxAttempts);
    m_timeout = new QSpinBox(this);
    m_timeout->setObjectName(QStringLiteral("timeoutSpin"));
    m_timeout->setRange(1, 300);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(std::max(1, webhook.timeoutMs / 1000));
    form->addRow(tr("T&imeout:"), m_timeout);
    m_concurrency = new QSpinBox(this);
    m_concurrency->setObjectName(QStringLiteral("concurrencySpin"));
    m_concurrency->setRange(1, 64);
    m_concurrency->setValue(webhook.concurrency);
    form->addRow(tr("&Concurrency:"), m_concurrency);
    m_tlsSkipVerify = new QCheckBox(tr("Accept any TLS certificate (test endpoints only)"), this);
    m_tlsSkipVerify->setChecked(webhook.tlsSkipVerify);
    form->addRow(QString(), m_tlsSkipVerify);
    m_enabled = new QCheckBox(tr("&Enabled"), this);
    m_enabled->setObjectName(QStringLiteral("enabledCheck"));
    m_enabled->setChecked(webhook.enabled);
    form->addRow(QString(), m_enabled);
    left->addLayout(form);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("validationMessage"));
    m_message->setWordWrap(true);
    left->addWidget(m_message);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Save"));
    left->addWidget(m_buttons);

    auto *previewBox = new QGroupBox(tr("Recent events these filters let through"), this);
    auto *previewLayout = new QVBoxLayout(previewBox);
    m_previewSummary = new QLabel(previewBox);
    m_previewSummary->setObjectName(QStringLiteral("previewSummary"));
    m_previewSummary->setWordWrap(true);
    m_preview = new QListWidget(previewBox);
    m_preview->setObjectName(QStringLiteral("previewList"));
    m_preview->setWordWrap(true);
    previewLayout->addWidget(m_previewSummary);
    previewLayout->addWidget(m_preview, 1);
    layout->addWidget(previewBox, 2);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &WebhookEditorDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &WebhookEditorDialog::reject);
    for (QLineEdit *edit : {m_name, m_url, m_repositories, m_tags, m_mediaTypes, m_secret, m_retrySchedule})
        connect(edit, &QLineEdit::textChanged, this, &WebhookEditorDialog::validate);
    for (QCheckBox *box : std::as_const(m_actions))
        connect(box, &QCheckBox::toggled, this, &WebhookEditorDialog::validate);
    connect(m_headers, &QTableWidget::cellChanged, this, &WebhookEditorDialog::validate);
    connect(addHeader, &QPushButton::clicked, this, [this] {
        addHeaderRow(QString(), QString());
        m_headers->setCurrentCell(m_headers->rowCount() - 1, 0);
        m_headers->editItem(m_headers->item(m_headers->rowCount() - 1, 0));
    });
    connect(removeHeader, &QPushButton::clicked, this, [this] {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
        validate();
    });
    connect(generate, &QPushButton::clicked, this,
            [this] { m_secret->setText(WebhookSignature::generateSecret()); });
    connect(m_rotate, &QPushButton::clicked, this, &WebhookEditorDialog::rotateSecret);
    connect(&engine, &Engine::secretRotated, this,
            [this](const WebhookConfig &webhook, const QString &error) {
                if (!m_rotating || webhook.id != m_original.id)
                    return;
                m_rotating = false;
                m_rotate->setEnabled(true);
                if (!error.isEmpty()) {
                    m_rotation->setText(tr("Not rotated: %1").arg(error));
                    return;
                }
                // Stored already: OK saves the other fields with the new secret, Cancel keeps the rotation.
                m_original.secret = webhook.secret;
                m_original.previousSecret = webhook.previousSecret;
                m_original.previousSecretExpiresAt = webhook.previousSecretExpiresAt;
                m_secret->setText(webhook.secret);
                showRotationState();
            });
    connect(copySecret, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_secret->text()); });
    connect(&engine, &Engine::webhookSaved, this, [this](const WebhookConfig &saved, const QString &error) {
        if (!m_saving || saved.name != m_name->text().trimmed())
            return;
        m_saving = false;
        m_buttons->setEnabled(true);
        if (!error.isEmpty()) {
            m_message->setText(tr("Not saved: %1").arg(error));
            return;
        }
        m_saved = saved;
        QDialog::accept();
    });
    showRotationState();
    validate();
}

void WebhookEditorDialog::rotateSecret()
{
    RotateSecretDialog ask(this);
    if (ask.exec() != QDialog::Accepted)
        return;
    m_rotating = true;
    m_rotate->setEnabled(false);
    m_rotation->setText(tr("Rotating…"));
    m_engine.rotateSecret(m_original.id, ask.graceSeconds());
}

void WebhookEditorDialog::showRotationState()
{
    // Rotation needs a stored webhook with a secret; a new one just gets Generate.
    m_rotate->setEnabled(m_original.id > 0 && !m_original.secret.isEmpty() && !m_rotating);
    if (SigningKeys::inGracePeriod(m_original, QDateTime::currentDateTimeUtc()))
        m_rotation->setText(tr("The previous secret stays valid until %1: deliveries carry both signatures.")
                                .arg(QLocale().toString(m_original.previousSecretExpiresAt.toLocalTime(),
                                                        QLocale::ShortFormat)));
    else if (m_original.id > 0 && !m_original.secret.isEmpty())
        m_rotation->setText(tr("Only the current secret signs deliveries."));
    else
        m_rotation->clear();
}

void WebhookEditorDialog::addHeaderRow(const QString &name, const QString &value)
{
    const QSignalBlocker blocker(m_headers);
    const int row = m_headers->rowCount();
    m_headers->insertRow(row);
    m_headers->setItem(row, 0, new QTableWidgetItem(name));
    m_headers->setItem(row, 1, new QTableWidgetItem(value));
}

QStringList WebhookEditorDialog::splitList(const QString &text)
{
    QStringList items;
    for (const QString &item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!item.trimmed().isEmpty())
            items.append(item.trimmed());
    }
    return items;
}

WebhookConfig WebhookEditorDialog::config() const
{
    WebhookConfig w = m_original;
    w.name = m_name->text().trimmed();
    w.url = m_url->text().trimmed();
    w.actions.clear();
    for (QCheckBox *box : m_actions) {
        if (box->isChecked())
            w.actions.append(box->text());
    }
    w.repositoryGlobs = splitList(m_repositories->text());
    w.tagGlobs = splitList(m_tags->text());
    w.mediaTypes = splitList(m_mediaTypes->text());
    w.headers.clear();
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QString name = m_headers->item(row, 0) ? m_headers->item(row, 0)->text().trimmed() : QString();
        const QString value = m_headers->item(row, 1) ? m_headers->item(row, 1)->text().trimmed() : QString();
        if (!name.isEmpty() || !value.isEmpty())
            w.headers.append({name, value});
    }
    w.secret = m_secret->text().trimmed();
    w.payloadFormat = WebhookConfig::PayloadFormat(m_format->currentData().toInt());
    w.retryScheduleSeconds.clear();
    for (const QString &item : splitList(m_retrySchedule->text()))
        w.retryScheduleSeconds.append(item.toInt());
    w.maxAttempts = m_maxAttempts->value();
    w.timeoutMs = m_timeout->value() * 1000;
    w.concurrency = m_concurrency->value();
    w.tlsSkipVerify = m_tlsSkipVerify->isChecked();
    if (m_enabled->isChecked() != m_original.enabled || !m_enabled->isChecked()) {
        w.enabled = m_enabled->isChecked();
        w.disabledReason = w.enabled            ? QString()
                           : m_original.enabled ? tr("disabled in the console")
                                                : m_original.disabledReason;
    }
    return w;
}

void WebhookEditorDialog::validate()
{
    const WebhookConfig w = config();
    QString error;
    QWidget *culprit = nullptr;
    static const QRegularExpression digitsOnly(QStringLiteral("^[0-9]+$"));
    static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
    const QUrl url(w.url, QUrl::StrictMode);
    QString detail;
    bool nameTaken = false;
    for (const WebhookConfig &other : std::as_const(m_existing))
        nameTaken = nameTaken || (other.name == w.name && other.id != w.id);
    if (w.name.isEmpty()) {
        error = tr("Give the webhook a name.");
        culprit = m_name;
    } else if (digitsOnly.match(w.name).hasMatch()) {
        error = tr("A name cannot be only digits (those are ids).");
        culprit = m_name;
    } else if (nameTaken) {
        error = tr("A webhook named \"%1\" exists already.").arg(w.name);
        culprit = m_name;
    } else if (w.url.isEmpty()) {
        error = tr("Enter the URL to deliver to.");
        culprit = m_url;
    } else if (!url.isValid() ||
               (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
               url.host().isEmpty()) {
        error = tr("\"%1\" is not an http:// or https:// URL with a host.").arg(w.url);
        culprit = m_url;
    } else if (w.actions.isEmpty()) {
        error = tr("Choose at least one action.");
        culprit = m_actions.constFirst();
    } else if (const QString filterError = WebhookFilter::validate(w); !filterError.isEmpty()) {
        error = tr("Filter: %1").arg(filterError);
        culprit = filterError.contains(QStringLiteral("tag"))          ? m_tags
                  : filterError.contains(QStringLiteral("media type")) ? m_mediaTypes
                                                                       : m_repositories;
    } else if (!w.secret.isEmpty() && !WebhookSignature::isValidSecret(w.secret, &detail)) {
        error = tr("The secret is not usable: %1. Generate a new one.").arg(detail);
        culprit = m_secret;
    } else {
        for (const auto &header : w.headers) {
            if (!token.match(header.first).hasMatch()) {
                error = tr("Header name \"%1\" is not a valid HTTP header name.").arg(header.first);
            } else if (Dispatcher::isReservedHeader(header.first.toLower().toLatin1())) {
                error = tr("Header \"%1\" is set by Tidings itself.").arg(header.first);
            }
            if (!error.isEmpty()) {
                culprit = m_headers;
                break;
            }
        }
    }
    if (error.isEmpty()) {
        for (const QString &item : splitList(m_retrySchedule->text())) {
            bool ok = false;
            item.toInt(&ok);
            if (!ok) {
                error = tr("Retry schedule: \"%1\" is not a number of seconds.").arg(item);
                break;
            }
        }
        if (error.isEmpty()) {
            const QString scheduleError = RetryPolicy::validateSchedule(w.retryScheduleSeconds);
            if (!scheduleError.isEmpty())
                error = tr("Retry schedule: %1").arg(scheduleError);
        }
        if (!error.isEmpty())
            culprit = m_retrySchedule;
    }

    m_error = error;
    for (QWidget *field : {static_cast<QWidget *>(m_name), static_cast<QWidget *>(m_url),
                           static_cast<QWidget *>(m_repositories), static_cast<QWidget *>(m_tags),
                           static_cast<QWidget *>(m_mediaTypes), static_cast<QWidget *>(m_secret),
                           static_cast<QWidget *>(m_retrySchedule), static_cast<QWidget *>(m_headers)})
        field->setStyleSheet(field == culprit ? QStringLiteral("border: 1px solid #d03030") : QString());
    m_message->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #d03030"));
    m_message->setText(error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty() && !m_saving);
    updatePreview(w);
}

void WebhookEditorDialog::updatePreview(const WebhookConfig &webhook)
{
    m_preview->clear();
    const WebhookFilter filter(webhook);
    int matched = 0;
    for (const RegistryEvent &event : std::as_const(m_recentEvents)) {
        const FilterVerdict verdict = filter.evaluate(event);
        const QString name = event.tag.isEmpty()
                                 ? tr("%1 %2").arg(event.action, event.repository)
                                 : tr("%1 %2:%3").arg(event.action, event.repository, event.tag);
        auto *item = new QListWidgetItem(
            verdict.matched ? tr("✓ %1").arg(name) : tr("✗ %1: %2").arg(name, verdict.reason), m_preview);
        if (verdict.matched)
            ++matched;
        else
            item->setForeground(m_preview->palette().color(QPalette::Disabled, QPalette::Text));
    }
    m_previewSummary->setText(m_recentEvents.isEmpty() ? tr("No events received yet.")
                                                       : tr("%1 of the last %n event(s) would be delivered.",
                                                            nullptr, int(m_recentEvents.size()))
                                                             .arg(matched));
}

void WebhookEditorDialog::accept()
{
    validate();
    if (!m_error.isEmpty() || m_saving)
        return;
    m_saving = true;
    m_buttons->setEnabled(false);
    m_message->setStyleSheet(QString());
    m_message->setText(tr("Saving…"));
    m_engine.saveWebhook(config());
}
