// WalCheckpointer on a real SQLite file: the WAL is copied back by the checkpoint thread, stays bounded under
// a steady stream of commits, and the connection gets SQLite's own autocheckpoint back afterwards.
#include "WalCheckpointer.h"

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

QTEST_GUILESS_MAIN(TestWalCheckpointer)
#include "tst_walcheckpointer.moc"
