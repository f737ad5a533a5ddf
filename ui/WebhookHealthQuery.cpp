#include "WebhookHealthQuery.h"

#include <QSqlDatabase>
#include <QSqlQuery>

QHash<qint64, WebhookHealth> WebhookHealthQuery::load(const QString &connectionName, const QDateTime &since)
{
    QHash<qint64, WebhookHealth> health;
    QSqlDatabase db = QSqlDatabase::database(connectionName);
    // Finished deliveries by their last change, through the partial index deliveries_finished: left alone,
    // SQLite prefers deliveries_by_state and walks every finished delivery ever (0.4 s at a million).
    QSqlQuery finished(db);
    finished.setForwardOnly(true);
    finished.prepare(QStringLiteral("SELECT webhook_id, SUM(state = 'succeeded'), SUM(state = 'failed') "
                                    "FROM deliveries INDEXED BY deliveries_finished "
                                    "WHERE state IN ('succeeded', 'failed', 'cancelled') "
                                    "AND updated_at >= ? GROUP BY webhook_id"));
    finished.addBindValue(since.toMSecsSinceEpoch());
    if (finished.exec()) {
        while (finished.next()) {
            WebhookHealth &h = health[finished.value(0).toLongLong()];
            h.succeeded = finished.value(1).toInt();
            h.failed = finished.value(2).toInt();
        }
    }
    // The latest delivery of each webhook: one index probe per webhook (deliveries_by_webhook).
    QSqlQuery webhooks(db);
    webhooks.setForwardOnly(true);
    if (!webhooks.exec(QStringLiteral("SELECT id FROM webhooks")))
        return health;
    QSqlQuery latest(db);
    latest.prepare(
        QStringLiteral("SELECT created_at, state, last_status FROM deliveries WHERE webhook_id = ? "
                       "ORDER BY id DESC LIMIT 1"));
    while (webhooks.next()) {
        const qint64 id = webhooks.value(0).toLongLong();
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
