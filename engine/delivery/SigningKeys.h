#pragma once

#include "WebhookConfig.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>

// The HMAC keys one request to a webhook is signed with: its secret, and while a rotation's grace period
// runs the previous secret too, so `webhook-signature` carries "v1,<new> v1,<old>" (Standard Webhooks) and
// receivers still on the old secret keep verifying. Decided per request, so a grace period ends on time
// without anything having to run when it does.
class SigningKeys
{
public:
    // New secret first. Empty when the webhook has no usable secret (then `error` says why, if it has one).
    static QList<QByteArray> forWebhook(const WebhookConfig &webhook, const QDateTime &now,
                                        QString *error = nullptr);
    // The previous secret still signs at `now`.
    static bool inGracePeriod(const WebhookConfig &webhook, const QDateTime &now);
};
