#pragma once

#include "SqlDialect.h"

// SQLite in WAL mode. synchronous=FULL by default: an acknowledged event survives a power loss, not only a
// process crash (NORMAL would give up the last commits on power loss for fewer fsyncs).
class SqliteDialect : public SqlDialect
{
public:
    enum class Synchronous
    {
        Full,
        Normal
    };
    explicit SqliteDialect(Synchronous synchronous = Synchronous::Full, int busyTimeoutMs = 5000);
    // Creates an empty file readable and writable by its owner only, unless it exists, before SQLite opens it
    // (SQLite would create it with the umask's permissions). False with the reason when it cannot.
    static bool createOwnerOnly(const QString &path, QString *error);

    QString name() const override { return QStringLiteral("sqlite"); }
    QString driverName() const override { return QStringLiteral("QSQLITE"); }
    bool configure(QSqlDatabase &db, const QString &location, QString *error) const override;
    bool prepareConnection(QSqlDatabase &db, QString *error) const override;
    QString expandSchema(QString sql) const override;
    QString beginWriteStatement() const override { return QStringLiteral("BEGIN IMMEDIATE"); }
    QString claimLockClause() const override { return {}; }
    bool claimsUnderExclusiveWriteLock() const override { return true; }
    bool insertedIdFromConnection() const override { return true; }
    bool reusesTransactionStatements() const override { return true; }
    QString deferSyncStatement() const override;
    QString restoreSyncStatement() const override;
    bool indexesTextAfterCommit() const override { return true; }
    QString externalChangeCounterQuery() const override;
    qint64 externalChangeCounter(const QSqlQuery &row) const override;
    QString diagnose(const QString &location) const override;
    std::unique_ptr<WalCheckpointer> checkpointInBackground(QSqlDatabase &db, const QString &location,
                                                            QString *error) const override;

private:
    QString synchronousPragma() const; // FULL, NORMAL

    Synchronous m_synchronous;
    int m_busyTimeoutMs;
};
