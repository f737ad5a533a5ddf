#include "Migrations.h"

#include "SqlDialect.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

QList<Migration> Migrations::all()
{
    // Timestamps are milliseconds since the epoch (BIGINT) and flags are integers: the same on every backend.
    Migration base;
    base.version = 1;
    base.description = QStringLiteral("webhooks, events, deliveries, attempts");
    base.statements = {
        QStringLiteral("CREATE TABLE webhooks ("
                       " id {id},"
                       " name TEXT NOT NULL UNIQUE,"
                       " url TEXT NOT NULL,"
                       " secret TEXT NOT NULL DEFAULT '',"
                       " actions TEXT NOT NULL DEFAULT '[\"push\"]',"
                       " repository_globs TEXT NOT NULL DEFAULT '[]',"
                       " tag_globs TEXT NOT NULL DEFAULT '[]',"
                       " media_types TEXT NOT NULL DEFAULT '[]',"
                       " headers TEXT NOT NULL DEFAULT '[]',"
                       " payload_format TEXT NOT NULL DEFAULT 'registry',"
                       " retry_schedule TEXT NOT NULL DEFAULT '[]',"
                       " max_attempts INTEGER NOT NULL DEFAULT 0,"
                       " timeout_ms INTEGER NOT NULL DEFAULT 15000,"
                       " concurrency INTEGER NOT NULL DEFAULT 4,"
                       " enabled INTEGER NOT NULL DEFAULT 1,"
                       " disabled_reason TEXT NOT NULL DEFAULT '',"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL)"),
        QStringLiteral("CREATE TABLE events ("
                       " id {id},"
                       " event_id TEXT NOT NULL UNIQUE,"
                       " received_at BIGINT NOT NULL,"
                       " occurred_at BIGINT NOT NULL,"
                       " action TEXT NOT NULL,"
                       " repository TEXT NOT NULL,"
                       " tag TEXT NOT NULL DEFAULT '',"
                       " digest TEXT NOT NULL DEFAULT '',"
                       " media_type TEXT NOT NULL DEFAULT '',"
                       " size BIGINT NOT NULL DEFAULT 0,"
                       " source_addr TEXT NOT NULL DEFAULT '',"
                       " source_instance TEXT NOT NULL DEFAULT '',"
                       " actor TEXT NOT NULL DEFAULT '',"
                       " content_type TEXT NOT NULL,"
                       " payload {blob} NOT NULL)"),
        QStringLiteral("CREATE INDEX events_received ON events (received_at)"),
        QStringLiteral("CREATE TABLE deliveries ("
                       " id {id},"
                       " event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,"
                       " webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,"
                       " message_id TEXT NOT NULL,"
                       " state TEXT NOT NULL,"
                       " attempts INTEGER NOT NULL DEFAULT 0,"
                       " total_attempts INTEGER NOT NULL DEFAULT 0,"
                       " manual INTEGER NOT NULL DEFAULT 0,"
                       " next_attempt_at BIGINT,"
                       " lease_owner TEXT,"
                       " lease_expires_at BIGINT,"
                       " last_status INTEGER NOT NULL DEFAULT 0,"
                       " last_error TEXT NOT NULL DEFAULT '',"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL,"
                       " UNIQUE (event_id, webhook_id))"),
        // The claim walks due rows of one webhook in due order; the wake-up timer asks for the earliest due
        // row.
        QStringLiteral("CREATE INDEX deliveries_due ON deliveries (webhook_id, next_attempt_at) WHERE state "
                       "= 'pending'"),
        QStringLiteral(
            "CREATE INDEX deliveries_leases ON deliveries (lease_expires_at) WHERE state = 'in_flight'"),
        QStringLiteral("CREATE INDEX deliveries_by_state ON deliveries (state, id)"),
        QStringLiteral("CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id)"),
        QStringLiteral("CREATE TABLE attempts ("
                       " id {id},"
                       " delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,"
                       " number INTEGER NOT NULL,"
                       " manual INTEGER NOT NULL DEFAULT 0,"
                       " note TEXT NOT NULL DEFAULT '',"
                       " started_at BIGINT NOT NULL,"
                       " duration_ms INTEGER NOT NULL,"
                       " url TEXT NOT NULL,"
                       " request_headers TEXT NOT NULL,"
                       " request_body {blob} NOT NULL,"
                       " response_status INTEGER NOT NULL,"
                       " response_headers TEXT NOT NULL,"
                       " response_body {blob} NOT NULL,"
                       " error_class TEXT NOT NULL DEFAULT '',"
                       " error_message TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE INDEX attempts_by_delivery ON attempts (delivery_id, number)"),
    };
    Migration security;
    security.version = 2;
    security.description = QStringLiteral("per-webhook TLS verification switch, retention index");
    security.statements = {
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN tls_skip_verify INTEGER NOT NULL DEFAULT 0"),
        // Retention walks finished deliveries oldest first; pending and in-flight rows are never purged.
        QStringLiteral("CREATE INDEX deliveries_finished ON deliveries (updated_at) "
                       "WHERE state IN ('succeeded', 'failed', 'cancelled')"),
    };
    Migration intakeFormats;
    intakeFormats.version = 3;
    intakeFormats.description =
        QStringLiteral("events remember their intake format (distribution, harbor, cloudevents)");
    intakeFormats.statements = {
        // Existing rows all came in through /v1/notify.
        QStringLiteral("ALTER TABLE events ADD COLUMN source_format TEXT NOT NULL DEFAULT 'distribution'"),
    };
    Migration webhookHealth;
    webhookHealth.version = 4;
    webhookHealth.description = QStringLiteral("when each webhook started failing (serve --disable-after)");
    webhookHealth.statements = {
        // NULL: the last attempt succeeded, or there was none since the webhook was (re-)enabled.
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN failing_since BIGINT"),
    };
    Migration replayAndRotation;
    replayAndRotation.version = 5;
    replayAndRotation.description = QStringLiteral(
        "secret rotation grace period; what a replay to another URL or with an edited payload changed");
    replayAndRotation.statements = {
        // The secret before the last rotation signs next to the new one until it expires (NULL: no grace).
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at BIGINT"),
        // JSON (AttemptOverride); empty for attempts that were sent as configured.
        QStringLiteral("ALTER TABLE attempts ADD COLUMN replay_override TEXT NOT NULL DEFAULT ''"),
    };
    Migration textSearch;
    textSearch.version = 6;
    textSearch.description =
        QStringLiteral("substring index over events' repository and tag (the console's text filter)");
    textSearch.dialectStatements.insert(
        QStringLiteral("sqlite"),
        {
            // An FTS5 table over the events' own columns (external content: the text is not stored twice),
            // with the trigram tokenizer, whose index answers any substring of 3 characters or more.
            QStringLiteral("CREATE VIRTUAL TABLE events_text USING fts5(repository, tag, content='events', "
                           "content_rowid='id', tokenize='trigram')"),
            // Kept in step with events by triggers, so every writer (the intake, the CLI, retention, an
            // older build's INSERT) keeps it right without knowing about it.
            QStringLiteral("CREATE TRIGGER events_text_insert AFTER INSERT ON events BEGIN "
                           "INSERT INTO events_text (rowid, repository, tag) "
                           "VALUES (new.id, new.repository, new.tag); END"),
            QStringLiteral("CREATE TRIGGER events_text_delete AFTER DELETE ON events BEGIN "
                           "INSERT INTO events_text (events_text, rowid, repository, tag) "
                           "VALUES ('delete', old.id, old.repository, old.tag); END"),
            QStringLiteral(
                "CREATE TRIGGER events_text_update AFTER UPDATE OF repository, tag ON events BEGIN "
                "INSERT INTO events_text (events_text, rowid, repository, tag) "
                "VALUES ('delete', old.id, old.repository, old.tag); "
                "INSERT INTO events_text (rowid, repository, tag) "
                "VALUES (new.id, new.repository, new.tag); END"),
            // The events stored before this version (about 7 s for a million on the test machine).
            QStringLiteral("INSERT INTO events_text (events_text) VALUES ('rebuild')"),
        });
    textSearch.dialectStatements.insert(
        QStringLiteral("postgresql"),
        {
            // pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it without
            // being a superuser. Where it cannot be created (not installed, no CREATE right), the migration
            // still succeeds and the text filter scans; docs/deployment.md says how to add the indexes later.
            QStringLiteral(
                "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; "
                "EXCEPTION WHEN OTHERS THEN "
                "RAISE WARNING 'pg_trgm not available (%), the text filter scans events', SQLERRM; "
                "END $$"),
            QStringLiteral(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
                "CREATE INDEX events_repository_trgm ON events USING gin (repository gin_trgm_ops); "
                "CREATE INDEX events_tag_trgm ON events USING gin (tag gin_trgm_ops); "
                "END IF; END $$"),
        });
    Migration textIndexMerging;
    textIndexMerging.version = 7;
    textIndexMerging.description =
        QStringLiteral("the text index merges its segments in small steps instead of stalling a commit");
    textIndexMerging.dialectStatements.insert(
        QStringLiteral("sqlite"),
        {
            // FTS5 writes a new segment per transaction, and the group-committing intake makes many small
            // ones. With FTS5's defaults (automerge 4, crisismerge 16) the incremental merges fall behind
            // and a "crisis merge" of a whole level runs inside whichever intake commit hits the limit: the
            // slowest 1 % of intake requests waited twice as long (docs/performance.md). Merging once 16
            // segments share a level, with the crisis limit out of reach, keeps the work spread over the
            // commits; a search reads a few more segments (a long phrase 5 -> 10 ms over 400,000 events).
            // The settings live in the index's own config table, so every connection follows them.
            QStringLiteral("INSERT INTO events_text (events_text, rank) VALUES ('automerge', 16)"),
            QStringLiteral("INSERT INTO events_text (events_text, rank) VALUES ('crisismerge', 64)"),
        });
    Migration deferredTextIndex;
    deferredTextIndex.version = 8;
    deferredTextIndex.description =
        QStringLiteral("new events join the text index in batches after their commit (TextIndexer)");
    deferredTextIndex.dialectStatements.insert(
        QStringLiteral("sqlite"),
        {
            // Every event with an id up to indexed_up_to is in events_text; the ones above it are not yet.
            // Ids only grow (AUTOINCREMENT) and SQLite has one writer at a time, so no event can appear
            // below the mark after the indexer moved it. The events stored so far were indexed by the
            // insert trigger this version drops.
            QStringLiteral("CREATE TABLE text_index_progress (id INTEGER PRIMARY KEY CHECK (id = 1), "
                           "indexed_up_to INTEGER NOT NULL)"),
            QStringLiteral("INSERT INTO text_index_progress (id, indexed_up_to) "
                           "SELECT 1, COALESCE(MAX(id), 0) FROM events"),
            // Indexing each intake commit's few events made FTS5 write and merge a segment per commit: a
            // fifth of the intake's CPU (docs/performance.md). The TextIndexer now adds them in batches.
            QStringLiteral("DROP TRIGGER events_text_insert"),
            // An external-content index must be told the exact text it holds; telling it to delete a row
            // it never indexed corrupts it. So deletes and updates touch only rows below the mark.
            QStringLiteral("DROP TRIGGER events_text_delete"),
            QStringLiteral("DROP TRIGGER events_text_update"),
            QStringLiteral("CREATE TRIGGER events_text_delete AFTER DELETE ON events "
                           "WHEN old.id <= (SELECT indexed_up_to FROM text_index_progress) BEGIN "
                           "INSERT INTO events_text (events_text, rowid, repository, tag) "
                           "VALUES ('delete', old.id, old.repository, old.tag); END"),
            QStringLiteral("CREATE TRIGGER events_text_update AFTER UPDATE OF repository, tag ON events "
                           "WHEN old.id <= (SELECT indexed_up_to FROM text_index_progress) BEGIN "
                           "INSERT INTO events_text (events_text, rowid, repository, tag) "
                           "VALUES ('delete', old.id, old.repository, old.tag); "
                           "INSERT INTO events_text (rowid, repository, tag) "
                           "VALUES (new.id, new.repository, new.tag); END"),
        });
    Migration finishedPerWebhook;
    finishedPerWebhook.version = 9;
    finishedPerWebhook.description =
        QStringLiteral("finished deliveries per webhook: an index for the per-webhook retention limit");
    finishedPerWebhook.statements = {
        // The retention limit keeps the newest finished deliveries of each webhook. Without this index it
        // walked deliveries_by_webhook and read every row's state, pending ones included: 25-50 ms on the
        // engine's thread per batch of 500 for a webhook with 100,000 rows (docs/performance.md).
        QStringLiteral("CREATE INDEX deliveries_finished_by_webhook ON deliveries (webhook_id, id) "
                       "WHERE state IN ('succeeded', 'failed', 'cancelled')"),
    };
    Migration textIndexFile;
    textIndexFile.version = 10;
    textIndexFile.description = QStringLiteral(
        "the text index moves to a file of its own, written on a thread of its own (TextIndexFile)");
    textIndexFile.dialectStatements.insert(
        QStringLiteral("sqlite"),
        {
            // FTS5 merges segments inside the transaction that adds rows, and under the database's one
            // write lock every intake commit waited for it (docs/performance.md). The engine's TextIndexer
            // rebuilds the index in <database>-textindex from the events, in the background; the console
            // finds what is not indexed yet with LIKE meanwhile.
            QStringLiteral("DROP TRIGGER events_text_delete"),
            QStringLiteral("DROP TRIGGER events_text_update"),
            QStringLiteral("DROP TABLE events_text"),
            QStringLiteral("DROP TABLE text_index_progress"),
        });
    Migration finishedWithoutList;
    finishedWithoutList.version = 11;
    finishedWithoutList.description = QStringLiteral(
        "the finished-delivery indexes name the two unfinished states instead of three finished");
    finishedWithoutList.statements = {
        // Every UPDATE of a delivery evaluates both indexes' conditions for the old and the new row, and
        // SQLite evaluates an IN list of three or more constants through a temporary b-tree: four of them
        // per update, two updates per delivery, about a fifth of the engine's work per delivery
        // (docs/performance.md). Two constants it compares one by one.
        QStringLiteral("DROP INDEX deliveries_finished"),
        QStringLiteral("DROP INDEX deliveries_finished_by_webhook"),
        QStringLiteral("CREATE INDEX deliveries_finished ON deliveries (updated_at) "
                       "WHERE state NOT IN ('pending', 'in_flight')"),
        QStringLiteral("CREATE INDEX deliveries_finished_by_webhook ON deliveries (webhook_id, id) "
                       "WHERE state NOT IN ('pending', 'in_flight')"),
    };
    Migration stateIndexes;
    stateIndexes.version = 12;
    stateIndexes.description =
        QStringLiteral("deliveries_by_state gives way to a partial index of the finished states");
    stateIndexes.statements = {
        // deliveries_by_state (state, id) moved every delivery's entry twice on its way through pending and
        // in_flight, and the entries a stuck webhook leaves in the pending range spread over pages that the
        // claims of every other webhook kept emptying: with one slow and one refusing endpoint the healthy
        // ones fell to 0.79 x their rate (docs/performance.md). Unfinished deliveries are counted and listed
        // through the partial indexes of the queue (deliveries_due, deliveries_leases); this one gets an
        // entry once, when a delivery finishes, and serves the failed count, "replay failed" and the
        // console's state filter (deliveryStateCondition).
        QStringLiteral("DROP INDEX deliveries_by_state"),
        QStringLiteral("CREATE INDEX deliveries_finished_by_state ON deliveries (state, id) "
                       "WHERE state NOT IN ('pending', 'in_flight')"),
    };
    return {base,
            security,
            intakeFormats,
            webhookHealth,
            replayAndRotation,
            textSearch,
            textIndexMerging,
            deferredTextIndex,
            finishedPerWebhook,
            textIndexFile,
            finishedWithoutList,
            stateIndexes};
}

