#pragma once

#include "TextIndexFile.h"

#include <QObject>
#include <QTimer>

#include <atomic>

// How the text index follows new events (SQLite).
struct TextIndexPolicy
{
    // Events per transaction: the larger the batch, the fewer segments FTS5 writes and merges.
    int batch = 500;
    int delayMs = 100;        // after new events, how long to gather more before indexing them
    int pauseMs = 5;          // between full batches: the thread shares two cores with the engine's
    int retryMs = 2000;       // after a failure: the file cannot be opened or written
    int pruneEveryMs = 60000; // how often rows of events that retention deleted are removed
    int pruneBatch = 2000;
};

// The TextIndexer's half on its own thread: owns the TextIndexFile (its connection belongs to this thread)
// and the timers that pace the batches. Lives in TextIndexer's thread from construction on.
class TextIndexWorker : public QObject
{
    Q_OBJECT
public:
    TextIndexWorker(const QString &databaseLocation, TextIndexPolicy policy);

    // From any thread: new events were committed. Posts one wake-up however often it is called before the
    // thread gets to it (the intake calls it after every group commit).
    void requestIndexing();

public slots:
    void start(); // opens the file and indexes what other writers stored while no engine ran
    void stop();  // for good: closes the file

signals:
    void indexFailed(const QString &error);
    void indexRecovered();

private:
    void scheduleSoon();
    void runBatch();
    void prune();
    void failed(const QString &error);
    void succeeded();

    QString m_databaseLocation;
    TextIndexPolicy m_policy;
    TextIndexFile m_file;
    QTimer *m_batchTimer;
    QTimer *m_pruneTimer;
    std::atomic<bool> m_requested{false};
    bool m_stopped = false;
    bool m_failing = false;
};
