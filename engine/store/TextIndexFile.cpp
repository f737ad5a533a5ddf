#include "TextIndexFile.h"

#include "SqliteDialect.h"

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

namespace {

QAtomicInt connectionCounter;

// FTS5 merges its segments a little with every batch once 16 share a level, and all of a level at once only
// at 64 (the settings schema version 7 chose for the index in the database, for the same reason: a merge of a
// whole level is the slowest batch there is).
const QStringList indexSchema{
    QStringLiteral("CREATE VIRTUAL TABLE events_text USING fts5(repository, tag, tokenize='trigram')"),
    QStringLiteral("INSERT INTO events_text (events_text, rank) VALUES ('automerge', 16)"),
    QStringLiteral("INSERT INTO events_text (events_text, rank) VALUES ('crisismerge', 64)"),
    // Every event of the database with an id up to indexed_up_to is in events_text; the ones above it are
    // not yet. Ids only grow (AUTOINCREMENT), so no event appears below the mark once it moved.
    QStringLiteral("CREATE TABLE text_index_progress (id INTEGER PRIMARY KEY CHECK (id = 1), "
                   "indexed_up_to INTEGER NOT NULL)"),
    QStringLiteral("INSERT INTO text_index_progress (id, indexed_up_to) VALUES (1, 0)"),
};

} // namespace

QString TextIndexFile::pathFor(const QString &databaseLocation)
{
    return databaseLocation + QStringLiteral("-textindex");
}

TextIndexFile::TextIndexFile()
    : m_connectionName(QStringLiteral("tidings-text-index-%1").arg(connectionCounter.fetchAndAddRelaxed(1)))
{}

TextIndexFile::~TextIndexFile()
{
    close();
}

bool TextIndexFile::open(const QString &databaseLocation, QString *error)
{
    if (openOnce(databaseLocation, error))
        return true;
    // Derived data: a file SQLite finds damaged, or no database at all, is replaced by a new one, which the
    // indexer fills from the events.
    if (m_lastNativeError != QLatin1String("11") && m_lastNativeError != QLatin1String("26"))
        return false;
    const QString path = pathFor(databaseLocation);
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
    return openOnce(databaseLocation, error);
}

bool TextIndexFile::openOnce(const QString &databaseLocation, QString *error)
{
    close();
    m_lastNativeError.clear();
    const QString path = pathFor(databaseLocation);
    // The index holds repository names and tags: readable by its owner only, as the database is.
    QString reason;
    if (!SqliteDialect::createOwnerOnly(path, &reason)) {
        *error = QStringLiteral("cannot create the text index %1: %2").arg(path, reason);
        return false;
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        db.setDatabaseName(path);
        // URIs, for the read-only attachment of the database below.
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_URI;QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open()) {
            *error = QStringLiteral("cannot open the text index %1: %2").arg(path, db.lastError().text());
            close();
            return false;
        }
    }
    // Derived data: a commit is synced at the next checkpoint, not before it returns.
    bool ok =
        exec(QStringLiteral("PRAGMA journal_mode=WAL")) && exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    if (ok) {
        QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
        ok =
            query.exec(QStringLiteral(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('events_text', 'text_index_progress')")) &&
            query.next();
        if (!ok) {
            m_lastError = query.lastError().text();
            m_lastNativeError = query.lastError().nativeErrorCode();
        } else if (query.value(0).toInt() < 2) {
            query.finish();
            ok = exec(QStringLiteral("BEGIN IMMEDIATE")) && createSchema() && exec(QStringLiteral("COMMIT"));
            if (!ok)
                exec(QStringLiteral("ROLLBACK"));
        }
    }
    // Read-only: a BEGIN IMMEDIATE then takes the write lock of the index file alone, never the database's.
    const QString database =
        QUrl::fromLocalFile(QFileInfo(databaseLocation).absoluteFilePath()).toString(QUrl::FullyEncoded);
    ok = ok && exec(QStringLiteral("ATTACH DATABASE '%1?mode=ro' AS queue")
                        .arg(QString(database).replace(QLatin1Char('\''), QLatin1String("''"))));
    if (!ok) {
        *error = QStringLiteral("cannot set up the text index %1: %2").arg(path, m_lastError);
        close();
        return false;
    }
    return true;
}

void TextIndexFile::close()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool TextIndexFile::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) &&
           QSqlDatabase::database(m_connectionName, false).isOpen();
}

