#pragma once

#include "AttemptRecord.h"
#include "WebhookConfig.h"

#include <QHash>
#include <QObject>
#include <QSet>

class Store;

// Disables a webhook that has been failing for longer than a window (serve --disable-after), so a dead
// endpoint stops collecting retries and someone is told (EngineWorker logs it, posts the operational event
// and the console shows a notification).
//
// "Failing" starts at the first failed attempt (anything but a 2xx) after a success, or after the webhook was
// (re-)enabled, and ends at the next 2xx. The start is kept on the webhook record (webhooks.failing_since),
// so a restart does not reset the window; it is written only when it changes, not on every attempt. The
// window is checked on each failed attempt: a webhook is disabled at its first failure once the window has
// passed. With a window of 0 the monitor does nothing at all.
class WebhookHealthMonitor : public QObject
{
    Q_OBJECT
public:
    WebhookHealthMonitor(Store &store, qint64 disableAfterMs, QObject *parent = nullptr);

    bool isEnabled() const { return m_disableAfterMs > 0; }
    // The current webhooks (after every reload): which are enabled, and since when each is failing.
    void setWebhooks(const QList<WebhookConfig> &webhooks);
    // Every recorded attempt.
    void attemptRecorded(qint64 webhookId, const AttemptRecord &attempt);

    static QString describeWindow(qint64 ms);

signals:
    void webhookDisabled(qint64 webhookId, const QString &reason);
    void storeFailed(const QString &reason);

private:
    Store &m_store;
    qint64 m_disableAfterMs;
    QSet<qint64> m_enabled;
    QHash<qint64, qint64> m_failingSinceMs;
};
