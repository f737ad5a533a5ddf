#pragma once

#include "WebhookConfig.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

class Dispatcher;
class Store;

// Decides when to claim due deliveries and hands them to the dispatcher. Four things wake it: the poll timer
// (the fallback, default 10 s), a commit at the intake (at once, coalesced into one round per event-loop
// pass), finished attempts (gathered, see gatherFinished(); the round that writes them refills their slots),
// and a timer armed for the earliest retry that is due.
class DeliveryPoller : public QObject
{
    Q_OBJECT
public:
    static constexpr int defaultLeaseMarginMs = 30 * 1000;
    static constexpr int minimumLeaseMarginMs = 1000;
    // The longest a finished attempt waits for others to share its round (see gatherFinished()).
    static constexpr int gatherMs = 2;

    // A claim holds a delivery for the webhook's timeout plus leaseMarginMs (at least minimumLeaseMarginMs).
    DeliveryPoller(Store &store, Dispatcher &dispatcher, QString owner, int pollIntervalMs,
                   int leaseMarginMs = defaultLeaseMarginMs, QObject *parent = nullptr);

    void setWebhooks(const QList<WebhookConfig> &webhooks);
    void start();
    void stop();
    // New work for these webhooks (or, empty, for any): claim in the next event-loop pass.
    void wake(const QList<qint64> &webhookIds = {});

signals:
    void roundFinished(int claimed);

private:
    void scheduleRound();
    void runRound();
    void armDueTimer();
    void gatherFinished();
    void backOff();
    qint64 leaseMsFor(const WebhookConfig &webhook) const;

    Store &m_store;
    Dispatcher &m_dispatcher;
    QString m_owner;
    qint64 m_leaseMarginMs;
    QHash<qint64, WebhookConfig> m_webhooks;
    QTimer m_pollTimer;
    QTimer m_dueTimer;
    QTimer m_gatherTimer;
    QSet<qint64> m_dirty;
    bool m_allDirty = true;
    bool m_roundScheduled = false;
    bool m_running = false;
    int m_backoffMs = 0; // after a failed claim; doubles up to the poll interval
};
