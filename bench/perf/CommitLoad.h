#pragma once

#include <QString>

// The NOTIFY wake-up figure's "instance A": commits events at a constant rate into a shared PostgreSQL
// database through the engine's own Store, exactly the statements the intake's group commit runs
// (insertEvent, insertDelivery for the webhook, COMMIT, which sends pg_notify on tidings_work). It has no
// dispatcher, so every delivery is made by another instance (`tidings serve`, "instance B") that only
// learns of the work from the notification (its poll interval is far longer than the run). Each event id
// is "t<microseconds>-<n>", stamped when the transaction begins, so the bench sink measures commit-to-
// delivery time.
class CommitLoad
{
public:
    struct Result
    {
        int committed = 0;
        double commitP50Ms = 0;
        double commitP99Ms = 0;
    };

    // Delivers to the first webhook of the database. False with a reason when the store fails.
    static bool run(const QString &location, int rate, int seconds, Result *result, QString *error);
};
