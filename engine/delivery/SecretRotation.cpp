#include "SecretRotation.h"

#include "Store.h"
#include "WebhookSignature.h"

#include <QRegularExpression>

std::optional<WebhookConfig> SecretRotation::rotate(Store &store, qint64 webhookId, qint64 graceSeconds,
                                                    QString *error)
{
    const QString graceError = checkGrace(graceSeconds);
    if (!graceError.isEmpty()) {
        *error = graceError;
        return std::nullopt;
    }
    const std::optional<WebhookConfig> webhook = store.webhook(webhookId);
    if (!webhook) {
        *error =
            store.lastError().isEmpty() ? QStringLiteral("no webhook %1").arg(webhookId) : store.lastError();
        return std::nullopt;
    }
    const QString secret = WebhookSignature::generateSecret();
    // A webhook without a secret has nothing to keep valid: its receiver does not check signatures yet.
    QString previous;
    QDateTime expiresAt;
    if (graceSeconds > 0 && !webhook->secret.isEmpty()) {
        previous = webhook->secret;
        expiresAt = QDateTime::currentDateTimeUtc().addSecs(graceSeconds);
    }
    if (!store.rotateSecret(webhookId, secret, previous, expiresAt)) {
        *error = store.lastError();
        return std::nullopt;
    }
    const std::optional<WebhookConfig> stored = store.webhook(webhookId);
    if (!stored)
        *error = store.lastError();
    return stored;
}

qint64 SecretRotation::parseDuration(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})([smhd]?)$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return -1;
    const qint64 amount = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    if (unit == QLatin1String("m"))
        return amount * 60;
    if (unit == QLatin1String("h"))
        return amount * 3600;
    if (unit == QLatin1String("d"))
        return amount * 86400;
    return amount;
}

QString SecretRotation::checkGrace(qint64 graceSeconds)
{
    if (graceSeconds < 0 || graceSeconds > maxGraceSeconds)
        return QStringLiteral("the grace period must be from 0 (the old secret stops at once) to %1 seconds "
                              "(30 days); got %2")
            .arg(maxGraceSeconds)
            .arg(graceSeconds);
    return {};
}
