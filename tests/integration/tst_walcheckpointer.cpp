// WalCheckpointer on a real SQLite file: the WAL is copied back by the checkpoint thread, stays bounded under
// a steady stream of commits, is synced when a deferred commit asks for it, and the connection gets SQLite's
// own autocheckpoint back afterwards. And Store's deferred commits: which connections defer, and that every
// other commit waits for the disk again.
#include "WalCheckpointer.h"

#include "SqliteDialect.h"
#include "Store.h"
#include "WebhookConfig.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

namespace {

constexpr int kPageSize = 4096;
constexpr int kWalFrameBytes = kPageSize + 24; // each frame: a page and its header
constexpr int kWalHeaderBytes = 32;

} // namespace

class TestWalCheckpointer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void copiesTheWalOnItsOwnThread();
    void keepsTheWalBoundedUnderSteadyCommits();
    void givesTheConnectionItsAutocheckpointBack();
    void syncsTheWalWhenADeferredCommitAsks();
    void storeDefersOnlyTheTransactionsThatAsk();
    void storeWithoutCheckpointerNeverDefers();

private:
    QVariant scalar(const QString &sql);
    // One transaction adding `rows` rows of about one page each: at least `rows` WAL frames.
    void commitRows(int rows);
    qint64 walBytes() const { return QFileInfo(m_path + QStringLiteral("-wal")).size(); }

    QTemporaryDir m_dir;
    QString m_path;
    QSqlDatabase m_db;
};

void TestWalCheckpointer::init()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("wal.db"));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("writer"));
    m_db.setDatabaseName(m_path);
    QVERIFY(m_db.open());
    QSqlQuery query(m_db);
    QVERIFY(query.exec(QStringLiteral("PRAGMA page_size=%1").arg(kPageSize)));
    QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
    QVERIFY(query.exec(QStringLiteral("PRAGMA synchronous=FULL")));
    QVERIFY(
        query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB)")));
}

void TestWalCheckpointer::cleanup()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("writer"));
    QFile::remove(m_path);
    QFile::remove(m_path + QStringLiteral("-wal"));
    QFile::remove(m_path + QStringLiteral("-shm"));
}

QVariant TestWalCheckpointer::scalar(const QString &sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql) || !query.next()) {
        qWarning() << sql << query.lastError().text();
        return {};
    }
    return query.value(0);
}

void TestWalCheckpointer::commitRows(int rows)
{
    QVERIFY(m_db.transaction());
    QSqlQuery insert(m_db);
    QVERIFY(insert.prepare(QStringLiteral("INSERT INTO rows (body) VALUES (randomblob(?))")));
    for (int i = 0; i < rows; ++i) {
        insert.bindValue(0, kPageSize - 200);
        QVERIFY2(insert.exec(), qPrintable(insert.lastError().text()));
    }
    QVERIFY(m_db.commit());
}

