#include "WebhookHealthQuery.h"

#include "DeliveryState.h"

#include <QSqlDatabase>
#include <QSqlQuery>

QHash<qint64, WebhookHealth> WebhookHealthQuery::load(const QString &connectionName, const QDateTime &since)
{
    QHash<qint64, WebhookHealth> health;
    QSqlDatabase db = QSqlDatabase::database(connectionName);
    // Finished deliveries by their last change, through the partial index deliveries_finished: left alone,
    // SQLite walks every finished delivery ever (0.4 s at a million) through an index in the GROUP BY's
    // order (deliveries_finished_by_webhook since schema version 12, deliveries_by_state before). PostgreSQL
    // has no index hints (its planner picks the partial index by itself). CASE rather than SUM(state = ...):
    // a comparison is an integer in SQLite but a boolean in PostgreSQL.
    const bool sqlite = db.driverName() == QLatin1String("QSQLITE");
    QSqlQuery finished(db);
    finished.setForwardOnly(true);
    finished.prepare(
        QStringLiteral("SELECT webhook_id, SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END), "
                       "SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) FROM deliveries ") +
        (sqlite ? QStringLiteral("INDEXED BY deliveries_finished ") : QString()) + QStringLiteral("WHERE ") +
        QLatin1String(finishedDeliveryCondition) +
        QStringLiteral(" AND updated_at >= ? GROUP BY webhook_id"));
    finished.addBindValue(since.toMSecsSinceEpoch());
    if (finished.exec()) {
        while (finished.next()) {
            WebhookHealth &h = health[finished.value(0).toLongLong()];
            h.succeeded = finished.value(1).toInt();
            h.failed = finished.value(2).toInt();
        }
    }
    // The latest delivery of each webhook: one index probe per webhook (deliveries_by_webhook). The ids are
    // read first: PostgreSQL streams a forward-only result, and a second query on the connection while the
    // first is being read would discard the rest of it.
    QList<qint64> webhookIds;
    {
        QSqlQuery webhooks(db);
        webhooks.setForwardOnly(true);
        if (!webhooks.exec(QStringLiteral("SELECT id FROM webhooks")))
            return health;
        while (webhooks.next())
            webhookIds.append(webhooks.value(0).toLongLong());
    }
    QSqlQuery latest(db);
    latest.prepare(
        QStringLiteral("SELECT created_at, state, last_status FROM deliveries WHERE webhook_id = ? "
                       "ORDER BY id DESC LIMIT 1"));
    for (const qint64 id : webhookIds) {
        latest.bindValue(0, id);
        if (latest.exec() && latest.next()) {
            WebhookHealth &h = health[id];
            h.lastDeliveryAt = QDateTime::fromMSecsSinceEpoch(latest.value(0).toLongLong(), Qt::UTC);
            deliveryStateFromName(latest.value(1).toString(), &h.lastState);
            h.lastStatus = latest.value(2).toInt();
        }
        latest.finish();
    }
    return health;
}
