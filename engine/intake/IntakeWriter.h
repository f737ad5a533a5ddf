#pragma once

#include "RegistryEvent.h"
#include "WebhookConfig.h"
#include "WebhookFilter.h"

#include <QList>
#include <QString>

#include <functional>

class Store;

// What the intake answers for one request of a group commit.
struct IntakeRequestCounts
{
    int accepted = 0;
    int duplicates = 0;
    int deliveries = 0;
};

// The outcome of one group commit: nothing of it is stored unless ok.
struct IntakeWriteResult
{
    bool ok = false;
    QString error;
    QList<IntakeRequestCounts> counts; // one per request, in order
    QList<RegistryEvent> stored;       // the events stored for the first time, with their row ids
    QList<qint64> webhookIds;          // the webhooks that got new deliveries
};

// Stores the events of a group of intake requests in one transaction and routes each new event to the
// webhooks whose filters match it. Used on the thread of its Store: the engine's thread (SQLite), or a
// thread of its own with its own connection (PostgreSQL, see NotificationIntake).
class IntakeWriter
{
public:
    // beforeRoute runs inside the transaction, before routing: the engine brings the webhook list (given by
    // setWebhooks) up to date with what other processes committed.
    explicit IntakeWriter(Store &store, std::function<void()> beforeRoute = {});

    // On a connection of its own there is no engine to ask: the writer reads the webhooks table's change
    // counter in every transaction and reloads the webhooks itself when it moved.
    void setReloadsWebhooksItself(bool reloads) { m_reloadsWebhooks = reloads; }
    void setWebhooks(const QList<WebhookConfig> &webhooks);

    IntakeWriteResult write(const QList<QList<RegistryEvent>> &requests);

private:
    struct CompiledWebhook
    {
        WebhookConfig config;
        WebhookFilter filter;
    };

    void reloadWebhooksIfChanged();

    Store &m_store;
    std::function<void()> m_beforeRoute;
    bool m_reloadsWebhooks = false;
    qint64 m_changeCounter = -2; // never a counter value: the first transaction loads the webhooks
    QList<CompiledWebhook> m_webhooks;
};