void TestWalCheckpointer::copiesTheWalOnItsOwnThread()
{
    QString error;
    WalCheckpointPolicy policy;
    policy.framesPerCheckpoint = 100;
    policy.inlineAfterFrames = 100000; // never: this case is about the thread alone
    std::unique_ptr<WalCheckpointer> checkpointer =
        WalCheckpointer::start(m_db, m_path, QStringLiteral("FULL"), policy, &error);
    QVERIFY2(checkpointer, qPrintable(error));
    // The hook replaced the autocheckpoint: PRAGMA wal_autocheckpoint reads 0 while another hook is set.
    QCOMPARE(scalar(QStringLiteral("PRAGMA wal_autocheckpoint")).toInt(), 0);

    for (int i = 0; i < 12; ++i)
        commitRows(20);
    QTRY_VERIFY(checkpointer->backgroundCheckpoints() >= 2);
    QCOMPARE(checkpointer->inlineCheckpoints(), 0u);

    // What the thread copied is in the database file itself: a copy of the file without its WAL holds the
    // rows of at least the first checkpoint (100 frames, 20 rows a commit). Nothing else checkpointed: the
    // writer's connection is still open and its hook did not.
    checkpointer.reset(); // joins the thread, so the file is not being written while it is copied
    const QString copy = m_dir.filePath(QStringLiteral("copy.db"));
    QVERIFY(QFile::copy(m_path, copy));
    {
        QSqlDatabase fileOnly = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("copy"));
        fileOnly.setDatabaseName(copy);
        QVERIFY(fileOnly.open());
        QSqlQuery query(fileOnly);
        QVERIFY(query.exec(QStringLiteral("SELECT COUNT(*) FROM rows")) && query.next());
        QVERIFY2(query.value(0).toInt() >= 80, qPrintable(query.value(0).toString()));
        fileOnly.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("copy"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM rows")).toInt(), 240);
}

void TestWalCheckpointer::keepsTheWalBoundedUnderSteadyCommits()
{
    QString error;
    WalCheckpointPolicy policy;
    policy.framesPerCheckpoint = 100;
    policy.nearlyCopiedFrames = 10;
    policy.inlineAfterFrames = 400;
    std::unique_ptr<WalCheckpointer> checkpointer =
        WalCheckpointer::start(m_db, m_path, QStringLiteral("FULL"), policy, &error);
    QVERIFY2(checkpointer, qPrintable(error));

    // Commits back to back, never pausing for the thread to catch up: 4,000 pages through the WAL.
    qint64 largestWal = 0;
    for (int i = 0; i < 400; ++i) {
        commitRows(10);
        largestWal = std::max(largestWal, walBytes());
    }
    // SQLite never shrinks the WAL file (no journal_size_limit), so its size is the most it ever held.
    // Without restarts it would hold every one of the 4,000 frames; with them at most the forced checkpoint's
    // size (twice inlineAfterFrames) and the commits until one of them finds the thread not checkpointing
    // (its passes take a few commits' time here).
    const qint64 bound =
        kWalHeaderBytes + qint64(2 * policy.inlineAfterFrames + policy.framesPerCheckpoint) * kWalFrameBytes;
    QVERIFY2(largestWal <= bound,
             qPrintable(QStringLiteral("WAL grew to %1 bytes, bound %2").arg(largestWal).arg(bound)));
    QVERIFY(checkpointer->backgroundCheckpoints() > 0);
    QVERIFY(checkpointer->inlineCheckpoints() > 0);
    checkpointer.reset();
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM rows")).toInt(), 4000);
    QCOMPARE(scalar(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
}

void TestWalCheckpointer::givesTheConnectionItsAutocheckpointBack()
{
    QString error;
    {
        std::unique_ptr<WalCheckpointer> checkpointer =
            WalCheckpointer::start(m_db, m_path, QStringLiteral("FULL"), WalCheckpointPolicy(), &error);
        QVERIFY2(checkpointer, qPrintable(error));
        QCOMPARE(scalar(QStringLiteral("PRAGMA wal_autocheckpoint")).toInt(), 0);
    }
    QCOMPARE(scalar(QStringLiteral("PRAGMA wal_autocheckpoint")).toInt(), 1000);

    // A file it cannot open: a reason, no checkpointer, and the connection keeps its autocheckpoint.
    std::unique_ptr<WalCheckpointer> none =
        WalCheckpointer::start(m_db, m_dir.filePath(QStringLiteral("missing/wal.db")), QStringLiteral("FULL"),
                               WalCheckpointPolicy(), &error);
    QVERIFY(!none);
    QVERIFY2(error.contains(QStringLiteral("checkpoint connection")), qPrintable(error));
    QCOMPARE(scalar(QStringLiteral("PRAGMA wal_autocheckpoint")).toInt(), 1000);
}

void TestWalCheckpointer::syncsTheWalWhenADeferredCommitAsks()
{
    QString error;
    std::unique_ptr<WalCheckpointer> checkpointer =
        WalCheckpointer::start(m_db, m_path, QStringLiteral("FULL"), WalCheckpointPolicy(), &error);
    QVERIFY2(checkpointer, qPrintable(error));
    commitRows(1);

    // Two requests while one is pending: one sync, not before the first request's delay.
    QElapsedTimer clock;
    clock.start();
    checkpointer->syncWalWithin(std::chrono::milliseconds(300));
    checkpointer->syncWalWithin(std::chrono::milliseconds(300));
    QTRY_COMPARE(checkpointer->walSyncs(), 1u);
    QVERIFY2(clock.elapsed() >= 300, qPrintable(QString::number(clock.elapsed())));
    QTest::qWait(400);
    QCOMPARE(checkpointer->walSyncs(), 1u);

    // A request after the sync gets one of its own.
    commitRows(1);
    checkpointer->syncWalWithin(std::chrono::milliseconds(50));
    QTRY_COMPARE(checkpointer->walSyncs(), 2u);
    QCOMPARE(checkpointer->backgroundCheckpoints(), 0u); // a sync is not a checkpoint
}

namespace {

int synchronousOf(const Store &store)
{
    QSqlQuery query(QSqlDatabase::database(store.connectionName(), false));
    return query.exec(QStringLiteral("PRAGMA synchronous")) && query.next() ? query.value(0).toInt() : -1;
}

WebhookConfig webhookNamed(const QString &name)
{
    WebhookConfig webhook;
    webhook.name = name;
    webhook.url = QStringLiteral("http://127.0.0.1/");
    return webhook;
}

constexpr int kFull = 2;
constexpr int kNormal = 1;

} // namespace

void TestWalCheckpointer::storeDefersOnlyTheTransactionsThatAsk()
{
    Store store(std::make_unique<SqliteDialect>(SqliteDialect::Synchronous::Full));
    QString error;
    QVERIFY2(store.open(m_dir.filePath(QStringLiteral("store.db")), &error), qPrintable(error));
    QVERIFY2(store.checkpointInBackground(&error), qPrintable(error));
    const WalCheckpointer *checkpointer = store.checkpointer();
    QVERIFY(checkpointer);
    QCOMPARE(synchronousOf(store), kFull);

    // A deferred transaction commits with NORMAL (no sync in COMMIT), then the connection is FULL again and
    // the checkpointer owes the WAL a sync.
    QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
    QCOMPARE(synchronousOf(store), kNormal);
    QVERIFY(store.insertWebhook(webhookNamed(QStringLiteral("a"))) > 0);
    QVERIFY(store.commit());
    QCOMPARE(synchronousOf(store), kFull);
    QTRY_COMPARE(checkpointer->walSyncs(), 1u);

    // A durable transaction syncs in its own COMMIT and asks for nothing.
    QVERIFY(store.beginWrite());
    QCOMPARE(synchronousOf(store), kFull);
    QVERIFY(store.insertWebhook(webhookNamed(QStringLiteral("b"))) > 0);
    QVERIFY(store.commit());
    QTest::qWait(400);
    QCOMPARE(checkpointer->walSyncs(), 1u);

    // A rolled-back deferred transaction leaves the connection FULL too.
    QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
    QVERIFY(store.insertWebhook(webhookNamed(QStringLiteral("c"))) > 0);
    store.rollback();
    QCOMPARE(synchronousOf(store), kFull);
    QCOMPARE(store.webhooks().size(), 2);
}

void TestWalCheckpointer::storeWithoutCheckpointerNeverDefers()
{
    // Nothing would sync its WAL within a bound (the CLI's and the console's connections): FULL throughout.
    QString error;
    {
        Store store(std::make_unique<SqliteDialect>(SqliteDialect::Synchronous::Full));
        QVERIFY2(store.open(m_dir.filePath(QStringLiteral("plain.db")), &error), qPrintable(error));
        QVERIFY(!store.checkpointer());
        QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
        QCOMPARE(synchronousOf(store), kFull);
        QVERIFY(store.commit());
    }
    // Under --durability normal every commit is deferred already: nothing to switch, nothing to sync.
    Store store(std::make_unique<SqliteDialect>(SqliteDialect::Synchronous::Normal));
    QVERIFY2(store.open(m_dir.filePath(QStringLiteral("normal.db")), &error), qPrintable(error));
    QVERIFY2(store.checkpointInBackground(&error), qPrintable(error));
    QVERIFY(store.beginWrite(Store::CommitSync::Deferred));
    QVERIFY(store.insertWebhook(webhookNamed(QStringLiteral("a"))) > 0);
    QVERIFY(store.commit());
    QCOMPARE(synchronousOf(store), kNormal);
    QTest::qWait(400);
    QCOMPARE(store.checkpointer()->walSyncs(), 0u);
}

QTEST_GUILESS_MAIN(TestWalCheckpointer)
#include "tst_walcheckpointer.moc"
