#pragma once

#include <QString>

// The backlog figure's database half: on a queue of a million pending deliveries, how long the engine's own
// claim statement takes (Store::claimDue inside a write transaction, the way the poller runs it) and whether
// SQLite answers it from the due index rather than a scan.
class ClaimProbe
{
public:
    struct Result
    {
        double p50Ms = 0;
        double p99Ms = 0;
        double commitP99Ms = 0;
        QString plan; // SQLite's EXPLAIN QUERY PLAN of the claim's inner SELECT
        bool usesDueIndex = false;
        int claimed = 0;
    };

    static bool run(const QString &dbPath, int rounds, int batch, Result *result, QString *error);
};
