#include "WalCheckpointer.h"

#include "SqliteStatement.h"

#include <QFile>
#include <QSqlDatabase>

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#ifdef __linux__
#include <pthread.h>
#endif

namespace {

// SQLite's default, restored when the checkpointer goes.
constexpr int kSqliteAutocheckpointFrames = 1000;

} // namespace

std::unique_ptr<WalCheckpointer> WalCheckpointer::start(QSqlDatabase &db, const QString &location,
                                                        const QString &synchronousPragma,
                                                        WalCheckpointPolicy policy, QString *error)
{
    sqlite3 *writer = SqliteStatement::connectionOf(db);
    if (!writer) {
        *error = QStringLiteral("the database connection is not an open SQLite connection");
        return nullptr;
    }
    sqlite3 *own = nullptr;
    const int opened = sqlite3_open_v2(location.toUtf8().constData(), &own, SQLITE_OPEN_READWRITE, nullptr);
    // The checkpoint syncs as this connection's synchronous setting says; it must be the writer's.
    const QByteArray pragma = QByteArrayLiteral("PRAGMA synchronous=") + synchronousPragma.toLatin1();
    if (opened != SQLITE_OK ||
        sqlite3_exec(own, pragma.constData(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        *error = QStringLiteral("cannot open a checkpoint connection to %1: %2")
                     .arg(location, QString::fromUtf8(own ? sqlite3_errmsg(own) : sqlite3_errstr(opened)));
        sqlite3_close(own);
        return nullptr;
    }
    std::unique_ptr<WalCheckpointer> checkpointer(
        new WalCheckpointer(writer, own, QFile::encodeName(location) + "-wal", policy));
    // Replaces the connection's autocheckpoint: SQLite implements it as a WAL hook too.
    sqlite3_wal_hook(writer, &WalCheckpointer::onCommit, checkpointer.get());
    return checkpointer;
}

WalCheckpointer::WalCheckpointer(sqlite3 *writer, sqlite3 *own, QByteArray walPath,
                                 WalCheckpointPolicy policy)
    : m_writer(writer)
    , m_own(own)
    , m_walPath(std::move(walPath))
    , m_policy(policy)
    , m_thread([this] { run(); })
{}

WalCheckpointer::~WalCheckpointer()
{
    sqlite3_wal_hook(m_writer, nullptr, nullptr);
    sqlite3_wal_autocheckpoint(m_writer, kSqliteAutocheckpointFrames);
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    sqlite3_close(m_own);
}

int WalCheckpointer::onCommit(void *context, sqlite3 *connection, const char *database, int walFrames)
{
    static_cast<WalCheckpointer *>(context)->committed(connection, database, walFrames);
    return SQLITE_OK;
}

void WalCheckpointer::committed(sqlite3 *connection, const char *database, int walFrames)
{
    // A WAL that restarted counts from zero again.
    if (walFrames < m_framesAtLastWake)
        m_framesAtLastWake = 0;
    if (walFrames < m_framesAtLastInline)
        m_framesAtLastInline = 0;

    // A large WAL is checkpointed here, once the thread has copied nearly all of it: this connection
    // committed a moment ago and writes nothing while the checkpoint runs, so it reaches the WAL's end and
    // the next transaction starts the WAL over. Copying the last few frames and one sync took 0.6-1 ms
    // here; copying up to 1,000, as SQLite's autocheckpoint does, 3-5 ms. If the thread cannot get that
    // close (it is itself checkpointing: this one then returns busy at once), the WAL is checkpointed here
    // regardless at twice the size.
    const int behind = walFrames - m_backfilledFrames.load(std::memory_order_relaxed);
    const bool nearlyCopied = behind <= m_policy.nearlyCopiedFrames;
    const bool overdue = walFrames >= 2 * m_policy.inlineAfterFrames;
    if (walFrames >= m_policy.inlineAfterFrames && (nearlyCopied || overdue) &&
        walFrames - m_framesAtLastInline >= m_policy.framesPerCheckpoint) {
        // Busy: the thread is checkpointing right now. Overdue, the next commit tries again.
        if (sqlite3_wal_checkpoint_v2(connection, database, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) !=
                SQLITE_BUSY ||
            !overdue)
            m_framesAtLastInline = walFrames;
        m_framesAtLastWake = walFrames;
        m_inlineCheckpoints.fetch_add(1);
        return;
    }
    if (walFrames - m_framesAtLastWake >= m_policy.framesPerCheckpoint) {
        m_framesAtLastWake = walFrames;
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_wanted = true;
        }
        m_wake.notify_one();
    }
}

void WalCheckpointer::syncWalWithin(std::chrono::milliseconds delay)
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (m_walSyncDue)
            return;
        m_walSyncDue = Clock::now() + delay;
    }
    m_wake.notify_one();
}

void WalCheckpointer::run()
{
#ifdef __linux__
    pthread_setname_np(pthread_self(), "tidings-wal"); // for top -H and perf, instead of its creator's name
#endif
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        const bool syncDue = m_walSyncDue && (m_stopping || Clock::now() >= *m_walSyncDue);
        if (m_stopping && !syncDue)
            return;
        if (!m_wanted && !syncDue) {
            if (m_walSyncDue)
                m_wake.wait_until(lock, *m_walSyncDue);
            else
                m_wake.wait(lock);
            continue;
        }
        const bool wanted = std::exchange(m_wanted, false);
        if (syncDue)
            m_walSyncDue.reset(); // from here on, a commit that asks for a sync gets one of its own
        lock.unlock();
        if (wanted && !m_stopping)
            checkpoint();
        if (syncDue)
            syncWal();
        lock.lock();
    }
}

void WalCheckpointer::checkpoint()
{
    // PASSIVE copies what no reader still needs and returns. SQLITE_BUSY (another checkpoint is running,
    // another process's or the inline one) only means a later wake-up does it. A second pass copies what
    // was committed during the first: when it finds nothing new, the next transaction may restart the
    // WAL. (Up to 8 passes cost the thread 490-540 ms of CPU in an 8 s wrk run, against 410-450 ms.)
    int framesBefore = -1;
    for (int pass = 0; pass < 2; ++pass) {
        int walFrames = 0;
        int copied = 0;
        const int rc =
            sqlite3_wal_checkpoint_v2(m_own, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied);
        m_backgroundCheckpoints.fetch_add(1);
        if (rc != SQLITE_OK)
            break;
        m_backfilledFrames.store(copied, std::memory_order_relaxed);
        if (copied < walFrames || walFrames == framesBefore)
            break;
        framesBefore = walFrames;
    }
}

void WalCheckpointer::syncWal()
{
    // What SQLite itself runs on the WAL when a synchronous=FULL transaction commits. fdatasync acts on
    // the file, not on the descriptor, so a descriptor of our own reaches the frames the writer appended
    // through its own. No WAL file: nothing was written since the last connection closed and checkpointed.
    const int fd = ::open(m_walPath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    // A failing sync (EIO) is not reported here: Linux reports a write-back error to every descriptor that
    // was open when it happened, so SQLite's next sync of the WAL fails with it, in the engine.
    ::fdatasync(fd);
    ::close(fd);
    m_walSyncs.fetch_add(1);
}
