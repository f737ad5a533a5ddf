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

// The SQL condition of the partial indexes over finished deliveries (succeeded, failed, cancelled). A query
// uses those indexes only when its WHERE clause has this condition as it is. It names the two unfinished
// states because SQLite checks an IN list of three or more through a temporary table (schema version 11).
inline constexpr char finishedDeliveryCondition[] = "state NOT IN ('pending', 'in_flight')";
