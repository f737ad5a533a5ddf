#pragma once

#include <QList>
#include <QString>
#include <QUrl>

// Fills a Tidings database through the engine's own Store, so a benchmark starts from exactly the rows the
// intake would have written: webhooks pointing at the bench sink, and events each fanned out to one of them.
class BenchSeeder
{
public:
    struct Plan
    {
        QList<QUrl> webhookUrls;
        int concurrency = 6;
        qint64 pending = 0;  // deliveries due now
        qint64 finished = 0; // succeeded deliveries, history only (the start-up and backlog figures)
        // When set, pending delivery i is due at dueFromUs/1000 + i * dueSpreadMs / pending, and its event id
        // carries that due time, so the sink measures lateness against it (the retry-timing figure).
        qint64 dueFromUs = 0;
        qint64 dueSpreadMs = 0;
        QString secret = QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    };

    // False with a reason when the database cannot be written.
    static bool seed(const QString &dbPath, const Plan &plan, QString *error);
};
