#include "DeliveryPoller.h"

#include "Dispatcher.h"
#include "Store.h"

#include <QDateTime>

DeliveryPoller::DeliveryPoller(Store &store, Dispatcher &dispatcher, QString owner, int pollIntervalMs,
                               int leaseMarginMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_dispatcher(dispatcher)
    , m_owner(std::move(owner))
    // A claim holds a delivery for the attempt's own deadline plus this margin; after it another claimer
    // (or this engine after a restart) may retry.
    , m_leaseMarginMs(qMax(minimumLeaseMarginMs, leaseMarginMs))
{
    m_pollTimer.setInterval(qMax(50, pollIntervalMs));
    connect(&m_pollTimer, &QTimer::timeout, this, [this] {
        m_allDirty = true;
        if (m_backoffMs > 0 && m_dueTimer.isActive())
            return; // backing off after a store failure: each failed round blocks the engine thread
        runRound();
    });
    m_dueTimer.setSingleShot(true);
    m_dueTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_dueTimer, &QTimer::timeout, this, [this] {
        m_allDirty = true;
        runRound();
    });
    // Finished attempts are written by the next round, in the transaction of its claims.
    m_gatherTimer.setSingleShot(true);
    m_gatherTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_gatherTimer, &QTimer::timeout, this, &DeliveryPoller::scheduleRound);
    connect(&m_dispatcher, &Dispatcher::attemptsWaiting, this, [this] {
        if (m_backoffMs > 0 && m_dueTimer.isActive())
            return; // backing off after a store failure: the timer runs the next round
        gatherFinished();
    });
}

void DeliveryPoller::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    QHash<qint64, WebhookConfig> previous;
    previous.swap(m_webhooks);
    for (const WebhookConfig &webhook : webhooks) {
        // Someone fixed the URL or re-enabled the webhook: its new endpoint gets a fresh start at once.
        const auto old = previous.constFind(webhook.id);
        if (old == previous.cend() || old->url != webhook.url || old->enabled != webhook.enabled)
            m_dispatcher.forgetFailures(webhook.id, webhook.name);
        m_webhooks.insert(webhook.id, webhook);
    }
    for (const WebhookConfig &removed : std::as_const(previous)) {
        if (!m_webhooks.contains(removed.id))
            m_dispatcher.forgetFailures(removed.id, removed.name);
    }
}

void DeliveryPoller::start()
{
    m_running = true;
    m_dispatcher.setRecordInRounds(true);
    m_pollTimer.start();
    wake();
}

void DeliveryPoller::stop()
{
    m_running = false;
    m_dispatcher.setRecordInRounds(false); // what finishes from now on is written by the dispatcher
    m_pollTimer.stop();
    m_dueTimer.stop();
    m_gatherTimer.stop();
}

void DeliveryPoller::wake(const QList<qint64> &webhookIds)
{
    if (webhookIds.isEmpty())
        m_allDirty = true;
    for (qint64 id : webhookIds)
        m_dirty.insert(id);
    if (m_backoffMs > 0 && m_dueTimer.isActive())
        return; // backing off after a store failure: the timer runs the next round
    scheduleRound();
}

void DeliveryPoller::gatherFinished()
{
    if (m_roundScheduled)
        return;
    // A round costs a commit and a statement per webhook however few attempts it writes, and under load
    // that, not the network, bounds the rate. So a round waits until half the requests in flight have
    // finished, or gatherMs after the first of them: a lone delivery is written at once, a busy dispatcher
    // writes its attempts in batches. Requests long overdue (an endpoint that answers after seconds) do not
    // count: a round does not wait for them. (inFlightExpectedSoon() is never above inFlight(), so the second
    // test alone would do; the first spares its walk over the requests whenever the cheap count decides.)
    const int waiting = m_dispatcher.finishedWaiting();
    if (waiting * 2 >= m_dispatcher.inFlight() || waiting * 2 >= m_dispatcher.inFlightExpectedSoon()) {
        scheduleRound();
        return;
    }
    if (!m_gatherTimer.isActive())
        m_gatherTimer.start(gatherMs);
}

void DeliveryPoller::scheduleRound()
{
    if (m_roundScheduled || !m_running)
        return;
    m_roundScheduled = true;
    // Queued, not direct: every commit and finished attempt of this event-loop pass shares one round.
    QMetaObject::invokeMethod(this, &DeliveryPoller::runRound, Qt::QueuedConnection);
}

qint64 DeliveryPoller::leaseMsFor(const WebhookConfig &webhook) const
{
    return qint64(qMax(100, webhook.timeoutMs)) + m_leaseMarginMs;
}

