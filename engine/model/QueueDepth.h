#pragma once

#include <QMetaType>

// How much work is waiting and being sent. Plain value type.
struct QueueDepth
{
    int pending = 0;
    int inFlight = 0;
};

Q_DECLARE_METATYPE(QueueDepth)
