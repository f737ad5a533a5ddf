#include "DeliveryLogQuery.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace {

QDateTime fromMs(const QVariant &value)
{
    return value.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

QString orderExpression(DeliveryLogQuery::SortKey key, bool descending)
{
    const QString dir = descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    QString expr;
    switch (key) {
    case DeliveryLogQuery::ByTime:
        break;
    case DeliveryLogQuery::ByWebhook:
        expr = QStringLiteral("w.name") + dir + QStringLiteral(", ");
        break;
    case DeliveryLogQuery::ByEvent:
        expr = QStringLiteral("e.repository") + dir + QStringLiteral(", e.tag") + dir + QStringLiteral(", ");
        break;
    case DeliveryLogQuery::ByStatus:
        expr = QStringLiteral("d.state") + dir + QStringLiteral(", ");
        break;
    case DeliveryLogQuery::ByAttempts:
        expr = QStringLiteral("d.total_attempts") + dir + QStringLiteral(", ");
        break;
    case DeliveryLogQuery::ByHttpStatus:
        expr = QStringLiteral("d.last_status") + dir + QStringLiteral(", ");
        break;
    case DeliveryLogQuery::ByNextRetry:
        expr = QStringLiteral("d.next_attempt_at") + dir + QStringLiteral(", ");
        break;
    }
    // The id makes the order total, so a page boundary never drops or repeats a row.
    return QStringLiteral(" ORDER BY ") + expr + QStringLiteral("d.id") + dir;
}

} // namespace

DeliveryLogQuery::DeliveryLogQuery()
{
    static QAtomicInteger<int> counter;
    m_connectionName = QStringLiteral("tidings-ui-log-%1").arg(counter.fetchAndAddRelaxed(1));
}

DeliveryLogQuery::~DeliveryLogQuery()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool DeliveryLogQuery::open(const QString &databaseLocation, QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(databaseLocation);
    // Read-only: the console never writes through this connection; the engine does all writing.
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=1000"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    return true;
}

QString DeliveryLogQuery::whereClause(const DeliveryLogFilter &filter, const QDateTime &since,
                                      bool *needsEvents) const
{
    QString sql = QStringLiteral(" WHERE 1 = 1");
    *needsEvents = false;
    if (!filter.state.isEmpty())
        sql += QStringLiteral(" AND d.state = :state");
    if (filter.webhookId > 0)
        sql += QStringLiteral(" AND d.webhook_id = :webhook");
    const QString text = filter.text.trimmed();
    if (!text.isEmpty()) {
        *needsEvents = true;
        if (text.contains(QLatin1Char(':')))
            sql += QStringLiteral(
                " AND e.repository LIKE :repository ESCAPE '\\' AND e.tag LIKE :tag ESCAPE '\\'");
        else
            sql +=
                QStringLiteral(" AND (e.repository LIKE :text ESCAPE '\\' OR e.tag LIKE :text ESCAPE '\\')");
    }
    int low = 0;
    int high = 0;
    bool valid = true;
    if (DeliveryLogFilter::parseHttpStatus(filter.httpStatus, &low, &high, &valid))
        sql += QStringLiteral(" AND d.last_status BETWEEN :low AND :high");
    if (since.isValid())
        sql += QStringLiteral(" AND d.created_at >= :since");
    return sql;
}

void DeliveryLogQuery::bindFilter(QSqlQuery &query, const DeliveryLogFilter &filter,
                                  const QDateTime &since) const
{
    if (!filter.state.isEmpty())
        query.bindValue(QStringLiteral(":state"), filter.state);
    if (filter.webhookId > 0)
        query.bindValue(QStringLiteral(":webhook"), filter.webhookId);
    const QString text = filter.text.trimmed();
    if (!text.isEmpty()) {
        const qsizetype colon = text.indexOf(QLatin1Char(':'));
        if (colon >= 0) {
            query.bindValue(QStringLiteral(":repository"), likePattern(text.left(colon)));
            query.bindValue(QStringLiteral(":tag"), likePattern(text.mid(colon + 1)));
        } else {
            query.bindValue(QStringLiteral(":text"), likePattern(text));
        }
    }
    int low = 0;
    int high = 0;
    bool valid = true;
    if (DeliveryLogFilter::parseHttpStatus(filter.httpStatus, &low, &high, &valid)) {
        query.bindValue(QStringLiteral(":low"), low);
        query.bindValue(QStringLiteral(":high"), high);
    }
    if (since.isValid())
        query.bindValue(QStringLiteral(":since"), since.toMSecsSinceEpoch());
}