void DeliveryPoller::runRound()
{
    m_roundScheduled = false;
    m_gatherTimer.stop();
    if (!m_running)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The whole round is one transaction: the attempts that finished since the last round, the claims of
    // every webhook. Nothing is sent before the claims are committed (a claim that was rolled back must
    // never be sent), but the commit does not wait for the disk (CommitSync::Deferred: on it within 200 ms
    // on SQLite, 600 ms on PostgreSQL): losing the round to a power loss only sends its deliveries again,
    // which a power loss between a send and the round that records it does anyway. Waiting for the sync put
    // it on every delivery's path from push to webhook (docs/reliability.md, "Poll rounds").
    QList<Dispatcher::FinishedAttempt> finished = m_dispatcher.takeFinished();
    QHash<qint64, int> settling; // slots the finished attempts hold until they are settled
    for (const Dispatcher::FinishedAttempt &attempt : std::as_const(finished)) {
        ++settling[attempt.delivery.webhookId];
        m_dirty.insert(attempt.delivery.webhookId); // its freed slot can take the next delivery at once
    }
    auto fail = [&] {
        m_store.rollback();
        m_dispatcher.settleFinished(finished, false);
        backOff();
        emit roundFinished(0);
    };
    if (!m_store.beginWrite(Store::CommitSync::Deferred)) {
        m_dispatcher.settleFinished(finished, false);
        backOff();
        emit roundFinished(0);
        return;
    }
    if (!m_dispatcher.writeFinished(finished) || (m_allDirty && m_store.releaseExpiredLeases(now) < 0)) {
        fail();
        return;
    }

    QList<QPair<WebhookConfig, QList<ClaimedDelivery>>> batches;
    for (const WebhookConfig &webhook : std::as_const(m_webhooks)) {
        if (!webhook.enabled || (!m_allDirty && !m_dirty.contains(webhook.id)))
            continue;
        const int free = m_dispatcher.freeSlots(webhook, settling.value(webhook.id));
        if (free <= 0)
            continue;
        std::optional<QList<ClaimedDelivery>> batch =
            m_store.claimDue(webhook.id, free, m_owner, now, now + leaseMsFor(webhook));
        if (!batch) {
            fail();
            return;
        }
        if (!batch->isEmpty())
            batches.append({webhook, std::move(*batch)});
    }
    if (!m_store.commit()) { // commit() rolls back on failure
        m_dispatcher.settleFinished(finished, false);
        backOff();
        emit roundFinished(0);
        return;
    }
    // The slots these attempts free were counted as free by the claims above (`settling`), so settling them
    // needs no round of its own. (Freed slots used to wake the poller: every round was followed by an almost
    // empty one.)
    m_dispatcher.settleFinished(finished, true);
    int claimed = 0;
    for (const auto &[webhook, batch] : std::as_const(batches)) {
        for (const ClaimedDelivery &delivery : batch)
            m_dispatcher.dispatch(delivery, webhook);
        claimed += int(batch.size());
    }
    m_backoffMs = 0;
    m_allDirty = false;
    m_dirty.clear();
    armDueTimer();
    emit roundFinished(claimed);
}

void DeliveryPoller::backOff()
{
    // The store refuses writes (disk full, locked, read-only): try again later, not in a tight loop, and
    // leave the engine thread free to answer the intake with 503s meanwhile.
    m_backoffMs = qBound(500, m_backoffMs * 2, qMax(5000, m_pollTimer.interval()));
    m_allDirty = true;
    m_dueTimer.start(m_backoffMs);
}

void DeliveryPoller::armDueTimer()
{
    // The earliest retry among webhooks that could take it now, or the end of an endpoint's pause; full
    // webhooks are woken by their finished attempts.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 earliest = -1;
    for (const WebhookConfig &webhook : std::as_const(m_webhooks)) {
        if (!webhook.enabled)
            continue;
        std::optional<qint64> due;
        if (const std::optional<qint64> pauseLeft = m_dispatcher.pauseLeftMs(webhook.id))
            due = now + *pauseLeft; // whatever is due then waits for the probe
        else if (m_dispatcher.freeSlots(webhook) > 0)
            due = m_store.earliestDue(webhook.id);
        if (due && (earliest < 0 || *due < earliest))
            earliest = *due;
    }
    if (earliest < 0) {
        m_dueTimer.stop();
        return;
    }
    const qint64 wait = earliest - now;
    if (wait >= m_pollTimer.interval()) {
        m_dueTimer.stop(); // the poll timer comes first
        return;
    }
    // Never 0: a row that is due but was not claimed (a store error, a race) must not spin this loop.
    m_dueTimer.start(int(qMax<qint64>(5, wait)));
}
