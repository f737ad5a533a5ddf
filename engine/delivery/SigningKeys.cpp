#include "SigningKeys.h"

#include "WebhookSignature.h"

QList<QByteArray> SigningKeys::forWebhook(const WebhookConfig &webhook, const QDateTime &now, QString *error)
{
    QList<QByteArray> keys;
    if (webhook.secret.isEmpty())
        return keys;
    QByteArray key;
    if (!WebhookSignature::decodeSecret(webhook.secret, &key, error))
        return keys;
    keys.append(key);
    // A previous secret that no longer decodes is skipped: the request is still signed with the new one.
    QByteArray previous;
    if (inGracePeriod(webhook, now) && WebhookSignature::decodeSecret(webhook.previousSecret, &previous) &&
        previous != key)
        keys.append(previous);
    return keys;
}

bool SigningKeys::inGracePeriod(const WebhookConfig &webhook, const QDateTime &now)
{
    return !webhook.previousSecret.isEmpty() && webhook.previousSecretExpiresAt.isValid() &&
           now < webhook.previousSecretExpiresAt;
}