int DeliveryLogQuery::count(const DeliveryLogFilter &filter, const QDateTime &since)
{
    bool needsEvents = false;
    const QString where = whereClause(filter, since, &needsEvents);
    // Only the text filter needs the events table; counting the deliveries alone walks a smaller index.
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM deliveries d") +
                  (needsEvents ? QStringLiteral(" JOIN events e ON e.id = d.event_id") : QString()) + where);
    bindFilter(query, filter, since);
    if (!query.exec() || !query.next()) {
        m_lastError = query.lastError().text();
        return 0;
    }
    return query.value(0).toInt();
}

void DeliveryLogQuery::beginSnapshot()
{
    QSqlDatabase::database(m_connectionName).transaction();
}

void DeliveryLogQuery::endSnapshot()
{
    QSqlDatabase::database(m_connectionName).commit();
}

qint64 DeliveryLogQuery::maxId()
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM deliveries")) || !query.next()) {
        m_lastError = query.lastError().text();
        return 0;
    }
    return query.value(0).toLongLong();
}

int DeliveryLogQuery::countNewer(const DeliveryLogFilter &filter, const QDateTime &since, qint64 afterId,
                                 qint64 *maxId)
{
    bool needsEvents = false;
    const QString where = whereClause(filter, since, &needsEvents);
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT COUNT(*), (SELECT COALESCE(MAX(id), 0) FROM deliveries) FROM deliveries d") +
        (needsEvents ? QStringLiteral(" JOIN events e ON e.id = d.event_id") : QString()) + where +
        QStringLiteral(" AND d.id > :after"));
    bindFilter(query, filter, since);
    query.bindValue(QStringLiteral(":after"), afterId);
    if (!query.exec() || !query.next()) {
        m_lastError = query.lastError().text();
        *maxId = afterId;
        return 0;
    }
    *maxId = std::max(afterId, query.value(1).toLongLong());
    return query.value(0).toInt();
}

QList<DeliveryLogRow> DeliveryLogQuery::page(const DeliveryLogFilter &filter, const QDateTime &since,
                                             SortKey key, bool descending, int offset, int limit)
{
    QList<DeliveryLogRow> rows;
    bool needsEvents = false;
    const QString where = whereClause(filter, since, &needsEvents);
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral(
            "SELECT d.id, d.event_id, d.webhook_id, d.message_id, d.state, d.attempts, d.total_attempts, "
            "d.manual, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at, "
            "w.name, e.action, e.repository, e.tag, "
            "(SELECT a.duration_ms FROM attempts a WHERE a.delivery_id = d.id ORDER BY a.number DESC "
            "LIMIT 1) "
            "FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id") +
        where + orderExpression(key, descending) + QStringLiteral(" LIMIT :limit OFFSET :offset"));
    bindFilter(query, filter, since);
    query.bindValue(QStringLiteral(":limit"), limit);
    query.bindValue(QStringLiteral(":offset"), offset);
    if (!query.exec()) {
        m_lastError = query.lastError().text();
        return rows;
    }
    rows.reserve(limit);
    while (query.next()) {
        DeliveryLogRow row;
        DeliveryRecord &d = row.delivery;
        d.id = query.value(0).toLongLong();
        d.eventRowId = query.value(1).toLongLong();
        d.webhookId = query.value(2).toLongLong();
        d.messageId = query.value(3).toString();
        deliveryStateFromName(query.value(4).toString(), &d.state);
        d.attempts = query.value(5).toInt();
        d.totalAttempts = query.value(6).toInt();
        d.manual = query.value(7).toInt() != 0;
        d.nextAttemptAt = fromMs(query.value(8));
        d.lastStatus = query.value(9).toInt();
        d.lastError = query.value(10).toString();
        d.createdAt = fromMs(query.value(11));
        d.updatedAt = fromMs(query.value(12));
        d.webhookName = query.value(13).toString();
        d.action = query.value(14).toString();
        d.repository = query.value(15).toString();
        d.tag = query.value(16).toString();
        row.lastDurationMs = query.value(17).isNull() ? -1 : query.value(17).toInt();
        rows.append(row);
    }
    return rows;
}

QList<qint64> DeliveryLogQuery::failedIds(const DeliveryLogFilter &filter, const QDateTime &since)
{
    QList<qint64> ids;
    if (!filter.state.isEmpty() && filter.state != QLatin1String("failed"))
        return ids;
    bool needsEvents = false;
    const QString where = whereClause(filter, since, &needsEvents);
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT d.id FROM deliveries d") +
                  (needsEvents ? QStringLiteral(" JOIN events e ON e.id = d.event_id") : QString()) + where +
                  (filter.state.isEmpty() ? QStringLiteral(" AND d.state = 'failed'") : QString()) +
                  QStringLiteral(" ORDER BY d.id"));
    bindFilter(query, filter, since);
    if (!query.exec()) {
        m_lastError = query.lastError().text();
        return ids;
    }
    while (query.next())
        ids.append(query.value(0).toLongLong());
    return ids;
}
