#include "WebhookReenabler.h"

#include "Store.h"
#include "WebhookFilter.h"

#include <QSet>
#include <QUuid>

namespace {

constexpr int page = 2000;
// A bound for a webhook that has been dead for a very long time: the preview and the replay stop there.
constexpr int maxMissed = 50000;

MissedDelivery fromDelivery(const DeliveryRecord &d, MissedDelivery::Kind kind)
{
    MissedDelivery m;
    m.kind = kind;
    m.deliveryId = d.id;
    m.eventRowId = d.eventRowId;
    m.time = kind == MissedDelivery::Kind::Held ? d.createdAt : d.updatedAt;
    m.action = d.action;
    m.repository = d.repository;
    m.tag = d.tag;
    m.lastStatus = d.lastStatus;
    m.lastError = d.lastError;
    return m;
}

} // namespace

WebhookReenabler::WebhookReenabler(Store &store)
    : m_store(store)
{}

MissedDeliveries WebhookReenabler::find(qint64 webhookId)
{
    MissedDeliveries missed;
    missed.webhookId = webhookId;
    const std::optional<WebhookConfig> webhook = m_store.webhook(webhookId);
    if (!webhook) {
        missed.error = QStringLiteral("webhook %1 no longer exists").arg(webhookId);
        return missed;
    }
    missed.webhookName = webhook->name;
    missed.enabled = webhook->enabled;
    if (webhook->enabled)
        return missed;
    missed.disabledReason = webhook->disabledReason;
    missed.disabledAt = webhook->updatedAt; // setWebhookEnabled stamps it

    // Since when it has been failing: the health monitor's record, else its newest success.
    const QHash<qint64, qint64> failing = m_store.webhookFailingSince();
    if (failing.contains(webhookId)) {
        missed.failingSince = QDateTime::fromMSecsSinceEpoch(failing.value(webhookId), Qt::UTC);
    } else {
        DeliveryFilter lastSuccess;
        lastSuccess.state = deliveryStateName(DeliveryState::Succeeded);
        lastSuccess.webhookId = webhookId;
        lastSuccess.limit = 1;
        const QList<DeliveryRecord> rows = m_store.deliveries(lastSuccess);
        if (!rows.isEmpty())
            missed.failingSince = rows.constFirst().updatedAt;
    }

    // Failed since then, and everything held.
    for (DeliveryState state : {DeliveryState::Failed, DeliveryState::Pending}) {
        DeliveryFilter filter;
        filter.state = deliveryStateName(state);
        filter.webhookId = webhookId;
        filter.limit = page;
        for (;;) {
            const QList<DeliveryRecord> rows = m_store.deliveries(filter);
            for (const DeliveryRecord &row : rows) {
                if (state == DeliveryState::Failed && missed.failingSince.isValid() &&
                    row.updatedAt < missed.failingSince)
                    continue;
                missed.deliveries.append(fromDelivery(row, state == DeliveryState::Failed
                                                               ? MissedDelivery::Kind::Failed
                                                               : MissedDelivery::Kind::Held));
            }
            if (rows.size() < page || missed.deliveries.size() >= maxMissed)
                break;
            filter.beforeId = rows.constLast().id;
        }
    }

    // Events since the disable that its filters match and that it has no delivery of.
    if (missed.disabledAt.isValid()) {
        QSet<qint64> delivered;
        DeliveryFilter since;
        since.webhookId = webhookId;
        since.since = missed.disabledAt.addSecs(-1);
        since.limit = page;
        for (;;) {
            const QList<DeliveryRecord> rows = m_store.deliveries(since);
            for (const DeliveryRecord &row : rows)
                delivered.insert(row.eventRowId);
            if (rows.size() < page)
                break;
            since.beforeId = rows.constLast().id;
        }
        const WebhookFilter routing(*webhook);
        EventFilter events;
        events.since = missed.disabledAt;
        events.limit = page;
        for (;;) {
            const QList<RegistryEvent> rows = m_store.events(events);
            for (const RegistryEvent &event : rows) {
                if (delivered.contains(event.rowId) || !routing.matches(event))
                    continue;
                MissedDelivery m;
                m.kind = MissedDelivery::Kind::NotRouted;
                m.eventRowId = event.rowId;
                m.time = event.receivedAt;
                m.action = event.action;
                m.repository = event.repository;
                m.tag = event.tag;
                missed.deliveries.append(m);
            }
            if (rows.size() < page || missed.deliveries.size() >= maxMissed)
                break;
            events.beforeId = rows.constLast().rowId;
        }
    }
    std::stable_sort(missed.deliveries.begin(), missed.deliveries.end(),
                     [](const MissedDelivery &a, const MissedDelivery &b) { return a.time > b.time; });
    if (missed.deliveries.size() > maxMissed)
        missed.deliveries.resize(maxMissed);
    return missed;
}

ReenableOutcome WebhookReenabler::reenable(qint64 webhookId, bool replayMissed)
{
    ReenableOutcome outcome;
    outcome.webhookId = webhookId;
    outcome.replayedMissed = replayMissed;
    const MissedDeliveries missed = find(webhookId);
    if (!missed.error.isEmpty()) {
        outcome.error = missed.error;
        return outcome;
    }
    if (missed.enabled) {
        outcome.error = QStringLiteral("webhook %1 is enabled already").arg(missed.webhookName);
        return outcome;
    }
    if (!m_store.beginWrite()) {
        outcome.error = m_store.lastError();
        return outcome;
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    bool ok = true;
    for (const MissedDelivery &m : missed.deliveries) {
        if (!ok)
            break;
        if (m.kind == MissedDelivery::Kind::NotRouted) {
            if (!replayMissed)
                continue;
            const qint64 id = m_store.insertDelivery(
                m.eventRowId, webhookId, QStringLiteral("msg_") + QUuid::createUuid().toString(QUuid::Id128),
                nowMs);
            ok = id > 0;
            outcome.routed += ok ? 1 : 0;
        } else if (replayMissed) {
            // In flight or gone by now: nothing to send again.
            const Store::ReplayResult result = m_store.replay(m.deliveryId, nowMs);
            ok = result != Store::ReplayResult::Failed;
            outcome.replayed += result == Store::ReplayResult::Replayed ? 1 : 0;
        } else if (m.kind == MissedDelivery::Kind::Held) {
            // Without replay nothing from the disabled time goes out: the held deliveries would, so they end.
            // False: no longer pending (sent or cancelled meanwhile), which is fine.
            if (m_store.cancelPending(m.deliveryId, nowMs))
                ++outcome.cancelled;
        }
    }
    ok = ok && m_store.setWebhookEnabled(webhookId, true, QString());
    if (!ok) {
        outcome.error = m_store.lastError();
        m_store.rollback();
        outcome.replayed = outcome.routed = outcome.cancelled = 0;
        return outcome;
    }
    if (!m_store.commit()) {
        outcome.error = m_store.lastError();
        outcome.replayed = outcome.routed = outcome.cancelled = 0;
    }
    return outcome;
}
