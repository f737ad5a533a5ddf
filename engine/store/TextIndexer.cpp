#include "TextIndexer.h"

#include "Store.h"

#include <utility>

TextIndexer::TextIndexer(Store &store, TextIndexPolicy policy, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_policy(policy)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &TextIndexer::runBatch);
}

void TextIndexer::scheduleSoon()
{
    if (!m_stopped && !m_timer.isActive())
        m_timer.start(m_policy.delayMs);
}

void TextIndexer::stop()
{
    m_stopped = true;
    m_timer.stop();
}

void TextIndexer::runBatch()
{
    const int indexed = m_store.indexEventText(m_policy.batch);
    if (indexed < 0) {
        if (!std::exchange(m_failing, true))
            emit indexFailed(m_store.lastError());
        m_timer.start(m_policy.retryMs);
        return;
    }
    if (std::exchange(m_failing, false))
        emit indexRecovered();
    if (indexed >= m_policy.batch) {
        // More are waiting. Batches back to back would hold the intake's requests for all of them at once.
        m_timer.start(m_policy.pauseMs);
    }
}
