#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

// One delivery a disabled webhook missed. Plain value type.
struct MissedDelivery
{
    enum class Kind
    {
        Failed,   // gave up while the webhook was failing (the 410, the attempts before the disable)
        Held,     // pending: the dispatcher does not send to a disabled webhook, so it waits
        NotRouted // an event that arrived while the webhook was disabled and that its filters match
    };
    Kind kind = Kind::NotRouted;
    qint64 deliveryId = 0; // 0 for NotRouted: no delivery exists yet
    qint64 eventRowId = 0;
    QDateTime time; // Failed: its last attempt; Held: when it was queued; NotRouted: when the event arrived
    QString action;
    QString repository;
    QString tag;
    int lastStatus = 0;
    QString lastError; // error class of the last attempt, when it got no answer
};

// What a disabled webhook missed since it last worked (WebhookReenabler::find). Plain value type.
struct MissedDeliveries
{
    qint64 webhookId = 0;
    QString webhookName;
    bool enabled = false; // the webhook is enabled (nothing to re-enable)
    QString disabledReason;
    QDateTime disabledAt;             // when it was disabled (its last change)
    QDateTime failingSince;           // start of the trouble: the first failure after its last success
    QList<MissedDelivery> deliveries; // newest first
    QString error;                    // set when the webhook is gone or the database did not answer

    int count(MissedDelivery::Kind kind) const
    {
        int n = 0;
        for (const MissedDelivery &d : deliveries)
            n += d.kind == kind ? 1 : 0;
        return n;
    }
};

// What re-enabling did (WebhookReenabler::reenable). Plain value type.
struct ReenableOutcome
{
    qint64 webhookId = 0;
    bool replayedMissed = false;
    int replayed = 0;  // failed and held deliveries sent again
    int routed = 0;    // missed events given a delivery now
    int cancelled = 0; // held deliveries cancelled (re-enabled without replay)
    QString error;     // set when nothing was changed
};

Q_DECLARE_METATYPE(MissedDeliveries)
Q_DECLARE_METATYPE(ReenableOutcome)
