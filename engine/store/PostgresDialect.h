#pragma once

#include "SqlDialect.h"

#include <QUrl>

// PostgreSQL through Qt's QPSQL driver, for several instances sharing one queue. Locations are libpq-style
// URLs: postgresql://user[:password]@host[:port]/dbname, with ?host=/socket/dir for a Unix socket.
// Claims take rows with FOR UPDATE SKIP LOCKED, so concurrent claimers on other instances skip each other's
// rows instead of waiting for them.
class PostgresDialect : public SqlDialect
{
public:
    // `fullDurability`: synchronous_commit on (a commit returns once it is flushed to disk); off gives up
    // the last commits on a server crash for throughput, as SQLite's NORMAL does on power loss.
    explicit PostgresDialect(bool fullDurability = true, int lockTimeoutMs = 5000);

    static bool isLocation(const QString &location);
    // The URL's parts, or false and a reason a person can act on.
    struct ConnectionParameters
    {
        QString host;
        int port = 5432;
        QString user;
        QString password;
        QString database;
    };
    static bool parseLocation(const QString &location, ConnectionParameters *parameters, QString *error);
    // The location with the password replaced, for logs and error messages.
    static QString redacted(const QString &location);

    QString name() const override { return QStringLiteral("postgresql"); }
    QString driverName() const override { return QStringLiteral("QPSQL"); }
    bool configure(QSqlDatabase &db, const QString &location, QString *error) const override;
    bool prepareConnection(QSqlDatabase &db, QString *error) const override;
    QString expandSchema(QString sql) const override;
    // Row locks do the work SQLite's database lock does; BEGIN alone never blocks another writer.
    QString beginWriteStatement() const override { return QStringLiteral("BEGIN"); }
    QString beginDeferredWriteStatement() const override;
    bool intakeOnOwnConnections() const override { return true; }
    QString claimLockClause() const override { return QStringLiteral("FOR UPDATE SKIP LOCKED"); }
    QString externalChangeCounterQuery() const override;
    qint64 externalChangeCounter(const QSqlQuery &row) const override;
    QString migrationLockStatement() const override;
    QString notifyStatement() const override { return QStringLiteral("SELECT pg_notify(?, ?)"); }
    // A session-level advisory lock, held by the leader's store connection until it is released (graceful
    // stop) or the connection ends (a crash: the server notices the closed socket and frees it).
    QString housekeepingLockStatement() const override;
    QString housekeepingLockHeldStatement() const override;
    QString housekeepingUnlockStatement() const override;
    // The advisory lock keys Tidings uses (one bigint each), so an operator can find them in pg_locks.
    static constexpr qint64 migrationLockKey = 7246631;
    static constexpr qint64 housekeepingLockKey = 7246632;

private:
    bool m_fullDurability;
    int m_lockTimeoutMs;
};
