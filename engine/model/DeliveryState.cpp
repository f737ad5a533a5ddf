#include "DeliveryState.h"

QString deliveryStateName(DeliveryState state)
{
    switch (state) {
    case DeliveryState::Pending:
        return QStringLiteral("pending");
    case DeliveryState::InFlight:
        return QStringLiteral("in_flight");
    case DeliveryState::Succeeded:
        return QStringLiteral("succeeded");
    case DeliveryState::Failed:
        return QStringLiteral("failed");
    case DeliveryState::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

bool deliveryStateFromName(const QString &name, DeliveryState *state)
{
    for (DeliveryState s : {DeliveryState::Pending, DeliveryState::InFlight, DeliveryState::Succeeded,
                            DeliveryState::Failed, DeliveryState::Cancelled}) {
        if (deliveryStateName(s) == name) {
            *state = s;
            return true;
        }
    }
    return false;
}

QString deliveryStateCondition(const QString &name, const QString &alias)
{
    DeliveryState state;
    if (!deliveryStateFromName(name, &state))
        return QStringLiteral("1 = 0");
    const QString prefix = alias.isEmpty() ? QString() : alias + QLatin1Char('.');
    switch (state) {
    case DeliveryState::Pending:
        return prefix + QStringLiteral("state = 'pending'");
    case DeliveryState::InFlight:
        // Asked as a set of ids, or SQLite walks the whole table newest first to fill a page from the
        // few rows in flight (120 ms at a million deliveries).
        return prefix + QStringLiteral("id IN (SELECT id FROM deliveries WHERE state = 'in_flight')");
    case DeliveryState::Succeeded:
    case DeliveryState::Failed:
    case DeliveryState::Cancelled:
        break;
    }
    return prefix + QStringLiteral("state = '") + deliveryStateName(state) + QStringLiteral("' AND ") +
           prefix + QLatin1String(finishedDeliveryCondition);
}
