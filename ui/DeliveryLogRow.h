#pragma once

#include "DeliveryRecord.h"

// One line of the delivery log: the delivery plus the duration of its last attempt (-1: no attempt yet).
struct DeliveryLogRow
{
    DeliveryRecord delivery;
    int lastDurationMs = -1;
};
