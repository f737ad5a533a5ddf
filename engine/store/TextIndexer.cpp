#include "TextIndexer.h"

TextIndexer::TextIndexer(const QString &databaseLocation, TextIndexPolicy policy, QObject *parent)
    : QObject(parent)
    , m_worker(new TextIndexWorker(databaseLocation, policy))
{
    m_thread.setObjectName(QStringLiteral("tidings-textindex"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(&m_thread, &QThread::started, m_worker, &TextIndexWorker::start);
    connect(m_worker, &TextIndexWorker::indexFailed, this, &TextIndexer::indexFailed);
    connect(m_worker, &TextIndexWorker::indexRecovered, this, &TextIndexer::indexRecovered);
    // Derived data: the kernel runs it (SCHED_IDLE) only when the engine and everything else leave a core
    // free.
    m_thread.start(QThread::IdlePriority);
}

TextIndexer::~TextIndexer()
{
    stop();
}

void TextIndexer::scheduleSoon()
{
    if (m_thread.isRunning())
        m_worker->requestIndexing();
}

void TextIndexer::stop()
{
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(m_worker, &TextIndexWorker::stop, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}
