// The console's text index in its own file (TextIndexFile), on real SQLite files beside a real database:
// batches and their mark, writing while the database's write lock is held, pruning what retention deleted,
// and starting over when the database or the index file is not what it was.
#include "EventFactory.h"
#include "EventTextSearch.h"
#include "SqliteDialect.h"
#include "Store.h"
#include "TextIndexFile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

class TestTextIndexFile : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void indexesInBatchesAndMovesTheMark();
    void writesWhileTheDatabaseIsLockedForWriting();
    void prunesTheEventsRetentionDeleted();
    void startsOverWhenTheDatabaseWasReplaced();
    void replacesADamagedFile();

private:
    // Events as the intake stores them, through the Store, in one transaction.
    void addEvents(Store &store, int count, const QString &repository);
    // The ids the console's filter finds for `text` in the index, through a read-only connection with the
    // index attached, as DeliveryLogQuery opens it.
    QString matchingIds(const QString &text);
    QString databasePath() const { return m_dir.filePath(QStringLiteral("tidings.db")); }

    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    int m_added = 0;
};

void TestTextIndexFile::init()
{
    QVERIFY(m_dir.isValid());
    m_added = 0;
    m_store = std::make_unique<Store>(std::make_unique<SqliteDialect>());
    QString error;
    QVERIFY2(m_store->open(databasePath(), &error), qPrintable(error));
}

void TestTextIndexFile::cleanup()
{
    m_store.reset();
    for (const QString &file : QDir(m_dir.path()).entryList(QDir::Files))
        QFile::remove(m_dir.filePath(file));
}

void TestTextIndexFile::addEvents(Store &store, int count, const QString &repository)
{
    QVERIFY(store.beginWrite());
    for (int i = 0; i < count; ++i) {
        ++m_added;
        QVERIFY(store.insertEvent(EventFactory::stored(QStringLiteral("event-%1").arg(m_added), repository,
                                                       QStringLiteral("build-%1").arg(m_added))) > 0);
    }
    QVERIFY(store.commit());
}

QString TestTextIndexFile::matchingIds(const QString &text)
{
    QStringList ids;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("reader"));
        db.setDatabaseName(databasePath());
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open())
            return QStringLiteral("cannot open: ") + db.lastError().text();
        QSqlQuery query(db);
        query.prepare(QStringLiteral("ATTACH DATABASE ? AS ") + TextIndexFile::attachedName());
        query.addBindValue(TextIndexFile::pathFor(databasePath()));
        if (!query.exec())
            return QStringLiteral("cannot attach: ") + query.lastError().text();
        query.prepare(EventTextSearch(QStringLiteral("sqlite")).matchStatement()); // FTS5: in rowid order
        query.addBindValue(EventTextSearch::matchExpression(text));
        query.addBindValue(0);
        query.addBindValue(1000000);
        query.addBindValue(-1);
        if (!query.exec())
            return QStringLiteral("cannot match: ") + query.lastError().text();
        while (query.next())
            ids.append(query.value(0).toString());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("reader"));
    return ids.join(QLatin1Char(','));
}

void TestTextIndexFile::indexesInBatchesAndMovesTheMark()
{
    addEvents(*m_store, 5, QStringLiteral("team/alpha"));
    TextIndexFile index;
    QString error;
    QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
    // Owner-only, as the database: it holds repository names.
    QCOMPARE(QFile::permissions(TextIndexFile::pathFor(databasePath())) &
                 (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    QCOMPARE(index.indexedUpTo(), 0);
    // The oldest events first; the mark moves to the last one a batch took.
    QCOMPARE(index.indexBatch(2), 2);
    QCOMPARE(index.indexedUpTo(), 2);
    QCOMPARE(matchingIds(QStringLiteral("team/alpha")), QStringLiteral("1,2"));
    QCOMPARE(index.indexBatch(100), 3);
    QCOMPARE(index.indexBatch(100), 0); // caught up
    QCOMPARE(index.indexedUpTo(), 5);
    QCOMPARE(matchingIds(QStringLiteral("alpha:build-4")), QStringLiteral("4"));
    QCOMPARE(matchingIds(QStringLiteral("ALPHA")), QStringLiteral("1,2,3,4,5")); // any case

    // A second engine start opens the same file and carries on from its mark.
    addEvents(*m_store, 2, QStringLiteral("team/bravo"));
    index.close();
    TextIndexFile again;
    QVERIFY2(again.open(databasePath(), &error), qPrintable(error));
    QCOMPARE(again.indexedUpTo(), 5);
    QCOMPARE(again.indexBatch(100), 2);
    QCOMPARE(matchingIds(QStringLiteral("bravo")), QStringLiteral("6,7"));
}

void TestTextIndexFile::writesWhileTheDatabaseIsLockedForWriting()
{
    // The point of the file of its own: an intake commit holding the database's write lock does not stop a
    // batch, and a batch holding the index's does not stop the intake (whose busy timeout is 0 here: it
    // would fail at once instead of waiting).
    addEvents(*m_store, 3, QStringLiteral("team/alpha"));
    TextIndexFile index;
    QString error;
    QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
    QVERIFY(m_store->beginWrite());
    QCOMPARE(index.indexBatch(100), 3);
    QVERIFY(m_store->commit());

    Store writer(std::make_unique<SqliteDialect>(SqliteDialect::Synchronous::Full, 0));
    QVERIFY2(writer.open(databasePath(), &error), qPrintable(error));
    addEvents(writer, 2, QStringLiteral("team/bravo"));
    // While the index file is locked by a reader holding an open write transaction on it, the database
    // still takes commits.
    QSqlDatabase blocker = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("blocker"));
    blocker.setDatabaseName(TextIndexFile::pathFor(databasePath()));
    QVERIFY(blocker.open());
    {
        QSqlQuery lock(blocker);
        QVERIFY(lock.exec(QStringLiteral("BEGIN IMMEDIATE")));
        addEvents(writer, 1, QStringLiteral("team/charlie"));
        QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
    }
    blocker.close();
    blocker = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("blocker"));
    QCOMPARE(index.indexBatch(100), 3);
    QCOMPARE(matchingIds(QStringLiteral("charlie")), QStringLiteral("6"));
}

