#pragma once

#include <QString>

// How much work one webhook has waiting and being sent, for the /metrics gauges. Plain value type.
struct WebhookQueueDepth
{
    qint64 webhookId = 0;
    QString webhookName;
    bool enabled = true;
    int pending = 0;
    int inFlight = 0;
    qint64 oldestDueAtMs = 0; // next_attempt_at of the oldest pending delivery that is due, 0 when none is
};
