#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "QueueDepth.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"
#include "WebhookQueueDepth.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSqlQuery>
#include <QString>

#include <map>
#include <memory>
#include <optional>

class QSqlDatabase;
class SqliteStatement;
struct sqlite3;
#include "SqlDialect.h"

// Which deliveries a listing wants. Empty fields do not filter.
struct DeliveryFilter
{
    QString state; // a deliveryStateName
    qint64 webhookId = 0;
    QString repository;  // substring of repository or tag
    QDateTime since;     // created at or after
    qint64 beforeId = 0; // keyset paging: rows with a smaller id
    int limit = 100;
    // Added for the admin API (appended so positional initialisers keep working).
    QDateTime until{};     // created before
    int lastStatus = 0;    // HTTP status of the last attempt
    qint64 eventRowId = 0; // deliveries of one event
};

// Which events a listing wants (admin API). Empty fields do not filter. Newest first.
struct EventFilter
{
    QString action;
    QString text;        // substring of repository or tag
    QDateTime since;     // received at or after
    QDateTime until;     // received before
    qint64 beforeId = 0; // keyset paging: rows with a smaller id
    int limit = 100;
};

// A delivery taken for sending, with what it sends.
struct ClaimedDelivery
{
    DeliveryRecord delivery;
    RegistryEvent event;
};

// Where a delivery stands after an attempt.
struct AttemptOutcome
{
    DeliveryState state = DeliveryState::Pending;
    QDateTime nextAttemptAt; // pending only
};

// All SQL of Tidings, on one connection owned by the thread that opened the store. Backend differences live
// in the SqlDialect; this class holds the queries both backends share. Errors: false/empty results plus
// lastError().
class Store
{
public:
    // Whether a write transaction's commit waits for the disk. Durable: it survives a power loss once
    // commit() returns (the store's durability setting). Deferred: it survives a crash of the process at
    // once, and a power loss once the next durable commit or WAL sync has run (SQLite: the WAL is appended
    // in order, so that sync carries every earlier commit with it; the WalCheckpointer syncs within 200 ms,
    // and a connection without one does not defer. PostgreSQL: SET LOCAL synchronous_commit TO off, and the
    // server's WAL writer flushes within 3 x wal_writer_delay). For writes that the engine would redo
    // anyway if they were lost (docs/reliability.md, "Poll rounds").
    enum class CommitSync
    {
        Durable,
        Deferred
    };

    enum class ReplayResult
    {
        Replayed,
        NotFound,
        InFlight,
        Failed
    };

    // What other connections are told about (PostgreSQL: NOTIFY on these channels, see ChangeListener).
    enum class Change
    {
        Webhooks, // a webhook was added, changed, enabled, disabled or removed
        Work      // deliveries became due now (intake, replay)
    };
    static QString changeChannel(Change change);

    explicit Store(std::unique_ptr<SqlDialect> dialect);
    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    // The dialect a location names: a file path is SQLite.
    // `fullDurability`: every commit is synced to disk before it returns (an acknowledged event survives a
    // power loss); false trades the last commits before a power loss for fewer syncs (a process crash still
    // loses nothing).
    // `busyTimeoutMs`: how long a write waits for another process's lock before it fails.
    static std::unique_ptr<SqlDialect> dialectFor(const QString &location, QString *error,
                                                  bool fullDurability = true, int busyTimeoutMs = 5000);
    // Opens (creating if needed) and migrates. The connection belongs to the calling thread.
    bool open(const QString &location, QString *error);
    void close();
    bool isOpen() const;
    // For the engine's own connection: its WAL checkpoints run on a thread of their own instead of in the
    // commit that fills the WAL (SQLite; a no-op elsewhere). False, with the reason, when that cannot start;
    // the connection then checkpoints as SQLite does by default.
    bool checkpointInBackground(QString *error);
    QString location() const { return m_location; }
    // For tests and diagnosis: Qt's name for the connection (QSqlDatabase::database() on this thread), and
    // the checkpointer that checkpointInBackground() started (null when none runs).
    QString connectionName() const { return m_connectionName; }
    const WalCheckpointer *checkpointer() const { return m_checkpointer.get(); }
    const SqlDialect &dialect() const { return *m_dialect; }
    QString lastError() const { return m_lastError; }

    bool beginWrite(CommitSync sync = CommitSync::Durable);
    bool commit();
    void rollback();

    // Webhooks.
    QList<WebhookConfig> webhooks();
    std::optional<WebhookConfig> webhook(qint64 id);
    std::optional<WebhookConfig> webhookByName(const QString &name);
    qint64 insertWebhook(const WebhookConfig &webhook); // the new id, 0 on failure
    bool updateWebhook(const WebhookConfig &webhook);
    bool deleteWebhook(qint64 id);
    bool setWebhookEnabled(qint64 id, bool enabled, const QString &reason);

