#pragma once

#include <QString>

// The console's text index (SQLite): an FTS5 trigram table of the events' repository and tag, in a file of
// its own next to the database (`<database>-textindex`), with the mark of how far it got.
//
// It used to live in the database itself (schema versions 6-9), written by the engine's connection: FTS5
// merges its segments inside the transaction that adds rows, and on the engine's thread, under the
// database's one write lock, a batch of 500 events took 1-3 ms at the median and 10-20 ms at the 99th
// percentile (bench/fts5_batches.py): every intake request waiting behind it waited as long. In a file of its
// own it has a write lock of its own, so the TextIndexer writes it on a thread of its own, reading the events
// from the database through an attached, read-only schema (a WAL reader never blocks the writer).
//
// It is derived data: a missing or damaged file is rebuilt from the events, and it is synced only at
// checkpoints (synchronous=NORMAL): a power loss can take its last batches, and the mark with them, so they
// are indexed again. Rows of events that retention deleted stay until a prune (the console looks events up
// by the ids it finds, so a stale id finds nothing).
class TextIndexFile
{
public:
    static QString pathFor(const QString &databaseLocation);
    // The schema name a reader of the database attaches the index file as (EventTextSearch's statements).
    static QString attachedName() { return QStringLiteral("text_index"); }

    TextIndexFile();
    ~TextIndexFile();
    TextIndexFile(const TextIndexFile &) = delete;
    TextIndexFile &operator=(const TextIndexFile &) = delete;

    // Opens (creating) the index file of the SQLite database at `databaseLocation`, on the calling thread.
    bool open(const QString &databaseLocation, QString *error);
    void close();
    bool isOpen() const;

    // Adds up to `batch` events above the mark, in one transaction, and moves the mark. Returns how many
    // (0: caught up), or -1 with lastError().
    int indexBatch(int batch);
    // Deletes up to `batch` index rows of events older than the oldest one left in the database (retention
    // deletes oldest first). Returns how many, or -1.
    int pruneDeleted(int batch);
    qint64 indexedUpTo();
    QString lastError() const { return m_lastError; }

private:
    bool openOnce(const QString &databaseLocation, QString *error);
    bool exec(const QString &sql);
    bool createSchema(); // inside the caller's transaction
    // The events' ids restarted below the mark: the database was replaced (restored from a backup,
    // recreated). Everything in the index is of another database.
    bool resetIfReplaced(qint64 mark, qint64 newestEvent);

    QString m_connectionName;
    QString m_lastError;
    QString m_lastNativeError; // SQLite's result code: 11 corrupt, 26 not a database
};
