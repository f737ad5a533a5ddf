#pragma once

#include <QString>

#include <QByteArray>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

class QSqlDatabase;
struct sqlite3;

// When to copy the WAL back into the database file, in frames (pages) appended to the WAL.
struct WalCheckpointPolicy
{
    // The thread checkpoints each time this many frames were appended since it last started: SQLite's own
    // autocheckpoint threshold. A quarter of it (smaller copies and syncs of the database file) cut the
    // intake's p99 under wrk -c64 from 25-50 to 10-14 ms, but made push-to-delivery latency at 500 events/s
    // worse in 6 of 6 interleaved pairs (p50 +0.2-4.3 ms): more syncs for each event's own sync to meet.
    int framesPerCheckpoint = 1000;
    // The committing thread's own checkpoint (below) waits until the thread has copied all but this many
    // frames, so that it copies little and the WAL can restart.
    int nearlyCopiedFrames = 100;
    // The WAL restarts from its beginning only when a write transaction begins after a checkpoint that
    // caught up with all of it. Under steady load a checkpoint on another thread rarely does (commits land
    // while it copies), so the WAL would grow without end: past this size the committing thread checkpoints
    // the little the thread has not copied yet, and the next transaction restarts the WAL. (8,000 frames of
    // 4 KiB pages: 32 MiB.)
    int inlineAfterFrames = 8000;
};

// SQLite's checkpoints, and the WAL syncs that deferred commits are owed, on a thread of their own (SQLite
// only).
//
// SQLite checkpoints at the end of the commit that takes the WAL past 1,000 frames, in the committing thread:
// it copies those pages into the database file and syncs the file (with synchronous=FULL it syncs the WAL
// first too). On the engine's connection that commit is an intake group or a poll round, so every request
// waiting on it waited about 5 ms longer (here: 3 ms of copying, 2 ms of fdatasync), every 70 ms under
// load. This
// replaces the engine connection's autocheckpoint with a WAL hook that wakes a thread with its own
// connection to run a PASSIVE checkpoint, which never blocks the writer and never waits for it.
class WalCheckpointer
{
public:
    // Installs the hook on `db`'s connection (the engine's) and opens a connection of its own to `location`,
    // syncing as `synchronousPragma` says ("FULL", "NORMAL"). Null, with the reason in `error`, when either
    // fails; the connection then keeps SQLite's own autocheckpoint.
    static std::unique_ptr<WalCheckpointer> start(QSqlDatabase &db, const QString &location,
                                                  const QString &synchronousPragma,
                                                  WalCheckpointPolicy policy, QString *error);
    // Stops the thread and gives the engine's connection SQLite's autocheckpoint back.
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    // After a commit on the writer that returned before it reached the disk (Store::CommitSync::Deferred):
    // the thread syncs the WAL within `delay`, so that a power loss takes at most that much of such
    // commits. A later request while one is pending changes nothing: the sync covers every commit that
    // returned before it starts.
    void syncWalWithin(std::chrono::milliseconds delay);

    // Checkpoints and WAL syncs run so far, for tests and diagnosis.
    quint64 backgroundCheckpoints() const { return m_backgroundCheckpoints.load(); }
    quint64 inlineCheckpoints() const { return m_inlineCheckpoints.load(); }
    quint64 walSyncs() const { return m_walSyncs.load(); }

private:
    using Clock = std::chrono::steady_clock;

    WalCheckpointer(sqlite3 *writer, sqlite3 *own, QByteArray walPath, WalCheckpointPolicy policy);
    static int onCommit(void *context, sqlite3 *connection, const char *database, int walFrames);
    void committed(sqlite3 *connection, const char *database, int walFrames);
    void run();
    void checkpoint();
    void syncWal();

    sqlite3 *m_writer;
    sqlite3 *m_own;
    QByteArray m_walPath; // the database's path + "-wal", in the file system's encoding
    WalCheckpointPolicy m_policy;

    // The committing thread's own bookkeeping (the hook runs only there).
    int m_framesAtLastWake = 0;
    int m_framesAtLastInline = 0;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_wanted = false;
    bool m_stopping = false;
    std::optional<Clock::time_point> m_walSyncDue;
    std::atomic<int> m_backfilledFrames{0}; // by the last background checkpoint
    std::atomic<quint64> m_backgroundCheckpoints{0};
    std::atomic<quint64> m_inlineCheckpoints{0};
    std::atomic<quint64> m_walSyncs{0};
    std::thread m_thread;
};