    // Intake; call inside beginWrite()/commit().
    // The new row id, 0 when an event with the same registry id is already stored, -1 on error.
    qint64 insertEvent(const RegistryEvent &event);
    // The same for many events in as few statements as possible (one round trip per 32 on PostgreSQL): one
    // entry per event, in order; a registry id repeated within the list is stored once and counts as a
    // duplicate after its first entry. Empty on error.
    QList<qint64> insertEvents(const QList<RegistryEvent> &events);
    qint64 insertDelivery(qint64 eventRowId, qint64 webhookId, const QString &messageId, qint64 nowMs);

    // Dispatch.
    int releaseExpiredLeases(qint64 nowMs); // -1 on failure
    int releaseLeases(const QString &owner);
    // The deliveries claimed, none when nothing is due; nullopt when the claim failed (and was not
    // committed).
    std::optional<QList<ClaimedDelivery>> claimDue(qint64 webhookId, int limit, const QString &owner,
                                                   qint64 nowMs, qint64 leaseUntilMs);
    // Claims one pending delivery whatever its due time (send-test, a replay sent at once).
    std::optional<ClaimedDelivery> claimDelivery(qint64 deliveryId, const QString &owner, qint64 nowMs,
                                                 qint64 leaseUntilMs);
    // The SELECT with which claimDue reads the due deliveries of a webhook and their events on SQLite (see
    // SqlDialect::claimsUnderExclusiveWriteLock); binds webhook id, now (ms) and the limit.
    static QString dueDeliveriesQuery();
    std::optional<qint64> earliestDue(qint64 webhookId);
    // Stores the attempt and moves the delivery on, only while `owner` still holds its lease.
    bool recordAttempt(AttemptRecord &attempt, const AttemptOutcome &outcome, const QString &owner);
    // recordAttempt's statements inside a transaction the caller owns, so a batch of attempts (and the next
    // claims) share one sync to disk.
    bool writeAttempt(AttemptRecord &attempt, const AttemptOutcome &outcome, const QString &owner);

    // History.
    QList<DeliveryRecord> deliveries(const DeliveryFilter &filter);
    std::optional<DeliveryRecord> delivery(qint64 id);
    QList<AttemptRecord> attempts(qint64 deliveryId);
    std::optional<RegistryEvent> event(qint64 rowId);
    QueueDepth queueDepth();

    // Replay: a new series of attempts, marked manual, with the same message id.
    ReplayResult replay(qint64 deliveryId, qint64 nowMs);
    int replayFailed(qint64 webhookId, const QDateTime &since, qint64 nowMs);

    // Retention. Each call removes at most `batch` rows in its own short transaction, so intake never waits
    // long behind it; it returns how many rows went (-1 on error). Pending and in-flight deliveries stay.
    int purgeFinishedBefore(qint64 cutoffMs, int batch);
    // The per-webhook limit, in two steps so a sweep walks the kept rows once, not once per batch: the id of
    // the newest finished delivery of the webhook beyond its newest `keep` (0: it has no more than `keep`,
    // -1: an error), then batches of the finished ones up to that id, oldest first.
    qint64 finishedBeyondKept(qint64 webhookId, int keep);
    int purgeFinishedUpTo(qint64 webhookId, qint64 lastId, int batch);
    int purgeOrphanEventsBefore(qint64 cutoffMs, int batch);

    // Changes when another connection (the CLI, another process) commits.
    qint64 externalChangeCounter();
    // The payload of this connection's change notifications, so a listener can ignore its own.
    void setChangeOrigin(const QString &origin) { m_changeOrigin = origin; }

    // Webhook health (WebhookHealthMonitor): since when each webhook has been failing, ms since the epoch.
    // Only failing webhooks are listed; setWebhookEnabled(id, true) clears the record.
    QHash<qint64, qint64> webhookFailingSince();
    bool setWebhookFailingSince(qint64 id, qint64 sinceMs); // 0: not failing

    // Operations. Every webhook with its pending and in-flight deliveries and its oldest due delivery (due
    // at or before `nowMs`); nullopt (and lastError()) when the database does not answer.
    std::optional<QList<WebhookQueueDepth>> queueDepthByWebhook(qint64 nowMs);
    // Deliveries that gave up (all webhooks), kept until retention removes them or a replay restarts them.
    std::optional<qint64> failedDeliveryCount();
    // Readiness: true when the database answers a query that reads the file (not only the connection).
    bool answersQueries();

    // Admin API listing of stored events.
    QList<RegistryEvent> events(const EventFilter &filter);

