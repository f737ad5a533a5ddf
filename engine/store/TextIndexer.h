#pragma once

#include "TextIndexWorker.h"

#include <QObject>
#include <QThread>

// Adds new events to the console's text index (TextIndexFile) in batches, after the intake has committed and
// answered them, on a thread of its own. Until schema version 10 the index was in the database and the
// batches ran on the engine's thread, under the database's write lock: FTS5's segment merges made 9-21 % of
// the batches take over 5 ms (up to 22 ms, bench/fts5_batches.py), and every intake request waited behind
// them. Events not indexed yet are still found: the console scans the few above the index's mark
// (DeliveryLogQuery).
class TextIndexer : public QObject
{
    Q_OBJECT
public:
    // Starts the thread, which opens the index of the SQLite database at `databaseLocation` and indexes what
    // other writers stored while no engine ran.
    explicit TextIndexer(const QString &databaseLocation, TextIndexPolicy policy = {},
                         QObject *parent = nullptr);
    ~TextIndexer() override;

    // New events were committed (by the intake, the CLI, another process): index them after the policy's
    // delay, unless a batch is already due. Cheap: the intake calls it after every group commit.
    void scheduleSoon();
    // For good (the engine is shutting down): waits for a batch under way, then the thread ends. What is left
    // is indexed by the next engine's start.
    void stop();

signals:
    // Once per run of failures (each is retried), and once when a batch succeeds again.
    void indexFailed(const QString &error);
    void indexRecovered();

private:
    QThread m_thread;
    TextIndexWorker *m_worker; // lives in m_thread, deleted there when it finishes
};
