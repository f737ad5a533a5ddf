#include "SqliteDialect.h"

#include "WalCheckpointer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>

SqliteDialect::SqliteDialect(Synchronous synchronous, int busyTimeoutMs)
    : m_synchronous(synchronous)
    , m_busyTimeoutMs(busyTimeoutMs)
{}

bool SqliteDialect::configure(QSqlDatabase &db, const QString &location, QString *error) const
{
    const QFileInfo info(location);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = QStringLiteral("cannot create the directory %1 for the database").arg(info.absolutePath());
        return false;
    }
    // The database holds webhook secrets: create it readable by its owner only.
    QString reason;
    if (!createOwnerOnly(location, &reason)) {
        *error = QStringLiteral("cannot create the database file %1: %2").arg(location, reason);
        return false;
    }
    db.setDatabaseName(location);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_busyTimeoutMs));
    return true;
}

bool SqliteDialect::prepareConnection(QSqlDatabase &db, QString *error) const
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !query.next()) {
        *error = QStringLiteral("cannot switch the database to WAL mode: %1").arg(query.lastError().text());
        return false;
    }
    // journal_mode answers with the mode in force: a read-only or network file system can refuse WAL
    // silently.
    const QString mode = query.value(0).toString().toLower();
    if (mode != QLatin1String("wal")) {
        *error =
            QStringLiteral("the database stays in journal mode \"%1\" instead of WAL; put it on a local, "
                           "writable file system")
                .arg(mode);
        return false;
    }
    const QStringList pragmas{QStringLiteral("PRAGMA synchronous=") + synchronousPragma(),
                              QStringLiteral("PRAGMA foreign_keys=ON"),
                              QStringLiteral("PRAGMA temp_store=MEMORY")};
    for (const QString &pragma : pragmas) {
        if (!query.exec(pragma)) {
            *error = QStringLiteral("%1 failed: %2").arg(pragma, query.lastError().text());
            return false;
        }
    }
    return true;
}

bool SqliteDialect::createOwnerOnly(const QString &path, QString *error)
{
    if (QFile::exists(path))
        return true;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    return true;
}

QString SqliteDialect::synchronousPragma() const
{
    return m_synchronous == Synchronous::Full ? QStringLiteral("FULL") : QStringLiteral("NORMAL");
}

QString SqliteDialect::deferSyncStatement() const
{
    // SQLite refuses to change the setting inside a transaction, hence a statement of its own before BEGIN.
    return m_synchronous == Synchronous::Full ? QStringLiteral("PRAGMA synchronous=NORMAL") : QString();
}

QString SqliteDialect::restoreSyncStatement() const
{
    return m_synchronous == Synchronous::Full ? QStringLiteral("PRAGMA synchronous=FULL") : QString();
}

std::unique_ptr<WalCheckpointer>
SqliteDialect::checkpointInBackground(QSqlDatabase &db, const QString &location, QString *error) const
{
    return WalCheckpointer::start(db, location, synchronousPragma(), WalCheckpointPolicy(), error);
}

QString SqliteDialect::expandSchema(QString sql) const
{
    return sql.replace(QLatin1String("{id}"), QLatin1String("INTEGER PRIMARY KEY AUTOINCREMENT"))
        .replace(QLatin1String("{blob}"), QLatin1String("BLOB"));
}

QString SqliteDialect::externalChangeCounterQuery() const
{
    // data_version changes whenever another connection commits, and never for this connection's own commits.
    return QStringLiteral("PRAGMA data_version");
}

qint64 SqliteDialect::externalChangeCounter(const QSqlQuery &row) const
{
    return row.value(0).toLongLong();
}

QString SqliteDialect::diagnose(const QString &location) const
{
    // SQLite says "unable to open database file" or "disk I/O error"; the file system usually knows why.
    const QString directory = QFileInfo(location).absolutePath();
    const QStorageInfo storage(directory);
    if (!storage.isValid())
        return {};
    if (storage.isReadOnly())
        return QStringLiteral("the file system holding %1 is mounted read-only").arg(directory);
    if (storage.bytesAvailable() < 64 * 1024)
        return QStringLiteral("the file system holding %1 is full").arg(directory);
    const QFileInfo file(location);
    if ((file.exists() && !file.isWritable()) || !QFileInfo(directory).isWritable())
        return QStringLiteral("%1 is read-only for this user").arg(file.exists() ? location : directory);
    return {};
}