void TestTextIndexFile::prunesTheEventsRetentionDeleted()
{
    addEvents(*m_store, 6, QStringLiteral("team/alpha"));
    TextIndexFile index;
    QString error;
    QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
    QCOMPARE(index.indexBatch(100), 6);
    // Retention deletes the oldest events (these have no deliveries).
    QVERIFY(m_store->beginWrite());
    QCOMPARE(m_store->purgeOrphanEventsBefore(QDateTime::currentMSecsSinceEpoch() + 1000, 4), 4);
    QVERIFY(m_store->commit());
    // Until the prune the index still names them; the console looks them up by id and finds nothing.
    QCOMPARE(matchingIds(QStringLiteral("alpha")), QStringLiteral("1,2,3,4,5,6"));
    QCOMPARE(index.pruneDeleted(3), 3);
    QCOMPARE(index.pruneDeleted(3), 1);
    QCOMPARE(index.pruneDeleted(3), 0);
    QCOMPARE(matchingIds(QStringLiteral("alpha")), QStringLiteral("5,6"));
    QCOMPARE(index.indexedUpTo(), 6); // the mark stays: the next event is 7
    addEvents(*m_store, 1, QStringLiteral("team/alpha"));
    QCOMPARE(index.indexBatch(100), 1);
    QCOMPARE(matchingIds(QStringLiteral("alpha")), QStringLiteral("5,6,7"));
}

void TestTextIndexFile::startsOverWhenTheDatabaseWasReplaced()
{
    addEvents(*m_store, 4, QStringLiteral("team/old"));
    QString error;
    {
        TextIndexFile index;
        QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
        QCOMPARE(index.indexBatch(100), 4);
    }
    // A new database in the old one's place (restored from an older backup, or deleted and created again):
    // its ids start over below the index's mark.
    m_store.reset();
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(databasePath() + suffix);
    m_store = std::make_unique<Store>(std::make_unique<SqliteDialect>());
    QVERIFY2(m_store->open(databasePath(), &error), qPrintable(error));
    addEvents(*m_store, 2, QStringLiteral("team/new"));
    TextIndexFile index;
    QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
    QCOMPARE(index.indexBatch(100), 2);
    QCOMPARE(index.indexedUpTo(), 2);
    QCOMPARE(matchingIds(QStringLiteral("team/")), QStringLiteral("1,2"));
    QCOMPARE(matchingIds(QStringLiteral("old")), QString());
}

void TestTextIndexFile::replacesADamagedFile()
{
    addEvents(*m_store, 2, QStringLiteral("team/alpha"));
    {
        QFile garbage(TextIndexFile::pathFor(databasePath()));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(8192, 'x'));
    }
    TextIndexFile index;
    QString error;
    QVERIFY2(index.open(databasePath(), &error), qPrintable(error));
    QCOMPARE(index.indexedUpTo(), 0);
    QCOMPARE(index.indexBatch(100), 2);
    QCOMPARE(matchingIds(QStringLiteral("alpha")), QStringLiteral("1,2"));
}

QTEST_GUILESS_MAIN(TestTextIndexFile)
#include "tst_textindexfile.moc"
