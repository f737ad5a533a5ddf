#pragma once

#include <QString>

// The life of one delivery (one event to one webhook). Stored as the lower-case names below.
enum class DeliveryState
{
    Pending,
    InFlight,
    Succeeded,
    Failed,
    Cancelled
};

QString deliveryStateName(DeliveryState state);
// Returns false when the name is not a known state.
bool deliveryStateFromName(const QString &name, DeliveryState *state);
