#include "BenchSeeder.h"

#include "PostgresDialect.h"
#include "RegistryEvent.h"
#include "Store.h"
#include "TextIndexFile.h"
#include "WebhookConfig.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace {

QByteArray sampleEvent()
{
    QFile file(QStringLiteral(TIDINGS_BENCH_DATA_DIR "/push-manifest.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    const QJsonObject event =
        QJsonDocument::fromJson(file.readAll()).object().value(u"events").toArray().first().toObject();
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

} // namespace

bool BenchSeeder::seed(const QString &dbPath, const Plan &plan, QString *error)
{
    Store store(Store::dialectFor(dbPath, error, /*fullDurability=*/false));
    if (!store.open(dbPath, error))
        return false;
    QList<qint64> webhookIds;
    for (int i = 0; i < plan.webhookUrls.size(); ++i) {
        WebhookConfig webhook;
        webhook.name = QStringLiteral("bench-%1").arg(i);
        webhook.url = plan.webhookUrls.at(i).toString();
        webhook.secret = plan.secret;
        webhook.concurrency = plan.concurrency;
        webhook.timeoutMs = 10000;
        webhook.retryScheduleSeconds = {1, 2, 5};
        const qint64 id = store.insertWebhook(webhook);
        if (id == 0) {
            *error = store.lastError();
            return false;
        }
        webhookIds.append(id);
    }
    if (webhookIds.isEmpty()) {
        *error = QStringLiteral("no webhook URLs");
        return false;
    }

    const QByteArray sample = sampleEvent();
    const QByteArray sampleId = "c23898ed-87ca-498e-8f04-277d89c31ee7";
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 total = plan.finished + plan.pending;
    constexpr qint64 rowsPerCommit = 20000;
    QList<qint64> finishedIds;
    QList<QPair<qint64, qint64>> dueTimes;
    for (qint64 i = 0; i < total; ++i) {
        if (i % rowsPerCommit == 0 && !store.beginWrite()) {
            *error = store.lastError();
            return false;
        }
        const bool pending = i >= plan.finished;
        const qint64 pendingIndex = i - plan.finished;
        qint64 dueMs = nowMs;
        QByteArray eventId = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        if (pending && plan.dueFromUs > 0) {
            const qint64 dueUs =
                plan.dueFromUs + pendingIndex * plan.dueSpreadMs * 1000 / qMax<qint64>(1, plan.pending);
            dueMs = dueUs / 1000;
            eventId = 't' + QByteArray::number(dueMs * 1000) + '-' + QByteArray::number(pendingIndex);
        }
        RegistryEvent event;
        event.eventId = QString::fromLatin1(eventId);
        event.timestamp = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC);
        event.action = QStringLiteral("push");
        event.repository = QStringLiteral("bench/app");
        event.tag = QStringLiteral("v%1").arg(i % 1000);
        event.digest =
            QStringLiteral("sha256:5f71e537ad052bd770c8d4eb2130a9738b6a882c3e818bc366c931538c180f31");
        event.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
        event.size = 401;
        event.sourceAddr = QStringLiteral("bench:5000");
        event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v2+json");
        event.rawJson = QByteArray(sample).replace(sampleId, eventId);
        event.receivedAt = event.timestamp;
        const qint64 eventRow = store.insertEvent(event);
        const qint64 webhookId = webhookIds.at(int(i % webhookIds.size()));
        const qint64 deliveryRow =
            eventRow > 0
                ? store.insertDelivery(eventRow, webhookId, QStringLiteral("msg_bench_%1").arg(i), dueMs)
                : -1;
        if (deliveryRow <= 0) {
            *error = store.lastError();
            store.rollback();
            return false;
        }
        if (!pending)
            finishedIds.append(deliveryRow);
        else if (dueMs != nowMs)
            dueTimes.append({deliveryRow, dueMs});
        if ((i + 1) % rowsPerCommit == 0 || i + 1 == total) {
            if (!store.commit()) {
                *error = store.lastError();
                return false;
            }
        }
    }
    // A running engine adds the events it stores to the text index within moments (TextIndexer); the
    // seeded database must be in that state too, or the first minutes of every figure measured on it are
    // the indexer catching up on events it never saw arrive (15 % of the engine's thread in a drain of the
    // million-row queue, when it ran there; on its own thread it still takes its share of the two cores).
    store.close();
    if (!PostgresDialect::isLocation(dbPath)) {
        TextIndexFile index;
        if (!index.open(dbPath, error))
            return false;
        for (int indexed = 1; indexed > 0;) {
            indexed = index.indexBatch(100000);
            if (indexed < 0) {
                *error = index.lastError();
                return false;
            }
        }
    }
    if (finishedIds.isEmpty() && dueTimes.isEmpty())
        return true; // every row is pending and due now, as the Store wrote it (the PostgreSQL figures)
    if (PostgresDialect::isLocation(dbPath)) {
        *error = QStringLiteral("history rows and due times are seeded on SQLite only");
        return false;
    }
    // The Store writes rows as the intake does (pending, due now); the history and the due times are set
    // here, with plain SQL on a connection of the seeder's own.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("seeder"));
        db.setDatabaseName(dbPath);
        if (!db.open()) {
            *error = db.lastError().text();
            return false;
        }
        db.transaction();
        QSqlQuery finish(db);
        finish.prepare(QStringLiteral("UPDATE deliveries SET state = 'succeeded', next_attempt_at = NULL, "
                                      "attempts = 1, total_attempts = 1, last_status = 200 WHERE id = ?"));
        for (qint64 id : std::as_const(finishedIds)) {
            finish.bindValue(0, id);
            if (!finish.exec()) {
                *error = finish.lastError().text();
                return false;
            }
        }
        QSqlQuery due(db);
        due.prepare(QStringLiteral("UPDATE deliveries SET next_attempt_at = ? WHERE id = ?"));
        for (const auto &[id, dueMs] : std::as_const(dueTimes)) {
            due.bindValue(0, dueMs);
            due.bindValue(1, id);
            if (!due.exec()) {
                *error = due.lastError().text();
                return false;
            }
        }
        db.commit();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("seeder"));
    return true;
}