Migrations::Migrations(QList<Migration> migrations)
    : m_migrations(std::move(migrations))
{}

int Migrations::latestVersion() const
{
    return m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
}

int Migrations::currentVersion(QSqlDatabase &db, QString *error)
{
    if (!db.tables().contains(QStringLiteral("schema_migrations")))
        return 0;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !query.next()) {
        *error = query.lastError().text();
        return -1;
    }
    return query.value(0).toInt();
}

bool Migrations::apply(QSqlDatabase &db, const SqlDialect &dialect, QString *error) const
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)"))) {
        *error =
            QStringLiteral("cannot create the schema_migrations table: %1").arg(query.lastError().text());
        return false;
    }
    for (const Migration &migration : m_migrations) {
        // Read the version inside the write lock: two processes starting on a new database must not both
        // migrate.
        const QString migrationLock = dialect.migrationLockStatement();
        if (!query.exec(dialect.beginWriteStatement()) ||
            (!migrationLock.isEmpty() && !query.exec(migrationLock))) {
            *error =
                QStringLiteral("cannot lock the database for migration: %1").arg(query.lastError().text());
            return false;
        }
        const int current = currentVersion(db, error);
        if (current < 0 || current > latestVersion()) {
            query.exec(QStringLiteral("ROLLBACK"));
            if (current > latestVersion()) {
                *error =
                    QStringLiteral("the database has schema version %1, newer than this build of Tidings "
                                   "knows (%2); use a newer Tidings")
                        .arg(current)
                        .arg(latestVersion());
            }
            return false;
        }
        if (current >= migration.version) {
            query.exec(QStringLiteral("COMMIT"));
            continue;
        }
        const QStringList statements =
            migration.statements + migration.dialectStatements.value(dialect.name());
        for (const QString &statement : statements) {
            if (!query.exec(dialect.expandSchema(statement))) {
                *error = QStringLiteral("migration %1 (%2) failed, the database stays at version %3: %4")
                             .arg(migration.version)
                             .arg(migration.description)
                             .arg(current)
                             .arg(query.lastError().text());
                query.exec(QStringLiteral("ROLLBACK"));
                return false;
            }
        }
        query.prepare(QStringLiteral(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)"));
        query.addBindValue(migration.version);
        query.addBindValue(migration.description);
        query.addBindValue(QDateTime::currentMSecsSinceEpoch());
        if (!query.exec() || !query.exec(QStringLiteral("COMMIT"))) {
            *error = QStringLiteral("cannot record migration %1: %2")
                         .arg(migration.version)
                         .arg(query.lastError().text());
            query.exec(QStringLiteral("ROLLBACK"));
            return false;
        }
    }
    return true;
}
