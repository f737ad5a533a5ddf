#include "DeliveryLogQuery.h"

#include "DeliveryState.h"
#include "EventTextSearch.h"
#include "PostgresDialect.h"
#include "TextIndexFile.h"

#include <QAtomicInteger>
#include <QDebug>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace {

QDateTime fromMs(const QVariant &value)
{
    return value.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
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
    m_location = databaseLocation;
    if (PostgresDialect::isLocation(databaseLocation)) {
        // The same URL parsing and connection settings as the engine's store.
        PostgresDialect dialect;
        QSqlDatabase db = QSqlDatabase::addDatabase(dialect.driverName(), m_connectionName);
        if (!dialect.configure(db, databaseLocation, error))
            return false;
        db.setConnectOptions(QStringLiteral("connect_timeout=10;application_name=tidings-console"));
        if (!db.open()) {
            *error = db.lastError().text();
            return false;
        }
        // Read-only, as on SQLite: the console never writes through this connection; the engine does.
        QSqlQuery query(db);
        if (!dialect.prepareConnection(db, error))
            return false;
        if (!query.exec(QStringLiteral("SET default_transaction_read_only = on"))) {
            *error = query.lastError().text();
            return false;
        }
        m_backend = dialect.name();
        return true;
    }
    m_backend = QStringLiteral("sqlite");
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(databaseLocation);
    // Read-only: the console never writes through this connection; the engine does all writing. (SQLite
    // still lets it keep temporary tables, which the text filter uses.)
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=1000"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    attachTextIndex();
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA temp_store = MEMORY")) ||
        !query.exec(
            QStringLiteral("CREATE TEMP TABLE IF NOT EXISTS log_text_matches (id INTEGER PRIMARY KEY)"))) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

bool DeliveryLogQuery::attachTextIndex()
{
    // The text index is a file of its own (schema version 10), written by the engine's TextIndexer, which
    // creates it on its thread moments after the engine starts: a log opened before that attaches it at the
    // next snapshot (outside a transaction: SQLite refuses ATTACH inside one). Attached read-only, as this
    // connection is; until then the text filter scans.
    if (m_textIndexAttached || m_backend != QLatin1String("sqlite"))
        return m_textIndexAttached;
    const QString path = TextIndexFile::pathFor(m_location);
    if (!QFile::exists(path))
        return false;
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("ATTACH DATABASE ? AS ") + TextIndexFile::attachedName());
    query.addBindValue(path);
    m_textIndexAttached = query.exec();
    if (!m_textIndexAttached)
        qWarning().noquote() << "the console's text filter scans: cannot read the text index:"
                             << query.lastError().text();
    return m_textIndexAttached;
}

void DeliveryLogQuery::prepareTextFilter(const DeliveryLogFilter &filter)
{
    const QString text = filter.text.trimmed();
    const QString statement = EventTextSearch(m_backend).matchStatement();
    const QString expression = EventTextSearch::matchExpression(text);
    if (text.isEmpty() || statement.isEmpty() || expression.isEmpty()) {
        m_textMode = text.isEmpty() ? TextMode::None : TextMode::Scan;
        m_matchedText.clear();
        return;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM events")) || !query.next()) {
        m_lastError = query.lastError().text();
        m_textMode = TextMode::Scan;
        m_matchedText.clear();
        return;
    }
    const qint64 upTo = query.value(0).toLongLong();
    query.finish();
    const bool sameText = text == m_matchedText;
    if (sameText && (m_textMode == TextMode::Scan || upTo <= m_matchedUpTo))
        return;
    // On SQLite new events join the index in batches after their commit: the index holds every event up to
    // its mark, and the few above it are looked for with LIKE. When the mark cannot be read (no index file
    // yet), every event is. PostgreSQL's indexes follow every insert.
    const QString markStatement = EventTextSearch(m_backend).indexedUpToStatement();
    qint64 indexedUpTo = markStatement.isEmpty() ? upTo : 0;
    if (!markStatement.isEmpty() && query.exec(markStatement) && query.next())
        indexedUpTo = qMin(upTo, query.value(0).toLongLong());
    query.finish();
    if (!sameText) {
        query.exec(QStringLiteral("DELETE FROM temp.log_text_matches"));
        m_matchedText = text;
        m_matchedUpTo = 0;
        m_textMode = TextMode::Indexed;
    }
    // A new text: stop one past the limit, which says "too many to be worth it". Later additions: all.
    const int limit = sameText ? -1 : textMatchLimit + 1;
    int matched = 0;
    auto collect = [&](const QString &select, const QVariantList &values) {
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO temp.log_text_matches (id) ") + select);
        for (const QVariant &value : values)
            insert.addBindValue(value);
        insert.addBindValue(limit);
        if (!insert.exec()) {
            m_lastError = insert.lastError().text();
            return false;
        }
        matched += insert.numRowsAffected();
        return true;
    };
    bool ok = true;
    if (indexedUpTo > m_matchedUpTo)
        ok = collect(statement, {expression, m_matchedUpTo, indexedUpTo});
    if (ok && upTo > qMax(m_matchedUpTo, indexedUpTo)) {
        bool bothParts = false;
        const QStringList patterns = EventTextSearch::likePatterns(text, &bothParts);
        ok = collect(EventTextSearch::likeStatement(bothParts),
                     {qMax(m_matchedUpTo, indexedUpTo), upTo, patterns.at(0), patterns.at(1)});
    }
    if (!ok) {
        m_textMode = TextMode::Scan;
        m_matchedText.clear();
        return;
    }
    if (!sameText && matched > textMatchLimit) {
        // A broad text (say "team/"): walking the log in order and stopping at a page is quicker than
        // joining and sorting most of the history.
        query.exec(QStringLiteral("DELETE FROM temp.log_text_matches"));
        m_textMode = TextMode::Scan;
    }
    m_matchedUpTo = upTo;
}

