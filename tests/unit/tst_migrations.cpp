// The schema on real SQLite files: versions, WAL, permissions, and what a failed or foreign migration does.
#include "DeliveryState.h"
#include "Migrations.h"
#include "SqliteDialect.h"
#include "Store.h"
#include "TextIndexFile.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

class TestMigrations : public QObject
{
    Q_OBJECT

private:
    // A raw connection beside the store, to look at the file the way sqlite3 would.
    struct RawConnection
    {
        explicit RawConnection(const QString &path)
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            db.open();
        }
        ~RawConnection() { QSqlDatabase::removeDatabase(name); }
        QVariant scalar(const QString &sql)
        {
            QSqlQuery query(QSqlDatabase::database(name));
            if (!query.exec(sql) || !query.next())
                return {};
            return query.value(0);
        }
        QSqlDatabase database() { return QSqlDatabase::database(name); }
        QString name = QStringLiteral("raw");
    };

    // An event row as an older build or the CLI would write it (raw SQL, so the triggers of the schema under
    // test are what index it).
    static bool insertEvent(QSqlQuery &query, int id, const char *repository, const char *tag)
    {
        return query.exec(
            QStringLiteral("INSERT INTO events (id, event_id, received_at, occurred_at, action, "
                           "repository, tag, content_type, payload) VALUES (%1, 'e%1', 0, 0, "
                           "'push', '%2', '%3', 'application/json', '{}')")
                .arg(id)
                .arg(QLatin1String(repository), QLatin1String(tag)));
    }
    // The event ids the text index answers for an FTS5 expression, in order, comma-separated.
    static QString matchingIds(QSqlQuery &query, const QString &expression)
    {
        QStringList ids;
        query.prepare(
            QStringLiteral("SELECT rowid FROM events_text WHERE events_text MATCH ? ORDER BY rowid"));
        query.addBindValue(expression);
        if (query.exec()) {
            while (query.next())
                ids.append(query.value(0).toString());
        }
        return ids.join(QLatin1Char(','));
    }

private slots:
    void freshDatabaseIsAtTheLatestVersionInWalMode();
    void reopeningIsIdempotent();
    void newerDatabaseIsRefused();
    void failedMigrationLeavesTheOldSchema();
    void upgradesAnOlderDatabaseStepByStep();
    void textIndexIsBackfilledAndFollowsTheEvents();
    void textIndexLeavesTheDatabase();
    void durabilitySettingReachesTheConnection_data();
    void durabilitySettingReachesTheConnection();
    void deliveryChangesNeedNoTemporaryTable();
    void eachStateIsFoundThroughItsOwnIndex();
};

void TestMigrations::freshDatabaseIsAtTheLatestVersionInWalMode()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/dir/tidings.db"));
    {
        Store store(std::make_unique<SqliteDialect>());
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
    }
    // Owner-only: the file holds webhook secrets.
    QCOMPARE(QFile::permissions(path) &
                 (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    RawConnection raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT MAX(version) FROM schema_migrations")).toInt(),
             Migrations().latestVersion());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    const QStringList tables = raw.database().tables();
    for (const char *table : {"webhooks", "events", "deliveries", "attempts"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
    // The claim query can use its partial index.
    QVERIFY(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'deliveries_due'"))
                .toInt() == 1);
}

void TestMigrations::reopeningIsIdempotent()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    for (int i = 0; i < 3; ++i) {
        Store store(std::make_unique<SqliteDialect>());
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
        WebhookConfig webhook;
        webhook.name = QStringLiteral("hook-%1").arg(i);
        webhook.url = QStringLiteral("http://127.0.0.1/");
        QVERIFY(store.insertWebhook(webhook) > 0);
        QCOMPARE(store.webhooks().size(), i + 1); // data survives each reopen
    }
    RawConnection raw(path);
    // One record per step, each applied once (versions need not be contiguous: they only grow).
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(),
             int(Migrations::all().size()));
}

