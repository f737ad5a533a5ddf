// SqliteStatement carries the SQL every delivery and every intake request runs on SQLite, past Qt's driver.
// These tests hold it to what the driver did for those statements: values come back exactly as bound (text in
// any script, bytes with NULs in them, NULL), errors say why, and a Store on it stores and claims an event
// field for field and closes its connection cleanly.
#include "SqliteStatement.h"
#include "Store.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

class TestSqliteStatement : public QObject
{
    Q_OBJECT

private slots:
    void valuesComeBackAsBound();
    void utf8BytesBindAsText();
    void errorsSayWhy();
    void connectionOfOtherDriversIsNull();
    void storeKeepsEveryEventFieldThroughAClaim();
    void storeClosesItsConnection();

private:
    QTemporaryDir m_dir;
};

namespace {

// A raw SQLite connection of the test's own, closed at the end of the scope.
struct Connection
{
    explicit Connection(const QString &path) { sqlite3_open(path.toUtf8().constData(), &db); }
    ~Connection() { sqlite3_close(db); }
    sqlite3 *db = nullptr;
};

} // namespace

void TestSqliteStatement::valuesComeBackAsBound()
{
    Connection c(m_dir.filePath(QStringLiteral("values.db")));
    QVERIFY(c.db);
    QCOMPARE(sqlite3_exec(c.db, "CREATE TABLE t (n INTEGER, s TEXT, b BLOB, maybe INTEGER)", nullptr, nullptr,
                          nullptr),
             SQLITE_OK);

    SqliteStatement insert(c.db, QStringLiteral("INSERT INTO t VALUES (?, ?, ?, ?)"));
    const QString text = QStringLiteral("Grüße, 東京 \"quoted\" 🚢");
    const QByteArray bytes("a\0b\xff\x01", 5);
    insert.bind(0, qint64(1) << 40);
    insert.bind(1, text);
    insert.bind(2, bytes);
    insert.bindNull(3);
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    QCOMPARE(insert.rowsAffected(), 1);
    QCOMPARE(insert.lastInsertId(), 1);
    insert.finish();
    // The same statement again, with a null QString and a null QByteArray: both stored as empty values (the
    // schema's text and blob columns are NOT NULL), as the statements' Qt form bound them.
    insert.bind(0, qint64(-7));
    insert.bind(1, QString());
    insert.bind(2, QByteArray());
    insert.bind(3, qint64(3));
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    QCOMPARE(insert.lastInsertId(), 2);
    insert.finish();

    SqliteStatement select(c.db, QStringLiteral("SELECT n, s, b, maybe, typeof(s), typeof(b) FROM t "
                                                "WHERE n <> ? ORDER BY rowid"));
    select.bind(0, qint64(0));
    QVERIFY2(select.exec(), qPrintable(select.lastError()));
    QVERIFY(select.next());
    QCOMPARE(select.int64(0), qint64(1) << 40);
    QCOMPARE(select.text(1), text);
    QCOMPARE(select.bytes(2), bytes);
    QVERIFY(select.isNull(3));
    QCOMPARE(select.text(4), QStringLiteral("text"));
    QCOMPARE(select.text(5), QStringLiteral("blob"));
    QVERIFY(select.next());
    QCOMPARE(select.int64(0), -7);
    QVERIFY(select.text(1).isEmpty());
    QVERIFY(select.bytes(2).isEmpty());
    QVERIFY(!select.isNull(3));
    QCOMPARE(select.int64(3), 3);
    QCOMPARE(select.text(4), QStringLiteral("text"));
    QCOMPARE(select.text(5), QStringLiteral("blob"));
    QVERIFY(!select.next());
    QVERIFY(select.lastError().isEmpty());

    // exec() starts over: a statement run again returns its rows again, with the values bound now.
    select.bind(0, qint64(1) << 40);
    QVERIFY(select.exec());
    QVERIFY(select.next());
    QCOMPARE(select.int64(0), -7);
    QVERIFY(!select.next());
    select.finish();
}

void TestSqliteStatement::utf8BytesBindAsText()
{
    // The attempt's header JSON is built as UTF-8 and bound without a QString in between; it must land as
    // text (the columns are read as text by Qt's driver and searched with LIKE), not as a blob.
    Connection c(m_dir.filePath(QStringLiteral("utf8.db")));
    QVERIFY(c.db);
    QCOMPARE(sqlite3_exec(c.db, "CREATE TABLE t (s TEXT NOT NULL)", nullptr, nullptr, nullptr), SQLITE_OK);
    const QString text = QStringLiteral("[[\"X-Stadt\",\"Zürich 東京\"]]");
    SqliteStatement insert(c.db, QStringLiteral("INSERT INTO t VALUES (?)"));
    insert.bindText(0, text.toUtf8());
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    insert.bindText(0, QByteArray()); // null: stored as '' like a null QString
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    insert.finish();

    SqliteStatement select(c.db, QStringLiteral("SELECT s, typeof(s), length(s) FROM t ORDER BY rowid"));
    QVERIFY2(select.exec(), qPrintable(select.lastError()));
    QVERIFY(select.next());
    QCOMPARE(select.text(0), text);
    QCOMPARE(select.text(1), QStringLiteral("text"));
    QCOMPARE(select.int64(2), text.size()); // characters, not bytes: SQLite sees text
    QVERIFY(select.next());
    QVERIFY(select.text(0).isEmpty());
    QVERIFY(!select.isNull(0));
    QCOMPARE(select.text(1), QStringLiteral("text"));
    QVERIFY(!select.next());
}

