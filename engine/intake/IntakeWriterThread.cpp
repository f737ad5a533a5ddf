#include "IntakeWriterThread.h"

#include "Store.h"

#include <QObject>
#include <QPointer>
#include <QThread>

IntakeWriterThread::IntakeWriterThread()
    : m_thread(new QThread)
    , m_context(new QObject)
{
    m_thread->setObjectName(QStringLiteral("tidings-intake"));
    m_context->moveToThread(m_thread);
    QObject::connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
}

IntakeWriterThread::~IntakeWriterThread()
{
    // Queued behind a write under way, so that one finishes first (its answer is dropped with the intake;
    // the registry resends and the events count as duplicates).
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_writer.reset();
            m_store.reset();
        },
        Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread; // m_context went with the thread's finished signal
}

bool IntakeWriterThread::open(const StoreOpener &openStore, QString *error)
{
    bool opened = false;
    QMetaObject::invokeMethod(
        m_context,
        [&] {
            m_store = openStore(error);
            if (!m_store)
                return;
            m_writer = std::make_unique<IntakeWriter>(*m_store);
            m_writer->setReloadsWebhooksItself(true);
            opened = true;
        },
        Qt::BlockingQueuedConnection);
    return opened;
}

void IntakeWriterThread::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    IntakeWriter *writer = m_writer.get();
    if (writer)
        QMetaObject::invokeMethod(m_context, [writer, webhooks] { writer->setWebhooks(webhooks); });
}

void IntakeWriterThread::write(const QList<QList<RegistryEvent>> &requests, QObject *receiver,
                               std::function<void(const IntakeWriteResult &)> done)
{
    IntakeWriter *writer = m_writer.get();
    QPointer<QObject> target(receiver);
    QMetaObject::invokeMethod(m_context, [writer, requests, target, done = std::move(done)] {
        const IntakeWriteResult result = writer->write(requests);
        // The receiver outlives this call (it destroys this object, which waits for it); a result queued to
        // it is discarded if it is deleted before running.
        if (QObject *receiver = target.data())
            QMetaObject::invokeMethod(receiver, [done, result] { done(result); });
    });
}
