#include "RecentEventsQuery.h"

#include <QSqlDatabase>
#include <QSqlQuery>

QList<RegistryEvent> RecentEventsQuery::load(const QString &connectionName, int limit)
{
    QList<RegistryEvent> events;
    QSqlQuery query(QSqlDatabase::database(connectionName));
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT id, event_id, received_at, occurred_at, action, repository, tag, digest, "
                       "media_type, size, source_addr, source_instance, actor, content_type, payload "
                       "FROM events ORDER BY id DESC LIMIT ?"));
    query.addBindValue(limit);
    if (!query.exec())
        return events;
    while (query.next()) {
        RegistryEvent e;
        e.rowId = query.value(0).toLongLong();
        e.eventId = query.value(1).toString();
        e.receivedAt = QDateTime::fromMSecsSinceEpoch(query.value(2).toLongLong(), Qt::UTC);
        e.timestamp = QDateTime::fromMSecsSinceEpoch(query.value(3).toLongLong(), Qt::UTC);
        e.action = query.value(4).toString();
        e.repository = query.value(5).toString();
        e.tag = query.value(6).toString();
        e.digest = query.value(7).toString();
        e.mediaType = query.value(8).toString();
        e.size = query.value(9).toLongLong();
        e.sourceAddr = query.value(10).toString();
        e.sourceInstance = query.value(11).toString();
        e.actor = query.value(12).toString();
        e.contentType = query.value(13).toString().toLatin1();
        e.rawJson = query.value(14).toByteArray();
        events.append(e);
    }
    return events;
}
