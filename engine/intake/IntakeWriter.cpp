#include "IntakeWriter.h"

#include "Store.h"

#include <QDateTime>
#include <QUuid>

IntakeWriter::IntakeWriter(Store &store, std::function<void()> beforeRoute)
    : m_store(store)
    , m_beforeRoute(std::move(beforeRoute))
{}

void IntakeWriter::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    m_webhooks.clear();
    for (const WebhookConfig &webhook : webhooks) {
        if (webhook.enabled)
            m_webhooks.append({webhook, WebhookFilter(webhook)});
    }
}

void IntakeWriter::reloadWebhooksIfChanged()
{
    const qint64 counter = m_store.externalChangeCounter();
    if (counter == m_changeCounter && counter != -1)
        return;
    m_changeCounter = counter;
    setWebhooks(m_store.webhooks());
}

IntakeWriteResult IntakeWriter::write(const QList<QList<RegistryEvent>> &requests)
{
    IntakeWriteResult result;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool ok = m_store.beginWrite();
    if (ok && m_reloadsWebhooks)
        reloadWebhooksIfChanged();
    if (ok && m_beforeRoute)
        m_beforeRoute();
    QList<RegistryEvent> events;
    for (const QList<RegistryEvent> &request : requests)
        events.append(request);
    // All events of the group in one go: on PostgreSQL a statement per event was a round trip per event.
    const QList<qint64> rowIds = ok ? m_store.insertEvents(events) : QList<qint64>();
    ok = ok && rowIds.size() == events.size();
    qsizetype next = 0;
    for (const QList<RegistryEvent> &request : requests) {
        IntakeRequestCounts counts;
        for (const RegistryEvent &event : request) {
            if (!ok)
                break;
            const qint64 rowId = rowIds[next++];
            if (rowId == 0) {
                // The registry resent an event it had already given us (it timed out before our answer).
                ++counts.duplicates;
                continue;
            }
            ++counts.accepted;
            RegistryEvent storedEvent = event;
            storedEvent.rowId = rowId;
            for (const CompiledWebhook &webhook : std::as_const(m_webhooks)) {
                if (!webhook.filter.matches(event))
                    continue;
                const QString messageId = QStringLiteral("msg_") + QUuid::createUuid().toString(QUuid::Id128);
                if (m_store.insertDelivery(rowId, webhook.config.id, messageId, now) < 0) {
                    ok = false;
                    break;
                }
                ++counts.deliveries;
                if (!result.webhookIds.contains(webhook.config.id))
                    result.webhookIds.append(webhook.config.id);
            }
            result.stored.append(storedEvent);
        }
        result.counts.append(counts);
    }
    if (ok)
        ok = m_store.commit();
    else
        m_store.rollback();
    result.ok = ok;
    if (!ok) {
        result.error = m_store.lastError();
        result.counts.clear();
        result.stored.clear();
        result.webhookIds.clear();
    }
    return result;
}
