#include "TextIndexWorker.h"

#include <utility>

TextIndexWorker::TextIndexWorker(const QString &databaseLocation, TextIndexPolicy policy)
    : m_databaseLocation(databaseLocation)
    , m_policy(policy)
    , m_batchTimer(new QTimer(this)) // children, so they move to the worker's thread with it
    , m_pruneTimer(new QTimer(this))
{
    m_batchTimer->setSingleShot(true);
    connect(m_batchTimer, &QTimer::timeout, this, &TextIndexWorker::runBatch);
    m_pruneTimer->setInterval(m_policy.pruneEveryMs);
    connect(m_pruneTimer, &QTimer::timeout, this, &TextIndexWorker::prune);
}

void TextIndexWorker::requestIndexing()
{
    if (!m_requested.exchange(true))
        QMetaObject::invokeMethod(this, &TextIndexWorker::scheduleSoon, Qt::QueuedConnection);
}

void TextIndexWorker::start()
{
    m_pruneTimer->start();
    m_batchTimer->start(0);
}

void TextIndexWorker::stop()
{
    m_stopped = true;
    m_batchTimer->stop();
    m_pruneTimer->stop();
    m_file.close();
}

void TextIndexWorker::scheduleSoon()
{
    m_requested = false;
    if (!m_stopped && !m_batchTimer->isActive())
        m_batchTimer->start(m_policy.delayMs);
}

void TextIndexWorker::runBatch()
{
    if (m_stopped)
        return;
    QString error;
    if (!m_file.isOpen() && !m_file.open(m_databaseLocation, &error)) {
        failed(error);
        return;
    }
    const int indexed = m_file.indexBatch(m_policy.batch);
    if (indexed < 0) {
        failed(m_file.lastError());
        return;
    }
    succeeded();
    // More are waiting: the next batch after a pause, so the engine's thread gets the cores in between.
    if (indexed >= m_policy.batch)
        m_batchTimer->start(m_policy.pauseMs);
}

void TextIndexWorker::prune()
{
    if (m_stopped || !m_file.isOpen())
        return;
    // One batch a tick: retention deletes a few thousand events at a time at most, between ticks.
    if (m_file.pruneDeleted(m_policy.pruneBatch) < 0)
        failed(m_file.lastError());
}

void TextIndexWorker::failed(const QString &error)
{
    if (!std::exchange(m_failing, true))
        emit indexFailed(error);
    m_batchTimer->start(m_policy.retryMs);
}

void TextIndexWorker::succeeded()
{
    if (std::exchange(m_failing, false))
        emit indexRecovered();
}
