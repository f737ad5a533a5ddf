#pragma once

#include "DeliveryState.h"

#include <QDateTime>
#include <QHash>
#include <QString>

// A webhook's health at a glance: how its deliveries finished over the last 24 hours, and its latest
// delivery.
struct WebhookHealth
{
    int succeeded = 0;
    int failed = 0;
    QDateTime lastDeliveryAt; // invalid: never delivered anything
    DeliveryState lastState = DeliveryState::Pending;
    int lastStatus = 0;
    // -1 when nothing finished in the period.
    int successPercent() const
    {
        return succeeded + failed == 0 ? -1 : 100 * succeeded / (succeeded + failed);
    }
};

// Reads WebhookHealth for every webhook over a read-only connection (see DeliveryLogQuery::connectionName).
class WebhookHealthQuery
{
public:
    static QHash<qint64, WebhookHealth> load(const QString &connectionName, const QDateTime &since);
};