void TestSqliteStatement::errorsSayWhy()
{
    Connection c(m_dir.filePath(QStringLiteral("errors.db")));
    QCOMPARE(sqlite3_exec(c.db, "CREATE TABLE t (id TEXT PRIMARY KEY)", nullptr, nullptr, nullptr),
             SQLITE_OK);

    SqliteStatement broken(c.db, QStringLiteral("INSERT INTO nowhere VALUES (?)"));
    QVERIFY(!broken.exec());
    QVERIFY2(broken.lastError().contains(QStringLiteral("INSERT INTO nowhere")) &&
                 broken.lastError().contains(QStringLiteral("no such table: nowhere")),
             qPrintable(broken.lastError()));

    SqliteStatement insert(c.db, QStringLiteral("INSERT INTO t VALUES (?)"));
    insert.bind(0, QStringLiteral("one"));
    QVERIFY(insert.exec());
    insert.finish();
    QVERIFY(!insert.exec());
    QVERIFY2(insert.lastError().contains(QStringLiteral("UNIQUE constraint failed: t.id")),
             qPrintable(insert.lastError()));
    // A failed run leaves the statement usable, and a good run clears the error.
    insert.bind(0, QStringLiteral("two"));
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    QVERIFY(insert.lastError().isEmpty());
    insert.finish();
    // A value SQLite refuses fails the next run, which reports it, and the run after that goes through.
    insert.bind(5, qint64(1));
    QVERIFY(!insert.exec());
    QVERIFY2(insert.lastError().contains(QStringLiteral("cannot bind parameter 5")),
             qPrintable(insert.lastError()));
    insert.bind(0, QStringLiteral("three"));
    QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
    QCOMPARE(insert.rowsAffected(), 1);
}

void TestSqliteStatement::connectionOfOtherDriversIsNull()
{
    QVERIFY(!SqliteStatement::connectionOf(QSqlDatabase()));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
        db.setDatabaseName(m_dir.filePath(QStringLiteral("probe.db")));
        QVERIFY(!SqliteStatement::connectionOf(db)); // not open yet
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QVERIFY(SqliteStatement::connectionOf(db));
        db.close();
        QVERIFY(!SqliteStatement::connectionOf(db));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("probe"));
}

