#include "OperationsNotifier.h"

#include "Dispatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUuid>

Q_LOGGING_CATEGORY(lcOps, "tidings.ops")

namespace {
constexpr int retryDelaysMs[] = {2000, 10000};
constexpr int tryTimeoutMs = 10000;
} // namespace

OperationsNotifier::OperationsNotifier(QUrl opsWebhook, QString instanceId, QObject *parent)
    : QObject(parent)
    , m_url(std::move(opsWebhook))
    , m_instanceId(std::move(instanceId))
{
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

QString OperationsNotifier::shownUrl(const WebhookConfig &webhook)
{
    // A password in the URL is the webhook's Basic authentication: the log and the operations webhook (often
    // a chat room) must not carry it. The same form the attempt history records.
    return Dispatcher::loggedUrl(QUrl(webhook.url), webhook.url);
}

QByteArray OperationsNotifier::webhookDisabledEvent(const WebhookConfig &webhook, const QString &cause,
                                                    const QString &reason) const
{
    const QJsonObject data{
        {QStringLiteral("webhook"), QJsonObject{{QStringLiteral("id"), webhook.id},
                                                {QStringLiteral("name"), webhook.name},
                                                {QStringLiteral("url"), shownUrl(webhook)}}},
        {QStringLiteral("cause"), cause},
        {QStringLiteral("reason"), reason},
    };
    const QJsonObject event{
        {QStringLiteral("specversion"), QStringLiteral("1.0")},
        {QStringLiteral("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {QStringLiteral("source"), QString(QStringLiteral("/tidings/") + m_instanceId)},
        {QStringLiteral("type"), QStringLiteral("dev.tidings.ops.webhook.disabled")},
        {QStringLiteral("subject"), webhook.name},
        {QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {QStringLiteral("datacontenttype"), QStringLiteral("application/json")},
        {QStringLiteral("data"), data},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

void OperationsNotifier::webhookDisabled(const WebhookConfig &webhook, const QString &cause,
                                         const QString &reason)
{
    qCWarning(lcOps).noquote() << QStringLiteral("webhook \"%1\" (id %2, %3) disabled (%4): %5")
                                      .arg(webhook.name)
                                      .arg(webhook.id)
                                      .arg(shownUrl(webhook), cause, reason);
    if (m_url.isValid() && !m_url.isEmpty())
        post(webhookDisabledEvent(webhook, cause, reason), 1);
}

void OperationsNotifier::post(const QByteArray &body, int tryNumber)
{
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/cloudevents+json"));
    request.setRawHeader("User-Agent", "Tidings/0.1 (+registry webhook relay)");
    request.setTransferTimeout(tryTimeoutMs);
    QNetworkReply *reply = m_network.post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, body, tryNumber] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status >= 200 && status < 300)
            return;
        const QString outcome = status > 0 ? QStringLiteral("HTTP %1").arg(status) : reply->errorString();
        if (tryNumber >= maxTries) {
            const QString reason =
                QStringLiteral("the operations webhook %1 did not take the event after %2 tries: %3")
                    .arg(m_url.toDisplayString(), QString::number(maxTries), outcome);
            qCWarning(lcOps).noquote() << reason;
            emit postFailed(reason);
            return;
        }
        qCInfo(lcOps).noquote() << "operations webhook try" << tryNumber << "failed:" << outcome;
        QTimer::singleShot(retryDelaysMs[tryNumber - 1], this,
                           [this, body, tryNumber] { post(body, tryNumber + 1); });
    });
}