void TestMigrations::newerDatabaseIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    {
        Store store(std::make_unique<SqliteDialect>());
        QString error;
        QVERIFY(store.open(path, &error));
    }
    {
        RawConnection raw(path);
        QSqlQuery query(raw.database());
        QVERIFY(
            query.exec(QStringLiteral("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)")));
    }
    Store store(std::make_unique<SqliteDialect>());
    QString error;
    QVERIFY(!store.open(path, &error));
    QVERIFY2(error.contains(QStringLiteral("999")) && error.contains(QStringLiteral("newer")),
             qPrintable(error));
}

void TestMigrations::failedMigrationLeavesTheOldSchema()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    const SqliteDialect dialect;
    QList<Migration> steps = Migrations::all();
    Migration broken;
    broken.version = steps.constLast().version + 1;
    broken.description = QStringLiteral("a step that fails halfway");
    broken.statements = {QStringLiteral("CREATE TABLE half_done (id INTEGER)"),
                         QStringLiteral("ALTER TABLE no_such_table ADD COLUMN x INTEGER")};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("migrate"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QString error;
        QVERIFY2(Migrations(steps).apply(db, dialect, &error), qPrintable(error));
        QVERIFY(!Migrations(steps + QList<Migration>{broken}).apply(db, dialect, &error));
        QVERIFY2(error.contains(QStringLiteral("stays at version %1").arg(steps.constLast().version)),
                 qPrintable(error));
        QCOMPARE(Migrations::currentVersion(db, &error), steps.constLast().version);
        // The statement before the failing one was rolled back with it.
        QVERIFY(!db.tables().contains(QStringLiteral("half_done")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("migrate"));
    // The database still opens with this build.
    Store store(std::make_unique<SqliteDialect>());
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
}

void TestMigrations::textIndexIsBackfilledAndFollowsTheEvents()
{
    // Migration 6 indexes the events already stored, and its triggers follow inserts, updates and deletes;
    // migration 7 tunes its merging. (Migration 10 moves the index out of the database: the next test.)
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    const SqliteDialect dialect;
    QList<Migration> before;
    QList<Migration> upTo7;
    for (const Migration &m : Migrations::all()) {
        if (m.version < 6)
            before.append(m);
        if (m.version <= 7)
            upTo7.append(m);
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("text"));
    db.setDatabaseName(path);
    QVERIFY(db.open());
    QString error;
    QVERIFY2(Migrations(before).apply(db, dialect, &error), qPrintable(error));
    {
        QSqlQuery query(db);
        auto insert = [&](int id, const char *repository, const char *tag) {
            return insertEvent(query, id, repository, tag);
        };
        QVERIFY(insert(1, "team/old-app", "v1.0"));
        QVERIFY(insert(2, "other/thing", "latest"));
        QVERIFY2(Migrations(upTo7).apply(db, dialect, &error), qPrintable(error));
        // Migration 7: merges in small steps, no crisis merge inside an intake commit.
        auto setting = [&](const char *key) {
            query.prepare(QStringLiteral("SELECT v FROM events_text_config WHERE k = ?"));
            query.addBindValue(QLatin1String(key));
            return query.exec() && query.next() ? query.value(0).toInt() : -1;
        };
        QCOMPARE(setting("automerge"), 16);
        QCOMPARE(setting("crisismerge"), 64);
        auto matches = [&](const QString &expression) {
            return matchingIds(query, expression);
        };
        QCOMPARE(matches(QStringLiteral("\"OLD-app\"")), QStringLiteral("1")); // backfilled, any case
        QCOMPARE(matches(QStringLiteral("{tag} : \"latest\"")), QStringLiteral("2"));
        QVERIFY(insert(3, "team/new-app", "v2.0"));
        QCOMPARE(matches(QStringLiteral("\"-app\"")), QStringLiteral("1,3"));
        QVERIFY(query.exec(QStringLiteral("UPDATE events SET repository = 'team/renamed' WHERE id = 1")));
        QCOMPARE(matches(QStringLiteral("\"-app\"")), QStringLiteral("3"));
        QCOMPARE(matches(QStringLiteral("\"renamed\"")), QStringLiteral("1"));
        QVERIFY(query.exec(QStringLiteral("DELETE FROM events WHERE id = 3")));
        QCOMPARE(matches(QStringLiteral("\"-app\"")), QString());
        // The index is consistent with its content table (FTS5's own check).
        QVERIFY2(
            query.exec(QStringLiteral("INSERT INTO events_text (events_text) VALUES ('integrity-check')")),
            qPrintable(query.lastError().text()));
    }
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("text"));
}

