#pragma once

#include "AttemptOverride.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

// One HTTP request made for a delivery and what came back. Plain value type.
struct AttemptRecord
{
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    qint64 id = 0;
    qint64 deliveryId = 0;
    int number = 0;      // 1-based over the delivery's whole history
    bool manual = false; // part of a replay series
    QString note;        // what a replay changed (URL, payload), empty otherwise
    QDateTime startedAt;
    int durationMs = 0;
    QString url;
    Headers requestHeaders; // secrets masked
    QByteArray requestBody;
    int responseStatus = 0; // 0: no response
    Headers responseHeaders;
    QByteArray responseBody; // the first 64 KiB
    QString errorClass;      // dns, connect, tls, timeout, network, redirect, http; empty on 2xx
    QString errorMessage;
    // A replay to another URL or with an edited payload: what it changed. Empty for every other attempt.
    AttemptOverride replayOverride;
};

Q_DECLARE_METATYPE(AttemptRecord)