bool TextIndexFile::exec(const QString &sql)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    if (query.exec(sql))
        return true;
    m_lastError = query.lastError().text();
    m_lastNativeError = query.lastError().nativeErrorCode();
    return false;
}

qint64 TextIndexFile::indexedUpTo()
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    if (!query.exec(QStringLiteral("SELECT indexed_up_to FROM text_index_progress")) || !query.next()) {
        m_lastError = query.lastError().text();
        return -1;
    }
    return query.value(0).toLongLong();
}

bool TextIndexFile::resetIfReplaced(qint64 mark, qint64 newestEvent)
{
    if (newestEvent >= mark)
        return true;
    // Dropping the table is quicker than deleting its rows one by one, as FTS5 would.
    return exec(QStringLiteral("DROP TABLE events_text")) &&
           exec(QStringLiteral("DROP TABLE text_index_progress")) && createSchema();
}

bool TextIndexFile::createSchema()
{
    for (const QString &statement : indexSchema) {
        if (!exec(statement))
            return false;
    }
    return true;
}

int TextIndexFile::indexBatch(int batch)
{
    if (!exec(QStringLiteral("BEGIN IMMEDIATE")))
        return -1;
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.setForwardOnly(true);
    auto fail = [&] {
        if (query.lastError().isValid())
            m_lastError = query.lastError().text();
        query.finish();
        exec(QStringLiteral("ROLLBACK"));
        return -1;
    };
    if (!query.exec(QStringLiteral("SELECT p.indexed_up_to, (SELECT COALESCE(MAX(id), 0) FROM queue.events) "
                                   "FROM text_index_progress p")) ||
        !query.next())
        return fail();
    qint64 from = query.value(0).toLongLong();
    const qint64 newest = query.value(1).toLongLong();
    query.finish();
    if (!resetIfReplaced(from, newest))
        return fail();
    if (newest < from)
        from = 0;
    query.prepare(
        QStringLiteral("SELECT MAX(id) FROM (SELECT id FROM queue.events WHERE id > ? ORDER BY id LIMIT ?)"));
    query.addBindValue(from);
    query.addBindValue(batch);
    if (!query.exec() || !query.next())
        return fail();
    if (query.value(0).isNull()) {
        query.finish();
        exec(QStringLiteral("ROLLBACK"));
        return 0;
    }
    const qint64 upTo = query.value(0).toLongLong();
    query.finish();
    query.prepare(
        QStringLiteral("INSERT INTO events_text (rowid, repository, tag) SELECT id, repository, tag "
                       "FROM queue.events WHERE id > ? AND id <= ?"));
    query.addBindValue(from);
    query.addBindValue(upTo);
    if (!query.exec())
        return fail();
    const int rows = query.numRowsAffected();
    // The mark moves in the same transaction as the rows it covers, so a crash leaves neither.
    query.prepare(QStringLiteral("UPDATE text_index_progress SET indexed_up_to = ?"));
    query.addBindValue(upTo);
    if (!query.exec())
        return fail();
    query.finish();
    if (exec(QStringLiteral("COMMIT")))
        return rows;
    exec(QStringLiteral("ROLLBACK"));
    return -1;
}

int TextIndexFile::pruneDeleted(int batch)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral(
        "DELETE FROM events_text WHERE rowid IN (SELECT rowid FROM events_text WHERE rowid < "
        "(SELECT COALESCE(MIN(id), (SELECT indexed_up_to + 1 FROM text_index_progress)) FROM queue.events) "
        "ORDER BY rowid LIMIT ?)"));
    query.addBindValue(batch);
    if (!query.exec()) {
        m_lastError = query.lastError().text();
        return -1;
    }
    return query.numRowsAffected();
}
