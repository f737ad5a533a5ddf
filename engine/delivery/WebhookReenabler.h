#pragma once

#include "MissedDeliveries.h"

class Store;

// Re-enabling a disabled webhook, with what it missed (the console's Dashboard).
//
// While a webhook is disabled nothing is lost but nothing moves: the intake routes no new events to it (they
// get no delivery), the dispatcher leaves its pending deliveries alone (they stay pending, "held"), and the
// delivery that got the 410, or the ones that ran out of attempts while it was failing, stay failed. So
// "missed" is three kinds: failed since the webhook last worked (failing_since, else its newest success),
// held, and events since the disable that its filters match and that have no delivery for it.
//
// Re-enabling with replay sends all of them again in one transaction with the enable: failed and held
// deliveries start a new series at once (Store::replay, as a recovery job does), missed events get a
// delivery each. Without replay, held deliveries are cancelled, so only events from now on are sent. The set
// is computed again when re-enabling, so what arrived between the preview and the click is included.
class WebhookReenabler
{
public:
    explicit WebhookReenabler(Store &store);

    MissedDeliveries find(qint64 webhookId);
    ReenableOutcome reenable(qint64 webhookId, bool replayMissed);

private:
    Store &m_store;
};