void TestMigrations::textIndexLeavesTheDatabase()
{
    // Migration 10: the index moves to a file of its own (TextIndexFile). The database keeps its events and
    // loses the FTS5 table, its mark and its triggers; the index file starts empty and catches up.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    const SqliteDialect dialect;
    QList<Migration> upTo9;
    for (const Migration &m : Migrations::all()) {
        if (m.version <= 9)
            upTo9.append(m);
    }
    RawConnection raw(path);
    QSqlDatabase db = raw.database();
    QString error;
    QVERIFY2(Migrations(upTo9).apply(db, dialect, &error), qPrintable(error));
    QSqlQuery query(db);
    QVERIFY(insertEvent(query, 1, "team/old-app", "v1.0"));
    QVERIFY(insertEvent(query, 2, "other/thing", "latest"));
    auto objects = [&] {
        return raw
            .scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('events_text', "
                                   "'text_index_progress', 'events_text_delete', 'events_text_update')"))
            .toInt();
    };
    QCOMPARE(objects(), 4);

    QVERIFY2(Migrations().apply(db, dialect, &error), qPrintable(error));
    QCOMPARE(objects(), 0);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'events_text%'"))
                 .toInt(),
             0); // FTS5's shadow tables went with it
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM events")).toInt(), 2);
    QVERIFY(query.exec(QStringLiteral("DELETE FROM events WHERE id = 2"))); // no trigger left to fire

    TextIndexFile index;
    QVERIFY2(index.open(path, &error), qPrintable(error));
    QCOMPARE(index.indexBatch(100), 1);
    QCOMPARE(index.indexedUpTo(), 1);
    query.finish();
}

void TestMigrations::upgradesAnOlderDatabaseStepByStep()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    const SqliteDialect dialect;
    Migration addColumn;
    addColumn.version = Migrations().latestVersion() + 1;
    addColumn.description = QStringLiteral("webhooks.note");
    addColumn.statements = {
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN note TEXT NOT NULL DEFAULT 'kept'")};
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("upgrade"));
    db.setDatabaseName(path);
    QVERIFY(db.open());
    QString error;
    QVERIFY(Migrations(Migrations::all()).apply(db, dialect, &error));
    {
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral(
            "INSERT INTO webhooks (name, url, created_at, updated_at) VALUES ('old', 'http://x/', 0, 0)")));
        // An older build's database, then a newer build's migrations.
        QVERIFY2(Migrations(Migrations::all() + QList<Migration>{addColumn}).apply(db, dialect, &error),
                 qPrintable(error));
        QCOMPARE(Migrations::currentVersion(db, &error), addColumn.version);
        QVERIFY(query.exec(QStringLiteral("SELECT name, note FROM webhooks")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("old"));
        QCOMPARE(query.value(1).toString(), QStringLiteral("kept"));
    }
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("upgrade"));
}

void TestMigrations::durabilitySettingReachesTheConnection_data()
{
    QTest::addColumn<bool>("full");
    QTest::addColumn<int>("synchronous");
    QTest::newRow("full: synced at every commit") << true << 2;
    QTest::newRow("normal: synced at checkpoints") << false << 1;
}

