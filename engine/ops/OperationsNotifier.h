#pragma once

#include "WebhookConfig.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

// Says that something needs an operator: today, that a webhook was disabled. Every event is logged
// (category tidings.ops, warning level); with an operations webhook configured (serve --ops-webhook) it is
// also POSTed there as a CloudEvent:
//
//   {"specversion":"1.0","id":"<uuid>","source":"/tidings/<instance id>",
//    "type":"dev.tidings.ops.webhook.disabled","subject":"<webhook name>","time":"...",
//    "datacontenttype":"application/json",
//    "data":{"webhook":{"id":3,"name":"deploy-bot","url":"https://..."},"cause":"gone"|"failing",
//            "reason":"..."}}
//
// The POST is best effort: three tries (at once, after 2 s, after 10 s), 10 s each, then a logged warning.
// It is not stored: the log line and the webhook's disabled_reason are the durable record.
class OperationsNotifier : public QObject
{
    Q_OBJECT
public:
    static constexpr int maxTries = 3;

    OperationsNotifier(QUrl opsWebhook, QString instanceId, QObject *parent = nullptr);

    // cause: "gone" (the endpoint answered 410) or "failing" (failing for longer than --disable-after).
    void webhookDisabled(const WebhookConfig &webhook, const QString &cause, const QString &reason);

    QByteArray webhookDisabledEvent(const WebhookConfig &webhook, const QString &cause,
                                    const QString &reason) const;

signals:
    // After the last try failed; the engine passes it on as a problem.
    void postFailed(const QString &reason);

private:
    static QString shownUrl(const WebhookConfig &webhook);
    void post(const QByteArray &body, int tryNumber);

    QUrl m_url;
    QString m_instanceId;
    QNetworkAccessManager m_network;
};