QString DeliveryLogQuery::whereClause(const DeliveryLogFilter &filter, const QDateTime &since,
                                      bool *needsEvents) const
{
    QString sql = QStringLiteral(" WHERE 1 = 1");
    *needsEvents = false;
    if (!filter.state.isEmpty())
        sql += QStringLiteral(" AND ") + deliveryStateCondition(filter.state, QStringLiteral("d"));
    if (filter.webhookId > 0)
        sql += QStringLiteral(" AND d.webhook_id = :webhook");
    const QString text = filter.text.trimmed();
    if (!text.isEmpty() && textServedByMatches(text)) {
        sql += QStringLiteral(" AND d.event_id IN (SELECT id FROM temp.log_text_matches)");
    } else if (!text.isEmpty()) {
        *needsEvents = true;
        const QString like = EventTextSearch(m_backend).likeOperator();
        // Each placeholder once: QPSQL binds a name used twice in one statement unreliably.
        if (text.contains(QLatin1Char(':')))
            sql +=
                QStringLiteral(" AND e.repository %1 :repository ESCAPE '\\' AND e.tag %1 :tag ESCAPE '\\'")
                    .arg(like);
        else
            sql += QStringLiteral(" AND (e.repository %1 :text1 ESCAPE '\\' OR e.tag %1 :text2 ESCAPE '\\')")
                       .arg(like);
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
    if (filter.webhookId > 0)
        query.bindValue(QStringLiteral(":webhook"), filter.webhookId);
    const QString text = filter.text.trimmed();
    if (!text.isEmpty() && !textServedByMatches(text)) {
        bool bothParts = false;
        const QStringList patterns = EventTextSearch::likePatterns(text, &bothParts);
        query.bindValue(bothParts ? QStringLiteral(":repository") : QStringLiteral(":text1"), patterns.at(0));
        query.bindValue(bothParts ? QStringLiteral(":tag") : QStringLiteral(":text2"), patterns.at(1));
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

bool DeliveryLogQuery::textServedByMatches(const QString &text) const
{
    return m_textMode == TextMode::Indexed && text == m_matchedText;
}

void DeliveryLogQuery::beginSnapshot()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (backend() == QLatin1String("postgresql")) {
        // READ COMMITTED would give each statement its own snapshot; the counts must agree.
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")))
            m_lastError = query.lastError().text();
        return;
    }
    attachTextIndex(); // SQLite refuses ATTACH inside a transaction
    db.transaction();
}

void DeliveryLogQuery::endSnapshot()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (backend() == QLatin1String("postgresql")) {
        QSqlQuery query(db);
        query.exec(QStringLiteral("COMMIT"));
        return;
    }
    db.commit();
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
    // The page's ids first, then their columns: when the database has to sort the matching rows (an indexed
    // text filter, another sort key) it sorts ids, and reads the columns and the last attempt's duration for
    // the 200 rows of the page only (3 times quicker for 20,000 matches on SQLite).
    const QString joins =
        QStringLiteral(" JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id");
    const QString order = orderExpression(key, descending);
    query.prepare(
        QStringLiteral(
            "SELECT d.id, d.event_id, d.webhook_id, d.message_id, d.state, d.attempts, d.total_attempts, "
            "d.manual, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at, "
            "w.name, e.action, e.repository, e.tag, "
            "(SELECT a.duration_ms FROM attempts a WHERE a.delivery_id = d.id ORDER BY a.number DESC "
            "LIMIT 1) FROM (SELECT d.id AS page_id FROM deliveries d") +
        joins + where + order +
        QStringLiteral(" LIMIT :limit OFFSET :offset) p JOIN deliveries d ON d.id = p.page_id") + joins +
        order);
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
    query.prepare(
        QStringLiteral("SELECT d.id FROM deliveries d") +
        (needsEvents ? QStringLiteral(" JOIN events e ON e.id = d.event_id") : QString()) + where +
        (filter.state.isEmpty()
             ? QStringLiteral(" AND ") + deliveryStateCondition(QStringLiteral("failed"), QStringLiteral("d"))
             : QString()) +
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