void TestSqliteStatement::storeKeepsEveryEventFieldThroughAClaim()
{
    const QString path = m_dir.filePath(QStringLiteral("store.db"));
    QString error;
    Store store(Store::dialectFor(path, &error));
    QVERIFY2(store.open(path, &error), qPrintable(error));

    WebhookConfig webhook;
    webhook.name = QStringLiteral("fields");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    const qint64 webhookId = store.insertWebhook(webhook);
    QVERIFY2(webhookId > 0, qPrintable(store.lastError()));

    RegistryEvent event;
    event.eventId = QStringLiteral("ev-ü-1");
    event.timestamp = QDateTime::fromMSecsSinceEpoch(1700000000123, Qt::UTC);
    event.receivedAt = QDateTime::fromMSecsSinceEpoch(1700000000456, Qt::UTC);
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("team/東京");
    event.tag = QStringLiteral("v1.2");
    event.digest = QStringLiteral("sha256:abc");
    event.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
    event.size = 5368709120; // past 32 bits
    event.sourceAddr = QStringLiteral("registry:5000");
    event.sourceInstance = QStringLiteral("instance-1");
    event.actor = QStringLiteral("ci-bot");
    event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v2+json");
    event.rawJson = QByteArray("{\"id\":\"ev-\xc3\xbc-1\"}");
    event.sourceFormat = QString::fromLatin1(RegistryEvent::harborFormat);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(store.beginWrite());
    const QList<qint64> rows = store.insertEvents({event, event}); // the repeat is a duplicate
    QCOMPARE(rows.size(), 2);
    QVERIFY2(rows.at(0) > 0, qPrintable(store.lastError()));
    QCOMPARE(rows.at(1), 0);
    const qint64 deliveryId = store.insertDelivery(rows.at(0), webhookId, QStringLiteral("msg_fields"), now);
    QVERIFY2(deliveryId > 0, qPrintable(store.lastError()));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    QVERIFY(store.beginWrite());
    const std::optional<QList<ClaimedDelivery>> claimed =
        store.claimDue(webhookId, 10, QStringLiteral("me"), now, now + 60000);
    QVERIFY2(claimed, qPrintable(store.lastError()));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));
    QCOMPARE(claimed->size(), 1);
    const ClaimedDelivery &c = claimed->first();
    QCOMPARE(c.delivery.id, deliveryId);
    QCOMPARE(c.delivery.eventRowId, rows.at(0));
    QCOMPARE(c.delivery.webhookId, webhookId);
    QCOMPARE(c.delivery.messageId, QStringLiteral("msg_fields"));
    QCOMPARE(c.delivery.state, DeliveryState::InFlight);
    QCOMPARE(c.delivery.nextAttemptAt.toMSecsSinceEpoch(), now);
    QCOMPARE(c.delivery.leaseExpiresAt.toMSecsSinceEpoch(), now + 60000);
    QCOMPARE(c.event.rowId, rows.at(0));
    QCOMPARE(c.event.eventId, event.eventId);
    QCOMPARE(c.event.timestamp, event.timestamp);
    QCOMPARE(c.event.receivedAt, event.receivedAt);
    QCOMPARE(c.event.action, event.action);
    QCOMPARE(c.event.repository, event.repository);
    QCOMPARE(c.event.tag, event.tag);
    QCOMPARE(c.event.digest, event.digest);
    QCOMPARE(c.event.mediaType, event.mediaType);
    QCOMPARE(c.event.size, event.size);
    QCOMPARE(c.event.sourceAddr, event.sourceAddr);
    QCOMPARE(c.event.sourceInstance, event.sourceInstance);
    QCOMPARE(c.event.actor, event.actor);
    QCOMPARE(c.event.contentType, event.contentType);
    QCOMPARE(c.event.rawJson, event.rawJson);
    QCOMPARE(c.event.sourceFormat, event.sourceFormat);
    QCOMPARE(c.delivery.repository, event.repository);

    // The attempt goes in through the same statements; the fence on the lease holds on them too.
    AttemptRecord attempt;
    attempt.deliveryId = deliveryId;
    attempt.number = 1;
    attempt.startedAt = QDateTime::currentDateTimeUtc();
    attempt.url = webhook.url;
    attempt.requestBody = QByteArray("body\0with nul", 13);
    attempt.responseStatus = 503;
    attempt.errorClass = QStringLiteral("http");
    const AttemptOutcome retry{DeliveryState::Pending, QDateTime::fromMSecsSinceEpoch(now + 5000, Qt::UTC)};
    // Another owner's attempt is recorded, but the delivery stays with the lease holder.
    QVERIFY2(store.recordAttempt(attempt, retry, QStringLiteral("someone-else")),
             qPrintable(store.lastError()));
    const qint64 firstAttemptId = attempt.id;
    QVERIFY(firstAttemptId > 0);
    QCOMPARE(store.delivery(deliveryId)->state, DeliveryState::InFlight);
    QVERIFY2(store.recordAttempt(attempt, retry, QStringLiteral("me")), qPrintable(store.lastError()));
    QCOMPARE(attempt.id, firstAttemptId + 1);
    const std::optional<DeliveryRecord> after = store.delivery(deliveryId);
    QVERIFY(after);
    QCOMPARE(after->state, DeliveryState::Pending);
    QCOMPARE(after->nextAttemptAt.toMSecsSinceEpoch(), now + 5000);
    QCOMPARE(after->lastStatus, 503);
    const QList<AttemptRecord> attempts = store.attempts(deliveryId);
    QCOMPARE(attempts.size(), 2);
    QCOMPARE(attempts.last().requestBody, attempt.requestBody);
    QCOMPARE(attempts.last().errorClass, attempt.errorClass);
}

void TestSqliteStatement::storeClosesItsConnection()
{
    // SQLite does not close a connection that still has prepared statements: the file's WAL and shared
    // memory then stay behind. The last connection to close removes them, so their absence shows the close
    // went through.
    const QString path = m_dir.filePath(QStringLiteral("close.db"));
    QString error;
    {
        Store store(Store::dialectFor(path, &error));
        QVERIFY2(store.open(path, &error), qPrintable(error));
        RegistryEvent event;
        event.eventId = QStringLiteral("close-1");
        event.receivedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(store.beginWrite());
        QVERIFY(store.insertEvent(event) > 0);
        QVERIFY(store.commit());
        QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
        store.close();
        QVERIFY2(!QFile::exists(path + QStringLiteral("-wal")), "the connection stayed open");
    }
}

QTEST_GUILESS_MAIN(TestSqliteStatement)
#include "tst_sqlitestatement.moc"
