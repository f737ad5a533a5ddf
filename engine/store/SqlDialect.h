#pragma once

#include <QString>

#include <memory>

class QSqlDatabase;
class QSqlQuery;
class WalCheckpointer;

// What differs between the SQL backends behind Store. Everything else (the queries, the schema) is written
// once in the SQL that SQLite and PostgreSQL share: ON CONFLICT DO NOTHING, RETURNING, partial indexes.
class SqlDialect
{
public:
    virtual ~SqlDialect() = default;

    virtual QString name() const = 0;       // "sqlite", "postgresql"
    virtual QString driverName() const = 0; // the QSqlDatabase driver
    // Points `db` at the location (a file path, a URL) before open().
    virtual bool configure(QSqlDatabase &db, const QString &location, QString *error) const = 0;
    // Runs after open(): journal mode, durability, busy handling. Returns false with a reason a person can
    // act on.
    virtual bool prepareConnection(QSqlDatabase &db, QString *error) const = 0;
    // Schema text: migrations use {id} for an auto-increment primary key and {blob} for raw bytes.
    virtual QString expandSchema(QString sql) const = 0;
    // Starts a write transaction that takes the write lock up front, so two writers queue instead of
    // deadlocking.
    virtual QString beginWriteStatement() const = 0;
    // Appended to the inner SELECT of a claim so that concurrent claimers skip each other's rows.
    virtual QString claimLockClause() const = 0;
    // Whether a claim inside a write transaction may read the due rows and then update them one by one by
    // id, instead of one UPDATE ... WHERE id IN (SELECT ...) RETURNING. True where the write transaction
    // holds the only write lock there is (SQLite's BEGIN IMMEDIATE): nobody can claim the rows in between.
    // On SQLite the single statement costs more: its IN list and its RETURNING rows each go through a
    // temporary b-tree with a pager of its own, several times the work of the update itself.
    virtual bool claimsUnderExclusiveWriteLock() const { return false; }
    // Whether an INSERT learns its new row's id from the connection (sqlite3_last_insert_rowid, through
    // QSqlQuery::lastInsertId) rather than from RETURNING id, which costs SQLite a temporary b-tree per
    // statement (see above).
    virtual bool insertedIdFromConnection() const { return false; }
    // A value that changes when another connection commits; lets the engine notice CLI changes cheaply. The
    // store prepares the query once (it runs before every intake group) and hands its one row to
    // externalChangeCounter(), which folds it into one number.
    virtual QString externalChangeCounterQuery() const = 0;
    virtual qint64 externalChangeCounter(const QSqlQuery &row) const = 0;
    // Run right after beginWriteStatement() when migrating, so that two processes starting on a new
    // database do not both migrate (SQLite's write lock already does this).
    virtual QString migrationLockStatement() const { return {}; }
    // A statement taking (channel, payload) that tells other connections about a change, delivered when
    // the transaction commits; empty when the backend has no such thing (SQLite: see externalChangeCounter).
    virtual QString notifyStatement() const { return {}; }
    // Whether BEGIN and COMMIT may be prepared once and run again (SQLite); otherwise they are sent as text
    // each time (PostgreSQL's extended protocol is not meant for transaction control).
    virtual bool reusesTransactionStatements() const { return false; }
    // Around a write transaction whose commit may return before it reaches the disk (Store::CommitSync::
    // Deferred): the first runs before BEGIN, the second after COMMIT or ROLLBACK (SQLite's PRAGMA is
    // per connection). Empty where there is no such switch, or where no commit waits anyway
    // (synchronous=NORMAL).
    virtual QString deferSyncStatement() const { return {}; }
    virtual QString restoreSyncStatement() const { return {}; }
    // BEGIN for such a transaction where the setting can last one transaction (PostgreSQL's SET LOCAL, sent
    // with the BEGIN in one round trip): nothing needs undoing, and the server itself bounds how long the
    // commit stays off the disk, so no checkpointer is needed. Elsewhere the plain BEGIN.
    virtual QString beginDeferredWriteStatement() const { return beginWriteStatement(); }
    // Whether the intake commits on a connection and thread of its own (see NotificationIntake). Worth it
    // when every statement is a round trip to a server that the engine's thread would otherwise wait out
    // (PostgreSQL). Not on SQLite: it has one writer at a time, so a second connection would only queue
    // behind the poller's transactions in SQLite's sleeping busy handler.
    virtual bool intakeOnOwnConnections() const { return false; }
    // Whether new events join the text index after their commit, in batches, on a thread and in a file of
    // its own (TextIndexer, SQLite's FTS5 table), rather than inside the statement that stores them
    // (PostgreSQL's GIN indexes).
    virtual bool indexesTextAfterCommit() const { return false; }
    // When opening failed: what about the location explains it (a read-only or full file system), or empty.
    virtual QString diagnose(const QString &location) const { return {}; }
    // Takes the open connection's checkpoints off the threads that commit on it (SQLite, see
    // WalCheckpointer). Null where the backend has no such thing (error left empty) or when it cannot start
    // (error set; the connection then checkpoints as it did).
    virtual std::unique_ptr<WalCheckpointer> checkpointInBackground(QSqlDatabase &db, const QString &location,
                                                                    QString *error) const;
    // Housekeeping (retention) runs on one instance at a time (see HousekeepingLeader). Three statements
    // that each answer one boolean: take the lock for this connection's session without waiting (true when
    // taken), whether this connection holds it, and give it up. All empty when the backend needs no such
    // lock: on SQLite every process that opens the file is "the" instance (one machine, one file).
    virtual QString housekeepingLockStatement() const { return {}; }
    virtual QString housekeepingLockHeldStatement() const { return {}; }
    virtual QString housekeepingUnlockStatement() const { return {}; }
};