void TestMigrations::durabilitySettingReachesTheConnection()
{
    QFETCH(bool, full);
    QFETCH(int, synchronous);
    QTemporaryDir dir;
    QString error;
    const std::unique_ptr<SqlDialect> dialect =
        Store::dialectFor(dir.filePath(QStringLiteral("t.db")), &error, full);
    QVERIFY(dialect);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(dialect->driverName(), QStringLiteral("durability"));
        QVERIFY(dialect->configure(db, dir.filePath(QStringLiteral("t.db")), &error));
        QVERIFY(db.open());
        QVERIFY2(dialect->prepareConnection(db, &error), qPrintable(error));
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA synchronous")) && query.next());
        QCOMPARE(query.value(0).toInt(), synchronous);
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("durability"));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"

// Schema version 11. SQLite checks an IN list of three or more constants through a temporary b-tree, and an
// UPDATE evaluates every partial index's condition for the old and the new row: with the finished-delivery
// indexes written as IN ('succeeded', 'failed', 'cancelled'), each of a delivery's two updates built four of
// them, about a fifth of the engine's work per delivery. The program of each statement a delivery runs
// through must have no OpenEphemeral.
void TestMigrations::deliveryChangesNeedNoTemporaryTable()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    {
        Store store(std::make_unique<SqliteDialect>());
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
    }
    RawConnection raw(path);
    QSqlQuery query(raw.database());
    QVERIFY(query.exec(QStringLiteral("PRAGMA foreign_keys=ON"))); // as the engine's connection has it
    const QStringList statements{
        QStringLiteral("UPDATE deliveries SET state = 'in_flight', lease_owner = 'a', lease_expires_at = 1, "
                       "updated_at = 1 WHERE id = 1"),
        QStringLiteral(
            "UPDATE deliveries SET state = 'succeeded', attempts = attempts + 1, next_attempt_at = "
            "NULL, lease_owner = NULL, lease_expires_at = NULL, last_status = 200, updated_at = 2 "
            "WHERE id = 1 AND state = 'in_flight' AND lease_owner = 'a'"),
        QStringLiteral("INSERT INTO attempts (delivery_id, number, started_at, duration_ms, url, "
                       "request_headers, request_body, response_status, response_headers, response_body) "
                       "VALUES (1, 1, 1, 1, 'u', '[]', '', 200, '[]', '')"),
        QStringLiteral("INSERT INTO deliveries (event_id, webhook_id, message_id, state, next_attempt_at, "
                       "created_at, updated_at) VALUES (1, 1, 'm', 'pending', 1, 1, 1)"),
        QStringLiteral("EXPLAIN ") + Store::dueDeliveriesQuery(),
    };
    for (const QString &statement : statements) {
        QVERIFY2(query.prepare(statement.startsWith(QLatin1String("EXPLAIN"))
                                   ? statement
                                   : QStringLiteral("EXPLAIN ") + statement),
                 qPrintable(query.lastError().text()));
        for (qsizetype i = 0; i < statement.count(QLatin1Char('?')); ++i)
            query.bindValue(int(i), 1);
        QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
        int opcodes = 0;
        while (query.next()) {
            ++opcodes;
            QVERIFY2(query.value(1).toString() != QLatin1String("OpenEphemeral"), qPrintable(statement));
        }
        QVERIFY2(opcodes > 10, qPrintable(statement)); // a real program was read
    }
}

