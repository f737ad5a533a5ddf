#include "DeliveryLogCounter.h"

#include "DeliveryLogQuery.h"

DeliveryLogCounter::DeliveryLogCounter(const QString &location, QObject *parent)
    : QObject(parent)
    , m_location(location)
{
    m_thread.setObjectName(QStringLiteral("tidings-log-counter"));
    m_worker = new QObject;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start(QThread::LowPriority);
}

DeliveryLogCounter::~DeliveryLogCounter()
{
    // The connection belongs to the counting thread: close it there, after any count still queued.
    QMetaObject::invokeMethod(
        m_worker, [this] { m_query.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void DeliveryLogCounter::request(const DeliveryLogFilter &filter, const QDateTime &since, quint64 generation)
{
    QMetaObject::invokeMethod(
        m_worker,
        [this, filter, since, generation] {
            if (!m_query) {
                m_query = std::make_unique<DeliveryLogQuery>();
                QString error;
                if (!m_query->open(m_location, &error)) {
                    m_query.reset();
                    emit counted(generation, -1, 0);
                    return;
                }
            }
            m_query->clearLastError();
            m_query->beginSnapshot();
            m_query->prepareTextFilter(filter);
            const qint64 maxId = m_query->maxId();
            const int total = m_query->count(filter, since);
            const bool failed = !m_query->lastError().isEmpty();
            m_query->endSnapshot();
            emit counted(generation, failed ? -1 : total, maxId);
        },
        Qt::QueuedConnection);
}
