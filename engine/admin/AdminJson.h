#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QDateTime>
#include <QJsonObject>

// The JSON shapes of webhooks, deliveries, attempts and events. One definition for the admin API and the
// command line's --json output, so a script reads the same fields from either.
class AdminJson
{
public:
    static QJsonObject webhook(const WebhookConfig &webhook, bool revealSecret);
    static QJsonObject delivery(const DeliveryRecord &delivery);
    static QJsonObject attempt(const AttemptRecord &attempt);
    // The stored fields of an event; `payload` is the event exactly as the registry sent it.
    static QJsonObject event(const RegistryEvent &event);

    // RFC 3339 UTC with milliseconds, empty for an invalid time.
    static QString timeText(const QDateTime &time);
    // "2026-11-26T10:00:00Z", "2026-11-26", or an age such as 30m, 12h, 7d before `now`. Invalid: a null
    // QDateTime.
    static QDateTime parseTime(const QString &text, const QDateTime &now);
};
