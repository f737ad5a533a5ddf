#include "ReceiverView.h"

#include "Engine.h"
#include "ReceiverService.h"
#include "StatusColours.h"
#include "WebhookSignature.h"

#include <QCheckBox>
#include <QClipboard>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

namespace {
constexpr int maxShownRequests = 1000;
}

ReceiverView::ReceiverView(Engine &engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_service(new ReceiverService(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_start = new QPushButton(tr("Start &receiver"), this);
    m_start->setObjectName(QStringLiteral("startReceiverButton"));
    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("receiverUrl"));
    m_url->setReadOnly(true);
    m_url->setPlaceholderText(tr("not running"));
    auto *copy = new QPushButton(tr("Copy URL"), this);
    m_point = new QPushButton(tr("&Point a new webhook at it"), this);
    m_point->setObjectName(QStringLiteral("pointWebhookButton"));
    m_point->setEnabled(false);
    top->addWidget(m_start);
    top->addWidget(m_url, 1);
    top->addWidget(copy);
    top->addWidget(m_point);
    layout->addLayout(top);
    m_pointResult = new QLabel(this);
    m_pointResult->setObjectName(QStringLiteral("pointResult"));
    layout->addWidget(m_pointResult);

    auto *behaviour = new QGroupBox(tr("Answers and signature check"), this);
    auto *form = new QFormLayout(behaviour);
    m_secret = new QLineEdit(behaviour);
    m_secret->setObjectName(QStringLiteral("receiverSecret"));
    m_secret->setPlaceholderText(tr("the webhook's whsec_ secret; empty: signatures are not checked"));
    auto *generate = new QPushButton(tr("Generate"), behaviour);
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(generate);
    form->addRow(tr("Secret:"), secretRow);
    m_status = new QSpinBox(behaviour);
    m_status->setObjectName(QStringLiteral("receiverStatus"));
    m_status->setRange(100, 599);
    m_status->setValue(200);
    m_failFirst = new QSpinBox(behaviour);
    m_failFirst->setObjectName(QStringLiteral("receiverFailFirst"));
    m_failFirst->setRange(0, 1000);
    m_failStatus = new QSpinBox(behaviour);
    m_failStatus->setObjectName(QStringLiteral("receiverFailStatus"));
    m_failStatus->setRange(100, 599);
    m_failStatus->setValue(503);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status);
    statusRow->addWidget(new QLabel(tr("after failing the first"), behaviour));
    statusRow->addWidget(m_failFirst);
    statusRow->addWidget(new QLabel(tr("requests with"), behaviour));
    statusRow->addWidget(m_failStatus);
    statusRow->addStretch();
    form->addRow(tr("Answer with status:"), statusRow);
    m_delay = new QSpinBox(behaviour);
    m_delay->setObjectName(QStringLiteral("receiverDelay"));
    m_delay->setRange(0, 600000);
    m_delay->setSingleStep(100);
    m_delay->setSuffix(tr(" ms"));
    form->addRow(tr("Delay:"), m_delay);
    m_retryAfter = new QLineEdit(behaviour);
    m_retryAfter->setObjectName(QStringLiteral("receiverRetryAfter"));
    m_retryAfter->setPlaceholderText(tr("seconds or an HTTP date, sent with failures"));
    form->addRow(tr("Retry-After:"), m_retryAfter);
    m_neverAnswer = new QCheckBox(tr("Never answer (the sender times out)"), behaviour);
    m_neverAnswer->setObjectName(QStringLiteral("receiverNeverAnswer"));
    form->addRow(QString(), m_neverAnswer);
    layout->addWidget(behaviour);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_list = new QListWidget(splitter);
    m_list->setObjectName(QStringLiteral("receivedList"));
    m_detail = new QPlainTextEdit(splitter);
    m_detail->setObjectName(QStringLiteral("receivedDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    splitter->addWidget(m_list);
    splitter->addWidget(m_detail);
    splitter->setSizes({420, 840});
    layout->addWidget(splitter, 1);

    connect(m_start, &QPushButton::clicked, this, &ReceiverView::startReceiver);
    connect(copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_url->text()); });
    connect(m_point, &QPushButton::clicked, this, &ReceiverView::pointWebhookAtReceiver);
    connect(generate, &QPushButton::clicked, this,
            [this] { m_secret->setText(WebhookSignature::generateSecret()); });
    for (QSpinBox *spin : {m_status, m_failFirst, m_failStatus, m_delay})
        connect(spin, &QSpinBox::valueChanged, this, &ReceiverView::applyBehaviour);
    connect(m_secret, &QLineEdit::textChanged, this, &ReceiverView::applyBehaviour);
    connect(m_retryAfter, &QLineEdit::textChanged, this, &ReceiverView::applyBehaviour);
    connect(m_neverAnswer, &QCheckBox::toggled, this, &ReceiverView::applyBehaviour);
    connect(m_service, &ReceiverService::captured, this, &ReceiverView::addCaptured);
    connect(m_list, &QListWidget::currentRowChanged, this, &ReceiverView::showRequest);
    connect(&engine, &Engine::webhookSaved, this, [this](const WebhookConfig &webhook, const QString &error) {
        if (webhook.url != m_service->url().toString())
            return;
        m_pointResult->setText(error.isEmpty() ? tr("Webhook \"%1\" now delivers here.").arg(webhook.name)
                                               : tr("Could not create the webhook: %1").arg(error));
    });
}

