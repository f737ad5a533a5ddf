#pragma once

#include <QObject>
#include <QTimer>

class Store;

// How the text index follows new events (SQLite).
struct TextIndexPolicy
{
    // Events per transaction. A batch holds the engine's thread, and the intake requests waiting behind it,
    // for about 1 ms per 500 events here; the larger the batch, the fewer segments FTS5 writes and merges.
    int batch = 500;
    int delayMs = 100;  // after new events, how long to gather more before indexing them
    int pauseMs = 5;    // between full batches, so intake requests are not held behind several in a row
    int retryMs = 2000; // after a failure: another process holds the write lock, or the database fails
};

// Adds new events to the console's text index (events_text) in batches, after the intake has committed and
// answered them. Indexing inside each intake commit made FTS5 write and merge a segment per group commit;
// in batches FTS5 writes one segment per batch, and the intake's commits are smaller. Runs on
// the engine's thread; between batches it returns to the event loop, so intake requests interleave. Events
// not indexed yet are still found: the console scans the few above the index's mark (DeliveryLogQuery).
class TextIndexer : public QObject
{
    Q_OBJECT
public:
    explicit TextIndexer(Store &store, TextIndexPolicy policy = {}, QObject *parent = nullptr);

    // New events were committed (by the intake, the CLI, another process): index them after the delay,
    // unless a run is already due. Nothing once stopped.
    void scheduleSoon();
    // For good (the engine is shutting down): a group the intake commits while stopping schedules nothing.
    // What is left is indexed by the next engine's start.
    void stop();

signals:
    // Once per run of failures (each is retried), and once when a batch succeeds again.
    void indexFailed(const QString &error);
    void indexRecovered();

private:
    void runBatch();

    Store &m_store;
    TextIndexPolicy m_policy;
    QTimer m_timer;
    bool m_stopped = false;
    bool m_failing = false;
};
