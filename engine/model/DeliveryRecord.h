#pragma once

#include "DeliveryState.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

// One event bound for one webhook, with its progress. Plain value type.
struct DeliveryRecord
{
    qint64 id = 0;
    qint64 eventRowId = 0;
    qint64 webhookId = 0;
    QString messageId; // the webhook-id header: stable across retries and replays
    DeliveryState state = DeliveryState::Pending;
    int attempts = 0;        // attempts made in the current series
    int totalAttempts = 0;   // attempts made over all series (replays start a new series)
    bool manual = false;     // the current series was started by a replay
    QDateTime nextAttemptAt; // when the next attempt is due (pending only)
    QString leaseOwner;      // instance that claimed it (in flight only)
    QDateTime leaseExpiresAt;
    int lastStatus = 0; // HTTP status of the last attempt, 0 when there was no response
    QString lastError;  // error class of the last attempt, empty when it got a response
    QDateTime createdAt;
    QDateTime updatedAt;
    // Denormalised for listings.
    QString webhookName;
    QString action;
    QString repository;
    QString tag;
};

Q_DECLARE_METATYPE(DeliveryRecord)