    // The console's "Cancel pending retries": a pending delivery becomes cancelled (an attempt in flight is
    // left to finish). False when it was not pending.
    bool cancelPending(qint64 deliveryId, qint64 nowMs);

    // Secret rotation: `secret` signs from now on; `previousSecret` (empty: none) keeps signing next to it
    // until `previousExpiresAt`.
    bool rotateSecret(qint64 webhookId, const QString &secret, const QString &previousSecret,
                      const QDateTime &previousExpiresAt);
    // A replay to another URL or with an edited payload (OverrideReplay): stores the attempt at the end of
    // the timeline (its number is set here) with what it changed. `toWebhookUrl`: it went to the webhook's
    // configured URL, so its answer counts for the delivery (a 2xx completes it). Own transaction.
    bool recordOverrideAttempt(AttemptRecord &attempt, bool toWebhookUrl);
    // Housekeeping on one instance at a time (HousekeepingLeader): the dialect's session lock, held by this
    // connection. Each answers true at once where the backend needs no lock (SQLite); nullopt when the
    // database does not answer. Call outside a transaction.
    std::optional<bool> tryHousekeepingLock();   // true: held now; false: another instance holds it
    std::optional<bool> holdsHousekeepingLock(); // still held (false after the connection was reset)
    void releaseHousekeepingLock();

private:
    std::optional<bool> booleanStatement(const char *key, const QString &sql);
    QSqlDatabase database() const;
    bool openAndMigrate(const QString &location, QString *error);
    // Prepared statements are kept for the life of the connection: SQLite's prepare is a large part of a
    // small query.
    QSqlQuery &prepared(const char *key, const QString &sql);
    QSqlQuery &prepared(const QByteArray &key, const QString &sql);
    bool execOrFail(QSqlQuery &query);
    // The statements every delivery and every intake request runs, on SQLite's own API (see SqliteStatement):
    // prepared once per connection under `key`. Null when the connection is not SQLite's.
    SqliteStatement *nativeStatement(const char *key, const QString &sql);
    // Runs one of those statements with the values `bind` sets (on a SqliteStatement, or on a QSqlQuery
    // through QueryColumns where the connection is not SQLite's). With `insertedRowId`, the statement is an
    // INSERT of one row and gets the new row's id, 0 when it inserted none. False with lastError() on an
    // error.
    template<typename Bind>
    bool runHot(const char *key, const QString &sql, const Bind &bind, qint64 *insertedRowId = nullptr);
    // For an INSERT of one row: " RETURNING id", or nothing where the connection knows the new id
    // (SqlDialect::insertedIdFromConnection). insertedId() then reads it after the statement ran: 0 when no
    // row was inserted.
    QString returningId() const;
    qint64 insertedId(QSqlQuery &insert) const;
    bool runTransactionStatement(const char *key, const QString &sql);
    bool restoreSync(); // after a CommitSync::Deferred transaction ends; false when it could not
    int deleteBatch(const char *key, const QString &sql, const QVariantList &values);
    // An INSERT INTO events of `rows` rows, eventInsertColumns placeholders each, bound by bindEvent().
    static constexpr int eventInsertColumns = 15;
    static QString eventInsertSql(qsizetype rows);
    template<typename Statement>
    static void bindEvent(Statement &&query, int base, const RegistryEvent &event);
    void bindWebhook(QSqlQuery &query, const WebhookConfig &webhook);
    static WebhookConfig webhookFromRow(const QSqlQuery &query);
    static DeliveryRecord deliveryFromRow(const QSqlQuery &query);
    std::optional<QList<ClaimedDelivery>> claimedFromRows(QSqlQuery &query, const QString &owner,
                                                          qint64 leaseUntilMs);
    std::optional<QList<ClaimedDelivery>> claimDueUnderWriteLock(qint64 webhookId, int limit,
                                                                 const QString &owner, qint64 nowMs,
                                                                 qint64 leaseUntilMs);

    // Inside a transaction the notification waits for the commit; outside it goes at once.
    void announce(Change change);
    bool sendNotification(Change change);

    std::unique_ptr<SqlDialect> m_dialect;
    QString m_changeOrigin;
    bool m_inTransaction = false;
    bool m_syncDeferred = false; // this transaction ran the dialect's deferSyncStatement()
    QList<Change> m_pendingChanges;
    QString m_connectionName;
    QString m_location;
    QString m_lastError;
    QHash<QByteArray, QSqlQuery> m_statements;
    sqlite3 *m_native = nullptr; // the SQLite connection behind the QSqlDatabase; null on PostgreSQL
    std::map<QByteArray, std::unique_ptr<SqliteStatement>> m_nativeStatements;
    std::unique_ptr<WalCheckpointer> m_checkpointer; // goes before the connection it hooks into
};
