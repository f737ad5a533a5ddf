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
