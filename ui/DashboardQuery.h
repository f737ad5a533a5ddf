#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

// Per-minute figures for the Dashboard, over a read-only connection (see DeliveryLogQuery::connectionName).
struct DashboardMinute
{
    QDateTime minute; // start of the minute (UTC)
    int succeeded = 0;
    int failed = 0; // attempts that did not get a 2xx
    int p50Ms = 0;
    int p95Ms = 0;
};

class DashboardQuery
{
public:
    // Attempts of the last `minutes` minutes, by minute: outcomes and latency percentiles. At most
    // `maxAttempts` of the newest attempts are read, so a busy hour costs a bounded query.
    static QList<DashboardMinute> attemptsByMinute(const QString &connectionName, const QDateTime &now,
                                                   int minutes, int maxAttempts = 50000);
};
