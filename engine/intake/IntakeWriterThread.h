#pragma once

#include "IntakeWriter.h"

#include <functional>
#include <memory>

class QObject;
class QThread;
class Store;

// An IntakeWriter on a thread and database connection of its own (see NotificationIntake): the store is
// opened, used and closed on that thread, as Qt's SQL drivers require.
class IntakeWriterThread
{
public:
    using StoreOpener = std::function<std::unique_ptr<Store>(QString *error)>;

    IntakeWriterThread();
    // Waits for a write under way, then closes the store on its thread.
    ~IntakeWriterThread();
    IntakeWriterThread(const IntakeWriterThread &) = delete;
    IntakeWriterThread &operator=(const IntakeWriterThread &) = delete;

    // Opens the store with openStore on the writer's thread and waits for it. False, with the reason, when
    // it could not be opened.
    bool open(const StoreOpener &openStore, QString *error);
    void setWebhooks(const QList<WebhookConfig> &webhooks);
    // Writes on the writer's thread; done runs with the result in receiver's thread (not at all when receiver
    // is gone by then).
    void write(const QList<QList<RegistryEvent>> &requests, QObject *receiver,
               std::function<void(const IntakeWriteResult &)> done);

private:
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives on m_thread: what queued calls run on
    std::unique_ptr<Store> m_store;
    std::unique_ptr<IntakeWriter> m_writer;
};
