#include "WebhookHealthMonitor.h"

#include "Store.h"

WebhookHealthMonitor::WebhookHealthMonitor(Store &store, qint64 disableAfterMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_disableAfterMs(disableAfterMs)
{}

QString WebhookHealthMonitor::describeWindow(qint64 ms)
{
    const qint64 seconds = ms / 1000;
    if (seconds > 0 && seconds % 86400 == 0)
        return QStringLiteral("%1d").arg(seconds / 86400);
    if (seconds > 0 && seconds % 3600 == 0)
        return QStringLiteral("%1h").arg(seconds / 3600);
    if (seconds > 0 && seconds % 60 == 0)
        return QStringLiteral("%1m").arg(seconds / 60);
    if (ms % 1000 == 0)
        return QStringLiteral("%1s").arg(seconds);
    return QStringLiteral("%1 ms").arg(ms);
}

void WebhookHealthMonitor::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    if (!isEnabled())
        return;
    m_enabled.clear();
    for (const WebhookConfig &webhook : webhooks) {
        if (webhook.enabled)
            m_enabled.insert(webhook.id);
    }
    // The store's view wins: enabling a webhook (CLI, console) clears its failing_since there.
    m_failingSinceMs = m_store.webhookFailingSince();
}

void WebhookHealthMonitor::attemptRecorded(qint64 webhookId, const AttemptRecord &attempt)
{
    if (!isEnabled())
        return;
    const bool succeeded = attempt.responseStatus >= 200 && attempt.responseStatus < 300;
    const auto failing = m_failingSinceMs.constFind(webhookId);
    if (succeeded) {
        if (failing != m_failingSinceMs.constEnd()) {
            m_failingSinceMs.remove(webhookId);
            if (!m_store.setWebhookFailingSince(webhookId, 0))
                emit storeFailed(QStringLiteral("cannot record that webhook %1 recovered: %2")
                                     .arg(webhookId)
                                     .arg(m_store.lastError()));
        }
        return;
    }
    const qint64 attemptMs = attempt.startedAt.isValid() ? attempt.startedAt.toMSecsSinceEpoch()
                                                         : QDateTime::currentMSecsSinceEpoch();
    if (failing == m_failingSinceMs.constEnd()) {
        m_failingSinceMs.insert(webhookId, attemptMs);
        if (!m_store.setWebhookFailingSince(webhookId, attemptMs))
            emit storeFailed(QStringLiteral("cannot record that webhook %1 is failing: %2")
                                 .arg(webhookId)
                                 .arg(m_store.lastError()));
        return;
    }
    const qint64 sinceMs = failing.value();
    if (attemptMs - sinceMs < m_disableAfterMs || !m_enabled.contains(webhookId))
        return;
    const QString reason =
        QStringLiteral(
            "every attempt failed since %1, longer than the %2 allowed (--disable-after); last: %3")
            .arg(QDateTime::fromMSecsSinceEpoch(sinceMs, Qt::UTC).toString(Qt::ISODate),
                 describeWindow(m_disableAfterMs),
                 attempt.errorMessage.isEmpty() ? QStringLiteral("HTTP %1").arg(attempt.responseStatus)
                                                : attempt.errorMessage);
    if (!m_store.setWebhookEnabled(webhookId, false, reason)) {
        emit storeFailed(
            QStringLiteral("cannot disable failing webhook %1: %2").arg(webhookId).arg(m_store.lastError()));
        return;
    }
    m_enabled.remove(webhookId);
    emit webhookDisabled(webhookId, reason);
}