void ReceiverView::startReceiver()
{
    if (m_service->isRunning())
        return;
    if (!m_service->start()) {
        m_pointResult->setText(tr("The receiver could not listen on 127.0.0.1."));
        return;
    }
    m_url->setText(m_service->url().toString());
    m_start->setEnabled(false);
    m_point->setEnabled(true);
    applyBehaviour();
}

void ReceiverView::pointWebhookAtReceiver()
{
    if (!m_service->isRunning())
        return;
    // The receiver checks signatures with the same secret the new webhook signs with.
    if (m_secret->text().trimmed().isEmpty())
        m_secret->setText(WebhookSignature::generateSecret());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("receiver-%1").arg(m_service->url().port());
    webhook.url = m_service->url().toString();
    webhook.secret = m_secret->text().trimmed();
    webhook.actions = {QStringLiteral("*")};
    webhook.mediaTypes = {QStringLiteral("*")};
    m_engine.saveWebhook(webhook);
}

void ReceiverView::applyBehaviour()
{
    ReceiverBehaviour b;
    b.status = m_status->value();
    b.failFirst = m_failFirst->value();
    b.failStatus = m_failStatus->value();
    b.delayMs = m_delay->value();
    b.retryAfter = m_retryAfter->text().trimmed().toLatin1();
    b.neverAnswer = m_neverAnswer->isChecked();
    b.secret = m_secret->text().trimmed();
    m_service->setBehaviour(b);
}

void ReceiverView::addCaptured(const ReceivedRequest &request)
{
    m_requests.append(request);
    const QString answer =
        request.answeredStatus > 0 ? QString::number(request.answeredStatus) : tr("no answer");
    auto *item = new QListWidgetItem(
        tr("#%1  %2  %3 %4  → %5  signature %6")
            .arg(request.number)
            .arg(request.receivedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz")),
                 QString::fromLatin1(request.method), QString::fromLatin1(request.path), answer,
                 request.signatureValid      ? tr("valid")
                 : !request.signatureChecked ? tr("not checked")
                                             : tr("INVALID")),
        m_list);
    if (request.signatureChecked && !request.signatureValid)
        item->setForeground(StatusColours::failure(m_list->palette()));
    // A bounded view: the oldest requests go first.
    while (m_requests.size() > maxShownRequests) {
        m_requests.removeFirst();
        delete m_list->takeItem(0);
    }
    if (m_list->currentRow() < 0 || m_list->currentRow() == m_list->count() - 2)
        m_list->setCurrentRow(m_list->count() - 1);
}

void ReceiverView::showRequest(int row)
{
    if (row < 0 || row >= m_requests.size()) {
        m_detail->clear();
        return;
    }
    const ReceivedRequest &r = m_requests.at(row);
    QString text = tr("Signature: %1\n").arg(r.signatureVerdict);
    text += r.answeredStatus > 0 ? tr("Answered %1 after %2 ms\n\n").arg(r.answeredStatus).arg(r.delayMs)
                                 : tr("Not answered\n\n");
    text += QString::fromLatin1(r.method + ' ' + r.path) + QLatin1Char('\n');
    for (const auto &header : r.headers)
        text += QString::fromLatin1(header.first + ": " + header.second) + QLatin1Char('\n');
    const QJsonDocument json = QJsonDocument::fromJson(r.body);
    text += QLatin1Char('\n') + (json.isNull() ? QString::fromUtf8(r.body)
                                               : QString::fromUtf8(json.toJson(QJsonDocument::Indented)));
    m_detail->setPlainText(text);
}