// Schema version 12. deliveries_by_state (state, id) is gone: every claim moved entries in it, and a stuck
// webhook's pending entries cost the healthy ones their rate (docs/performance.md). Each state is found
// through a partial index instead, with the condition deliveryStateCondition writes; the store's lists and
// counts must still find every delivery in its state.
void TestMigrations::eachStateIsFoundThroughItsOwnIndex()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    Store store(std::make_unique<SqliteDialect>());
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
    for (const char *name : {"a", "b"}) {
        WebhookConfig webhook;
        webhook.name = QLatin1String(name);
        webhook.url = QStringLiteral("http://127.0.0.1/");
        QVERIFY(store.insertWebhook(webhook) > 0);
    }
    RawConnection raw(path);
    QSqlQuery query(raw.database());
    // Ten deliveries, two in each state, one for each webhook; ids 1-10 in the order of `states`.
    const QStringList states{QStringLiteral("pending"), QStringLiteral("in_flight"),
                             QStringLiteral("succeeded"), QStringLiteral("failed"),
                             QStringLiteral("cancelled")};
    for (int id = 1; id <= 10; ++id) {
        QVERIFY(insertEvent(query, id, "team/app", "v1"));
        QVERIFY2(
            query.exec(QStringLiteral("INSERT INTO deliveries (id, event_id, webhook_id, message_id, state, "
                                      "next_attempt_at, lease_owner, lease_expires_at, created_at, "
                                      "updated_at) VALUES (%1, %1, %2, 'm%1', '%3', 0, 'o', 0, %1, %1)")
                           .arg(id)
                           .arg(2 - id % 2)
                           .arg(states.at((id - 1) / 2))),
            qPrintable(query.lastError().text()));
    }
    QCOMPARE(
        raw.scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'deliveries_by_state'"))
            .toInt(),
        0);

    for (int i = 0; i < states.size(); ++i) {
        DeliveryFilter filter;
        filter.state = states.at(i);
        QList<qint64> ids;
        for (const DeliveryRecord &d : store.deliveries(filter))
            ids.append(d.id);
        QCOMPARE(ids, (QList<qint64>{2 * i + 2, 2 * i + 1})); // newest first
        filter.webhookId = 2;
        QCOMPARE(store.deliveries(filter).size(), 1);
    }
    DeliveryFilter unknown;
    unknown.state = QStringLiteral("pending' OR 1 = 1 --");
    QVERIFY(store.deliveries(unknown).isEmpty());
    const QueueDepth depth = store.queueDepth();
    QCOMPARE(depth.pending, 2);
    QCOMPARE(depth.inFlight, 2);
    QCOMPARE(store.failedDeliveryCount().value_or(-1), 2);
    const std::optional<QList<WebhookQueueDepth>> perWebhook = store.queueDepthByWebhook(1);
    QVERIFY(perWebhook && perWebhook->size() == 2);
    for (const WebhookQueueDepth &webhook : *perWebhook) {
        QCOMPARE(webhook.pending, 1);
        QCOMPARE(webhook.inFlight, 1);
    }
    QCOMPARE(store.replayFailed(2, {}, 5), 1);
    QCOMPARE(store.failedDeliveryCount().value_or(-1), 1);
    QCOMPARE(store.queueDepth().pending, 3);

    // The plans: a count never walks a state's rows outside its index, and a page of finished deliveries
    // reads its state's range of deliveries_finished_by_state newest first.
    const QHash<QString, QString> countIndex{
        {QStringLiteral("pending"), QStringLiteral("deliveries_due")},
        {QStringLiteral("in_flight"), QStringLiteral("deliveries_leases")},
        {QStringLiteral("succeeded"), QStringLiteral("deliveries_finished_by_state")},
        {QStringLiteral("failed"), QStringLiteral("deliveries_finished_by_state")},
        {QStringLiteral("cancelled"), QStringLiteral("deliveries_finished_by_state")}};
    auto plan = [&](const QString &sql) {
        QStringList steps;
        if (query.exec(QStringLiteral("EXPLAIN QUERY PLAN ") + sql)) {
            while (query.next())
                steps.append(query.value(3).toString());
        }
        return steps.join(QLatin1String("; "));
    };
    for (const QString &state : states) {
        const QString condition = deliveryStateCondition(state, QStringLiteral("d"));
        const QString count = plan(QStringLiteral("SELECT COUNT(*) FROM deliveries d WHERE ") + condition);
        QVERIFY2(count.contains(countIndex.value(state)), qPrintable(state + QLatin1String(": ") + count));
        const QString page = plan(QStringLiteral("SELECT d.id FROM deliveries d WHERE ") + condition +
                                  QStringLiteral(" ORDER BY d.id DESC LIMIT 200"));
        if (state != QLatin1String("pending"))
            QVERIFY2(page.contains(countIndex.value(state)), qPrintable(state + QLatin1String(": ") + page));
        QVERIFY2(!page.contains(QLatin1String("deliveries_by_webhook")), qPrintable(page));
    }
}
