#include "RetentionSweeper.h"

#include "Store.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRetention, "tidings.retention")

RetentionSweeper::RetentionSweeper(Store &store, RetentionPolicy policy, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_policy(policy)
{
    // A short retention needs frequent sweeps to hold it: sweep at least ten times per retention period.
    if (m_policy.maxAgeMs > 0)
        m_policy.intervalMs = int(qBound(qint64(1000), m_policy.maxAgeMs / 10, qint64(m_policy.intervalMs)));
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (m_phase == Phase::Idle)
            sweepNow();
        else
            step();
    });
}

void RetentionSweeper::start()
{
    m_timer.start(m_policy.pauseMs);
}

void RetentionSweeper::stop()
{
    m_timer.stop();
    m_phase = Phase::Idle;
}

void RetentionSweeper::sweepNow()
{
    if (m_phase != Phase::Idle)
        return;
    m_cutoffMs = m_policy.maxAgeMs > 0 ? QDateTime::currentMSecsSinceEpoch() - m_policy.maxAgeMs : 0;
    m_removed = 0;
    m_webhookIndex = 0;
    m_purgeUpToId = 0;
    m_phase = Phase::Age;
    step();
}

void RetentionSweeper::step()
{
    int removed = 0;
    switch (m_phase) {
    case Phase::Idle:
        return;
    case Phase::Age:
        removed = m_policy.maxAgeMs > 0 ? m_store.purgeFinishedBefore(m_cutoffMs, m_policy.batch) : 0;
        if (removed < m_policy.batch)
            m_phase = Phase::PerWebhook;
        break;
    case Phase::PerWebhook:
        if (m_policy.maxPerWebhook <= 0 || m_webhookIndex >= m_webhookIds.size()) {
            m_phase = Phase::Events;
            break;
        }
        if (m_purgeUpToId == 0) {
            // Once per webhook and sweep: finding the boundary walks the kept rows, a batch does not.
            m_purgeUpToId =
                m_store.finishedBeyondKept(m_webhookIds.at(m_webhookIndex), m_policy.maxPerWebhook);
            if (m_purgeUpToId < 0) {
                removed = -1;
                break;
            }
            if (m_purgeUpToId == 0) {
                ++m_webhookIndex; // no more than the limit
                break;
            }
        }
        removed = m_store.purgeFinishedUpTo(m_webhookIds.at(m_webhookIndex), m_purgeUpToId, m_policy.batch);
        if (removed >= 0 && removed < m_policy.batch) {
            ++m_webhookIndex;
            m_purgeUpToId = 0;
        }
        break;
    case Phase::Events:
        removed = m_policy.maxAgeMs > 0 ? m_store.purgeOrphanEventsBefore(m_cutoffMs, m_policy.batch) : 0;
        if (removed < m_policy.batch) {
            m_removed += qMax(0, removed);
            finishSweep();
            return;
        }
        break;
    }
    if (removed < 0) {
        // A busy or failing database: give up this sweep, the next one catches up.
        qCWarning(lcRetention) << "retention batch failed:" << m_store.lastError();
        finishSweep();
        return;
    }
    m_removed += removed;
    m_timer.start(m_policy.pauseMs);
}

void RetentionSweeper::finishSweep()
{
    m_phase = Phase::Idle;
    m_purgeUpToId = 0;
    if (m_removed > 0)
        qCDebug(lcRetention) << "removed" << m_removed << "rows of old history";
    emit sweepFinished(m_removed);
    m_timer.start(m_policy.intervalMs);
}
