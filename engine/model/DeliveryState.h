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

// The WHERE term for "deliveries in the state named `name`", on the deliveries table under `alias` (none when
// empty). A name that is no state matches nothing. The state goes in as a literal, and a finished state
// with finishedDeliveryCondition beside it: SQLite and PostgreSQL use a partial index only when they can
// prove its condition from the query's WHERE clause, which a bound parameter does not allow. That is how
// each state finds its own index (schema version 12): deliveries_due for pending, deliveries_leases for in
// flight (as a set of ids, at most the webhooks' concurrency), deliveries_finished_by_state for the rest. A
// page of pending deliveries is found walking the table newest first: quick when there is a backlog, about
// 120 ms at a million deliveries when there are only a few (docs/performance.md).
QString deliveryStateCondition(const QString &name, const QString &alias = QString());
