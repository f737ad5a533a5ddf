#include "Store.h"

#include "PostgresDialect.h"

#include "Migrations.h"

#include "SqliteDialect.h"
#include "SqliteStatement.h"
#include "WalCheckpointer.h"
#include <algorithm>
#include <chrono>
#include <numeric>
#include <utility>

#include <QAtomicInt>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QTimeZone>
#include <QVariant>

Q_LOGGING_CATEGORY(lcStore, "tidings.store")

namespace {

// How long a deferred commit may wait for its WAL sync: what a power loss can take of them. PostgreSQL's
// asynchronous commits wait for its WAL writer, which wakes every 200 ms by default.
constexpr std::chrono::milliseconds kDeferredSyncWithin{200};

QAtomicInt connectionCounter;

// Qt binds a null QString as SQL NULL; the schema's text columns are NOT NULL with '' for "none".
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

qint64 toMs(const QDateTime &time)
{
    return time.isValid() ? time.toMSecsSinceEpoch() : 0;
}

QDateTime fromMs(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QString listToJson(const QStringList &list)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QStringList listFromJson(const QVariant &value)
{
    QStringList list;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array)
        list.append(item.toString());
    return list;
}

QString intsToJson(const QList<int> &values)
{
    QJsonArray array;
    for (int v : values)
        array.append(v);
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QList<int> intsFromJson(const QVariant &value)
{
    QList<int> values;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array)
        values.append(item.toInt());
    return values;
}

// Appends `utf8` as a JSON string. Runs of plain characters go in with one append each: an attempt
// stores about twenty of these strings, and a character-at-a-time loop was most of their cost.
void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        out.append(utf8.sliced(plainFrom, i - plainFrom));
        plainFrom = i + 1;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(utf8.sliced(plainFrom));
    out += '"';
}

// Header bytes are Latin-1 (QNetworkRequest::rawHeader); only bytes above 0x7f need converting to UTF-8.
void appendJsonLatin1String(QByteArray &out, const QByteArray &latin1)
{
    const bool ascii = std::all_of(latin1.cbegin(), latin1.cend(), [](char c) { return uchar(c) < 0x80; });
    appendJsonString(out, ascii ? latin1 : QString::fromLatin1(latin1).toUtf8());
}

// [["name","value"],...]. Written directly rather than through QJsonArray: every attempt stores two of
// these, and building a JSON DOM for them was a visible part of the cost of a delivery.
template<typename Pairs> QByteArray pairsToJsonUtf8(const Pairs &pairs)
{
    QByteArray out;
    out.reserve(64 * (pairs.size() + 1));
    out += '[';
    bool first = true;
    for (const auto &pair : pairs) {
        if (!first)
            out += ',';
        first = false;
        out += '[';
        if constexpr (std::is_same_v<std::decay_t<decltype(pair.first)>, QString>) {
            appendJsonString(out, pair.first.toUtf8());
            out += ',';
            appendJsonString(out, pair.second.toUtf8());
        } else {
            appendJsonLatin1String(out, pair.first);
            out += ',';
            appendJsonLatin1String(out, pair.second);
        }
        out += ']';
    }
    out += ']';
    return out;
}

template<typename Pairs> QString pairsToJson(const Pairs &pairs)
{
    return QString::fromUtf8(pairsToJsonUtf8(pairs));
}

AttemptRecord::Headers byteHeadersFromJson(const QVariant &value)
{
    AttemptRecord::Headers headers;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array) {
        const QJsonArray pair = item.toArray();
        headers.append({pair.at(0).toString().toLatin1(), pair.at(1).toString().toLatin1()});
    }
    return headers;
}

QList<QPair<QString, QString>> stringHeadersFromJson(const QVariant &value)
{
    QList<QPair<QString, QString>> headers;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array) {
        const QJsonArray pair = item.toArray();
        headers.append({pair.at(0).toString(), pair.at(1).toString()});
    }
    return headers;
}

const QString deliveryColumns = QStringLiteral(
    "d.id, d.event_id, d.webhook_id, d.message_id, d.state, d.attempts, d.total_attempts, d.manual, "
    "d.next_attempt_at, d.lease_owner, d.lease_expires_at, d.last_status, d.last_error, d.created_at, "
    "d.updated_at, "
    "w.name, e.action, e.repository, e.tag");
const QString deliveryJoins = QStringLiteral(
    " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id");
const QString eventColumns =
    QStringLiteral("e.id, e.event_id, e.received_at, e.occurred_at, e.action, e.repository, e.tag, e.digest, "
                   "e.media_type, e.size, "
                   "e.source_addr, e.source_instance, e.actor, e.content_type, e.payload, e.source_format");

// A QSqlQuery under SqliteStatement's names for binding and reading, so that the code that binds or reads the
// columns of a hot statement is written once for both (see Store::nativeStatement).
struct QueryColumns
{
    QSqlQuery &query;

    void bind(int index, qint64 value) { query.bindValue(index, value); }
    void bind(int index, const QString &value) { query.bindValue(index, ::text(value)); }
    void bindText(int index, const QByteArray &utf8) { query.bindValue(index, QString::fromUtf8(utf8)); }
    void bind(int index, const QByteArray &value)
    {
        query.bindValue(index, value.isNull() ? QByteArray("") : value);
    }
    void bindNull(int index) { query.bindValue(index, QVariant(QMetaType(QMetaType::LongLong))); }
    bool isNull(int column) const { return query.isNull(column); }
    qint64 int64(int column) const { return query.value(column).toLongLong(); }
    QString text(int column) const { return query.value(column).toString(); }
    QByteArray bytes(int column) const { return query.value(column).toByteArray(); }
};

template<typename Row> QDateTime timeAt(const Row &row, int column)
{
    return row.isNull(column) ? QDateTime() : QDateTime::fromMSecsSinceEpoch(row.int64(column), Qt::UTC);
}

// eventColumns, from `c` on.
template<typename Row> RegistryEvent eventAt(const Row &row, int c)
{
    RegistryEvent e;
    e.rowId = row.int64(c + 0);
    e.eventId = row.text(c + 1);
    e.receivedAt = timeAt(row, c + 2);
    e.timestamp = timeAt(row, c + 3);
    e.action = row.text(c + 4);
    e.repository = row.text(c + 5);
    e.tag = row.text(c + 6);
    e.digest = row.text(c + 7);
    e.mediaType = row.text(c + 8);
    e.size = row.int64(c + 9);
    e.sourceAddr = row.text(c + 10);
    e.sourceInstance = row.text(c + 11);
    e.actor = row.text(c + 12);
    e.contentType = row.text(c + 13).toLatin1();
    e.rawJson = row.bytes(c + 14);
    e.sourceFormat = row.text(c + 15);
    return e;
}

// Columns 0-8 of a claim: id, event_id, webhook_id, message_id, attempts, total_attempts, manual,
// next_attempt_at, created_at.
template<typename Row>
DeliveryRecord claimedDeliveryAt(const Row &row, const QString &owner, qint64 leaseUntilMs)
{
    DeliveryRecord d;
    d.id = row.int64(0);
    d.eventRowId = row.int64(1);
    d.webhookId = row.int64(2);
    d.messageId = row.text(3);
    d.attempts = int(row.int64(4));
    d.totalAttempts = int(row.int64(5));
    d.manual = row.int64(6) != 0;
    d.nextAttemptAt = timeAt(row, 7);
    d.createdAt = timeAt(row, 8);
    d.state = DeliveryState::InFlight;
    d.leaseOwner = owner;
    d.leaseExpiresAt = QDateTime::fromMSecsSinceEpoch(leaseUntilMs, Qt::UTC);
    return d;
}

} // namespace

Store::Store(std::unique_ptr<SqlDialect> dialect)
    : m_dialect(std::move(dialect))
    , m_connectionName(QStringLiteral("tidings-store-%1").arg(connectionCounter.fetchAndAddRelaxed(1)))
{}

Store::~Store()
{
    close();
}

std::unique_ptr<SqlDialect> Store::dialectFor(const QString &location, QString *error, bool fullDurability,
                                              int busyTimeoutMs)
{
    if (PostgresDialect::isLocation(location)) {
        PostgresDialect::ConnectionParameters parameters;
        if (!PostgresDialect::parseLocation(location, &parameters, error))
            return nullptr;
        return std::make_unique<PostgresDialect>(fullDurability, busyTimeoutMs);
    }
    if (location.isEmpty()) {
        *error = QStringLiteral("no database location given");
        return nullptr;
    }
    return std::make_unique<SqliteDialect>(fullDurability ? SqliteDialect::Synchronous::Full
                                                          : SqliteDialect::Synchronous::Normal,
                                           busyTimeoutMs);
}

QSqlDatabase Store::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

bool Store::open(const QString &location, QString *error)
{
    close();
    m_location = location;
    if (openAndMigrate(location, error)) {
        m_native = SqliteStatement::connectionOf(database());
        return true;
    }
    const QString cause = m_dialect->diagnose(location);
    if (!cause.isEmpty())
        *error += QStringLiteral(" (%1)").arg(cause);
    return false;
}

bool Store::openAndMigrate(const QString &location, QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(m_dialect->driverName(), m_connectionName);
    if (!m_dialect->configure(db, location, error))
        return false;
    if (!db.open()) {
        *error = QStringLiteral("cannot open the database %1: %2").arg(location, db.lastError().text());
        return false;
    }
    return m_dialect->prepareConnection(db, error) && Migrations().apply(db, *m_dialect, error);
}

bool Store::checkpointInBackground(QString *error)
{
    m_checkpointer.reset();
    QSqlDatabase db = database();
    m_checkpointer = m_dialect->checkpointInBackground(db, m_location, error);
    return m_checkpointer || error->isEmpty();
}

void Store::close()
{
    m_checkpointer.reset();
    m_statements.clear();
    // Before the connection closes: SQLite refuses to close one with statements left.
    m_nativeStatements.clear();
    m_native = nullptr;
    if (QSqlDatabase::contains(m_connectionName)) {
        {
            QSqlDatabase db = database();
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Store::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && database().isOpen();
}

QSqlQuery &Store::prepared(const char *key, const QString &sql)
{
    return prepared(QByteArray(key), sql);
}

QSqlQuery &Store::prepared(const QByteArray &name, const QString &sql)
{
    auto it = m_statements.find(name);
    if (it == m_statements.end()) {
        QSqlQuery query(database());
        query.setForwardOnly(true);
        if (!query.prepare(sql))
            m_lastError = query.lastError().text();
        it = m_statements.insert(name, query);
    }
    return it.value();
}

bool Store::execOrFail(QSqlQuery &query)
{
    if (query.exec())
        return true;
    m_lastError = query.lastError().text();
    return false;
}

bool Store::beginWrite(CommitSync sync)
{
    m_pendingChanges.clear();
    // Until the last deferred transaction's setting is undone, no transaction may start: its commit would
    // claim a durability it does not have.
    if (!restoreSync())
        return false;
    // Only a connection whose checkpointer will sync the WAL soon defers: elsewhere nothing would bound how
    // long a commit stays off the disk.
    if (sync == CommitSync::Deferred && m_checkpointer && !m_dialect->deferSyncStatement().isEmpty()) {
        if (!runTransactionStatement("defer-sync", m_dialect->deferSyncStatement()))
            return false;
        m_syncDeferred = true;
    }
    const QString plainBegin = m_dialect->beginWriteStatement();
    const QString begin =
        sync == CommitSync::Deferred ? m_dialect->beginDeferredWriteStatement() : plainBegin;
    const bool beginWithSetting = begin != plainBegin;
    if (runTransactionStatement(beginWithSetting ? "begin-deferred" : "begin", begin)) {
        m_inTransaction = true;
        return true;
    }
    if (beginWithSetting) {
        // The BEGIN may have run before its setting failed, leaving an aborted transaction open.
        const QString error = m_lastError;
        rollback();
        m_lastError = error;
        return false;
    }
    restoreSync();
    return false;
}

bool Store::restoreSync()
{
    if (!m_syncDeferred)
        return true;
    if (!runTransactionStatement("restore-sync", m_dialect->restoreSyncStatement())) {
        // beginWrite() tries again and refuses to start a transaction until this succeeds.
        qCCritical(lcStore).noquote()
            << "cannot make commits wait for the disk again after a deferred one:" << m_lastError;
        return false;
    }
    m_syncDeferred = false;
    return true;
}

bool Store::runTransactionStatement(const char *key, const QString &sql)
{
    // Preparing BEGIN and COMMIT once saves a parse per transaction: on the intake path, one per request
    // when requests come one at a time.
    if (m_native)
        return runHot(key, sql, [](auto &&) {});
    if (!m_dialect->reusesTransactionStatements()) {
        QSqlQuery query(database());
        if (query.exec(sql))
            return true;
        m_lastError = query.lastError().text();
        return false;
    }
    QSqlQuery &query = prepared(key, sql);
    const bool ok = query.exec();
    if (!ok)
        m_lastError = query.lastError().text();
    query.finish();
    return ok;
}

SqliteStatement *Store::nativeStatement(const char *key, const QString &sql)
{
    if (!m_native)
        return nullptr;
    std::unique_ptr<SqliteStatement> &statement = m_nativeStatements[QByteArray(key)];
    if (!statement)
        statement = std::make_unique<SqliteStatement>(m_native, sql);
    return statement.get();
}

template<typename Bind>
bool Store::runHot(const char *key, const QString &sql, const Bind &bind, qint64 *insertedRowId)
{
    if (m_native) {
        SqliteStatement &statement = *nativeStatement(key, sql);
        bind(statement);
        const bool ok = statement.exec();
        if (!ok)
            m_lastError = statement.lastError();
        else if (insertedRowId)
            *insertedRowId = statement.rowsAffected() > 0 ? statement.lastInsertId() : 0;
        statement.finish();
        return ok;
    }
    QSqlQuery &query = prepared(key, insertedRowId ? sql + returningId() : sql);
    bind(QueryColumns{query});
    if (!execOrFail(query))
        return false;
    if (insertedRowId)
        *insertedRowId = insertedId(query);
    query.finish();
    return true;
}

bool Store::commit()
{
    // Notifications are part of the transaction (PostgreSQL delivers them on commit, drops them on rollback).
    const QList<Change> changes = std::exchange(m_pendingChanges, {});
    for (Change change : changes) {
        if (!sendNotification(change)) {
            rollback();
            return false;
        }
    }
    m_inTransaction = false;
    if (runTransactionStatement("commit", QStringLiteral("COMMIT"))) {
        if (m_syncDeferred && m_checkpointer)
            m_checkpointer->syncWalWithin(kDeferredSyncWithin);
        restoreSync();
        return true;
    }
    rollback();
    return false;
}

void Store::rollback()
{
    m_inTransaction = false;
    m_pendingChanges.clear();
    QSqlQuery query(database());
    query.exec(QStringLiteral("ROLLBACK"));
    restoreSync();
}

QString Store::changeChannel(Change change)
{
    // Lower case: PostgreSQL folds unquoted channel names, and the driver subscribes to the name as given.
    return change == Change::Webhooks ? QStringLiteral("tidings_webhooks") : QStringLiteral("tidings_work");
}

void Store::announce(Change change)
{
    if (m_dialect->notifyStatement().isEmpty())
        return;
    if (m_inTransaction) {
        if (!m_pendingChanges.contains(change))
            m_pendingChanges.append(change);
        return;
    }
    sendNotification(change);
}

bool Store::sendNotification(Change change)
{
    QSqlQuery &query = prepared("notify", m_dialect->notifyStatement());
    query.bindValue(0, changeChannel(change));
    query.bindValue(1, m_changeOrigin);
    const bool ok = execOrFail(query);
    query.finish();
    return ok;
}

// --- Webhooks
// -------------------------------------------------------------------------------------------------

static const QString webhookColumns = QStringLiteral(
    "id, name, url, secret, actions, repository_globs, tag_globs, media_types, headers, payload_format, "
    "retry_schedule, max_attempts, timeout_ms, concurrency, enabled, disabled_reason, created_at, "
    "updated_at, tls_skip_verify, previous_secret, previous_secret_expires_at");

WebhookConfig Store::webhookFromRow(const QSqlQuery &query)
{
    WebhookConfig w;
    w.id = query.value(0).toLongLong();
    w.name = query.value(1).toString();
    w.url = query.value(2).toString();
    w.secret = query.value(3).toString();
    w.actions = listFromJson(query.value(4));
    w.repositoryGlobs = listFromJson(query.value(5));
    w.tagGlobs = listFromJson(query.value(6));
    w.mediaTypes = listFromJson(query.value(7));
    w.headers = stringHeadersFromJson(query.value(8));
    w.payloadFormat = query.value(9).toString() == QLatin1String("cloudevents")
                          ? WebhookConfig::PayloadFormat::CloudEvents
                          : WebhookConfig::PayloadFormat::Registry;
    w.retryScheduleSeconds = intsFromJson(query.value(10));
    w.maxAttempts = query.value(11).toInt();
    w.timeoutMs = query.value(12).toInt();
    w.concurrency = query.value(13).toInt();
    w.enabled = query.value(14).toInt() != 0;
    w.disabledReason = query.value(15).toString();
    w.createdAt = fromMs(query.value(16));
    w.updatedAt = fromMs(query.value(17));
    w.tlsSkipVerify = query.value(18).toInt() != 0;
    w.previousSecret = query.value(19).toString();
    w.previousSecretExpiresAt = fromMs(query.value(20));
    return w;
}

void Store::bindWebhook(QSqlQuery &query, const WebhookConfig &w)
{
    query.bindValue(QStringLiteral(":name"), text(w.name));
    query.bindValue(QStringLiteral(":url"), text(w.url));
    query.bindValue(QStringLiteral(":secret"), text(w.secret));
    query.bindValue(QStringLiteral(":actions"), listToJson(w.actions));
    query.bindValue(QStringLiteral(":repos"), listToJson(w.repositoryGlobs));
    query.bindValue(QStringLiteral(":tags"), listToJson(w.tagGlobs));
    query.bindValue(QStringLiteral(":media"), listToJson(w.mediaTypes));
    query.bindValue(QStringLiteral(":headers"), pairsToJson(w.headers));
    query.bindValue(QStringLiteral(":format"), w.payloadFormat == WebhookConfig::PayloadFormat::CloudEvents
                                                   ? QStringLiteral("cloudevents")
                                                   : QStringLiteral("registry"));
    query.bindValue(QStringLiteral(":schedule"), intsToJson(w.retryScheduleSeconds));
    query.bindValue(QStringLiteral(":max"), w.maxAttempts);
    query.bindValue(QStringLiteral(":timeout"), w.timeoutMs);
    query.bindValue(QStringLiteral(":concurrency"), w.concurrency);
    query.bindValue(QStringLiteral(":enabled"), w.enabled ? 1 : 0);
    query.bindValue(QStringLiteral(":reason"), text(w.enabled ? QString() : w.disabledReason));
    query.bindValue(QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch());
    query.bindValue(QStringLiteral(":insecure"), w.tlsSkipVerify ? 1 : 0);
}

QList<WebhookConfig> Store::webhooks()
{
    QList<WebhookConfig> list;
    QSqlQuery &query = prepared("webhooks", QStringLiteral("SELECT ") + webhookColumns +
                                                QStringLiteral(" FROM webhooks ORDER BY id"));
    if (!execOrFail(query))
        return list;
    while (query.next())
        list.append(webhookFromRow(query));
    query.finish();
    return list;
}

std::optional<WebhookConfig> Store::webhook(qint64 id)
{
    QSqlQuery &query = prepared("webhook", QStringLiteral("SELECT ") + webhookColumns +
                                               QStringLiteral(" FROM webhooks WHERE id = ?"));
    query.bindValue(0, id);
    std::optional<WebhookConfig> result;
    if (execOrFail(query) && query.next())
        result = webhookFromRow(query);
    query.finish();
    return result;
}

std::optional<WebhookConfig> Store::webhookByName(const QString &name)
{
    QSqlQuery &query = prepared("webhookByName", QStringLiteral("SELECT ") + webhookColumns +
                                                     QStringLiteral(" FROM webhooks WHERE name = ?"));
    query.bindValue(0, name);
    std::optional<WebhookConfig> result;
    if (execOrFail(query) && query.next())
        result = webhookFromRow(query);
    query.finish();
    return result;
}

qint64 Store::insertWebhook(const WebhookConfig &webhook)
{
    QSqlQuery &query = prepared(
        "insertWebhook",
        QStringLiteral(
            "INSERT INTO webhooks (name, url, secret, actions, repository_globs, tag_globs, media_types, "
            "headers, payload_format, retry_schedule, max_attempts, timeout_ms, concurrency, enabled, "
            "disabled_reason, created_at, updated_at, tls_skip_verify) VALUES (:name, :url, :secret, "
            ":actions, :repos, :tags, :media, :headers, :format, :schedule, :max, :timeout, :concurrency, "
            ":enabled, :reason, :now, :now, :insecure) RETURNING id"));
    bindWebhook(query, webhook);
    qint64 id = 0;
    if (execOrFail(query) && query.next())
        id = query.value(0).toLongLong();
    // The autocommit happens on the step after the row (see claimedFromRows): only then is the row stored.
    if (id > 0 && (query.next() || query.lastError().isValid())) {
        m_lastError = query.lastError().text();
        id = 0;
    }
    query.finish();
    if (id > 0)
        announce(Change::Webhooks);
    return id;
}

bool Store::updateWebhook(const WebhookConfig &webhook)
{
    QSqlQuery &query = prepared(
        "updateWebhook",
        QStringLiteral(
            "UPDATE webhooks SET name = :name, url = :url, secret = :secret, actions = :actions, "
            "repository_globs = :repos, tag_globs = :tags, media_types = :media, headers = :headers, "
            "payload_format = :format, retry_schedule = :schedule, max_attempts = :max, "
            "timeout_ms = :timeout, concurrency = :concurrency, enabled = :enabled, "
            "disabled_reason = :reason, updated_at = :now, tls_skip_verify = :insecure, "
            // A secret set by hand replaces the old one at once; only rotateSecret() keeps a grace period.
            "previous_secret = CASE WHEN secret = :secret THEN previous_secret ELSE '' END, "
            "previous_secret_expires_at = CASE WHEN secret = :secret THEN previous_secret_expires_at "
            "ELSE NULL END WHERE id = :id"));
    bindWebhook(query, webhook);
    query.bindValue(QStringLiteral(":id"), webhook.id);
    const bool ok = execOrFail(query) && query.numRowsAffected() == 1;
    query.finish();
    if (ok)
        announce(Change::Webhooks);
    return ok;
}

bool Store::deleteWebhook(qint64 id)
{
    QSqlQuery &query = prepared("deleteWebhook", QStringLiteral("DELETE FROM webhooks WHERE id = ?"));
    query.bindValue(0, id);
    const bool ok = execOrFail(query) && query.numRowsAffected() == 1;
    query.finish();
    if (ok)
        announce(Change::Webhooks);
    return ok;
}

bool Store::setWebhookEnabled(qint64 id, bool enabled, const QString &reason)
{
    QSqlQuery &query =
        prepared("setWebhookEnabled",
                 QStringLiteral("UPDATE webhooks SET enabled = ?, disabled_reason = ?, updated_at = ?, "
                                "failing_since = CASE WHEN ? = 1 THEN NULL ELSE failing_since END "
                                "WHERE id = ?"));
    query.bindValue(0, enabled ? 1 : 0);
    query.bindValue(1, text(enabled ? QString() : reason));
    query.bindValue(2, QDateTime::currentMSecsSinceEpoch());
    // A re-enabled webhook starts with a clean record: its old failures must not disable it again at once.
    query.bindValue(3, enabled ? 1 : 0);
    query.bindValue(4, id);
    const bool ok = execOrFail(query) && query.numRowsAffected() == 1;
    query.finish();
    if (ok)
        announce(Change::Webhooks);
    return ok;
}

QString Store::returningId() const
{
    return m_dialect->insertedIdFromConnection() ? QString() : QStringLiteral(" RETURNING id");
}

qint64 Store::insertedId(QSqlQuery &insert) const
{
    if (m_dialect->insertedIdFromConnection())
        return insert.lastInsertId().toLongLong(); // invalid, so 0, when nothing was inserted
    return insert.next() ? insert.value(0).toLongLong() : 0;
}

// --- Intake
// ---------------------------------------------------------------------------------------------------

qint64 Store::insertEvent(const RegistryEvent &event)
{
    const QList<qint64> ids = insertEvents({event});
    return ids.isEmpty() ? -1 : ids.first();
}

QList<qint64> Store::insertEvents(const QList<RegistryEvent> &events)
{
    // Rows go in in event id order: two intake connections inserting the same ids (a registry resending
    // while the first try commits) then take their unique-key locks in the same order and cannot deadlock.
    QList<qsizetype> order(events.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&events](qsizetype a, qsizetype b) { return events[a].eventId < events[b].eventId; });
    QHash<QString, qint64> inserted; // registry id -> new row id; nothing for a duplicate
    if (m_native) {
        // One row per statement (SQLite): a duplicate changes no row, and a new row's id comes from the
        // connection. Cheaper there than one multi-row INSERT, whose RETURNING goes through a temporary
        // b-tree.
        SqliteStatement &insert = *nativeStatement(
            "insertEvent", eventInsertSql(1) + QStringLiteral(" ON CONFLICT (event_id) DO NOTHING"));
        for (qsizetype index : std::as_const(order)) {
            bindEvent(insert, 0, events[index]);
            if (!insert.exec()) {
                m_lastError = insert.lastError();
                return {};
            }
            if (insert.rowsAffected() == 1)
                inserted.insert(text(events[index].eventId), insert.lastInsertId());
            insert.finish();
        }
    } else {
        // One multi-row INSERT per chunk instead of one statement per event: on PostgreSQL every statement is
        // a round trip, so a group commit of 16 requests paid 16 of them. One prepared statement per chunk
        // size (at most kChunk of them), kept like every other statement.
        constexpr qsizetype kChunk = 32;
        for (qsizetype first = 0; first < order.size(); first += kChunk) {
            const qsizetype count = std::min(kChunk, order.size() - first);
            const QByteArray key = "insertEvents/" + QByteArray::number(count);
            // ON CONFLICT DO NOTHING + RETURNING gives no row for a duplicate: the registry resent an event
            // we hold. RETURNING's row order is unspecified, hence event_id to match them up.
            QSqlQuery &query = prepared(
                key, m_statements.contains(key)
                         ? QString()
                         : eventInsertSql(count) +
                               QStringLiteral(" ON CONFLICT (event_id) DO NOTHING RETURNING event_id, id"));
            for (qsizetype i = 0; i < count; ++i)
                bindEvent(QueryColumns{query}, int(i) * eventInsertColumns, events[order[first + i]]);
            if (!execOrFail(query))
                return {};
            while (query.next())
                inserted.insert(query.value(0).toString(), query.value(1).toLongLong());
            query.finish();
        }
    }
    // In the caller's order: the first entry of a registry id gets its row, a repeat of it counts as a
    // duplicate.
    QList<qint64> ids;
    ids.reserve(events.size());
    for (const RegistryEvent &event : events)
        ids.append(inserted.take(text(event.eventId)));
    return ids;
}

QString Store::eventInsertSql(qsizetype rows)
{
    QString sql =
        QStringLiteral("INSERT INTO events (event_id, received_at, occurred_at, action, repository, tag, "
                       "digest, media_type, size, source_addr, source_instance, actor, content_type, "
                       "payload, source_format) VALUES ");
    const QString row = QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (qsizetype i = 0; i < rows; ++i)
        sql += (i ? QStringLiteral(", ") : QString()) + row;
    return sql;
}

template<typename Statement> void Store::bindEvent(Statement &&query, int base, const RegistryEvent &e)
{
    query.bind(base + 0, e.eventId);
    query.bind(base + 1, toMs(e.receivedAt));
    query.bind(base + 2, toMs(e.timestamp.isValid() ? e.timestamp : e.receivedAt));
    query.bind(base + 3, e.action);
    query.bind(base + 4, e.repository);
    query.bind(base + 5, e.tag);
    query.bind(base + 6, e.digest);
    query.bind(base + 7, e.mediaType);
    query.bind(base + 8, e.size);
    query.bind(base + 9, e.sourceAddr);
    query.bind(base + 10, e.sourceInstance);
    query.bind(base + 11, e.actor);
    query.bind(base + 12, QString::fromLatin1(e.contentType));
    query.bind(base + 13, e.rawJson);
    query.bind(base + 14, e.sourceFormat);
}

qint64 Store::insertDelivery(qint64 eventRowId, qint64 webhookId, const QString &messageId, qint64 nowMs)
{
    static const QString sql = QStringLiteral(
        "INSERT INTO deliveries (event_id, webhook_id, message_id, state, next_attempt_at, created_at, "
        "updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)");
    const auto bind = [&](auto &&insert) {
        insert.bind(0, eventRowId);
        insert.bind(1, webhookId);
        insert.bind(2, messageId);
        insert.bind(3, nowMs);
        insert.bind(4, nowMs);
        insert.bind(5, nowMs);
    };
    qint64 id = 0;
    if (!runHot("insertDelivery", sql, bind, &id))
        return -1;
    if (id <= 0)
        return -1;
    announce(Change::Work);
    return id;
}

// --- Dispatch
// -------------------------------------------------------------------------------------------------

int Store::releaseExpiredLeases(qint64 nowMs)
{
    // A process killed mid-attempt leaves its rows in flight; once the lease runs out they are due again.
    QSqlQuery &query = prepared("releaseExpired",
                                QStringLiteral("UPDATE deliveries SET state = 'pending', lease_owner = NULL, "
                                               "lease_expires_at = NULL, next_attempt_at = ?, updated_at = ? "
                                               "WHERE state = 'in_flight' AND lease_expires_at < ?"));
    query.bindValue(0, nowMs);
    query.bindValue(1, nowMs);
    query.bindValue(2, nowMs);
    const int n = execOrFail(query) ? query.numRowsAffected() : -1;
    query.finish();
    return n;
}

int Store::releaseLeases(const QString &owner)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery &query = prepared("releaseOwned",
                                QStringLiteral("UPDATE deliveries SET state = 'pending', lease_owner = NULL, "
                                               "lease_expires_at = NULL, next_attempt_at = ?, updated_at = ? "
                                               "WHERE state = 'in_flight' AND lease_owner = ?"));
    query.bindValue(0, now);
    query.bindValue(1, now);
    query.bindValue(2, owner);
    const int n = execOrFail(query) ? query.numRowsAffected() : 0;
    query.finish();
    return n;
}

QString Store::dueDeliveriesQuery()
{
    // The planner walks deliveries_due (webhook_id, next_attempt_at) in order and stops at the limit: no
    // sort, and the events come by their primary key.
    return QStringLiteral(
               "SELECT d.id, d.event_id, d.webhook_id, d.message_id, d.attempts, d.total_attempts, "
               "d.manual, d.next_attempt_at, d.created_at, ") +
           eventColumns +
           QStringLiteral(
               " FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.webhook_id = ? AND "
               "d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?");
}

std::optional<QList<ClaimedDelivery>> Store::claimDue(qint64 webhookId, int limit, const QString &owner,
                                                      qint64 nowMs, qint64 leaseUntilMs)
{
    if (m_dialect->claimsUnderExclusiveWriteLock() && m_native)
        return claimDueUnderWriteLock(webhookId, limit, owner, nowMs, leaseUntilMs);
    QSqlQuery &claim = prepared(
        "claimDue",
        QStringLiteral(
            "UPDATE deliveries SET state = 'in_flight', lease_owner = :owner, lease_expires_at = :lease, "
            "updated_at = :now WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = :webhook AND "
            "state = 'pending' AND next_attempt_at <= :now ORDER BY next_attempt_at LIMIT :limit ") +
            m_dialect->claimLockClause() +
            QStringLiteral(
                ") RETURNING id, event_id, webhook_id, message_id, attempts, total_attempts, manual, "
                "next_attempt_at, created_at"));
    claim.bindValue(QStringLiteral(":owner"), owner);
    claim.bindValue(QStringLiteral(":lease"), leaseUntilMs);
    claim.bindValue(QStringLiteral(":now"), nowMs);
    claim.bindValue(QStringLiteral(":webhook"), webhookId);
    claim.bindValue(QStringLiteral(":limit"), limit);
    if (!execOrFail(claim))
        return std::nullopt;
    return claimedFromRows(claim, owner, leaseUntilMs);
}

std::optional<QList<ClaimedDelivery>> Store::claimDueUnderWriteLock(qint64 webhookId, int limit,
                                                                    const QString &owner, qint64 nowMs,
                                                                    qint64 leaseUntilMs)
{
    // The read and the updates must have no other writer between them: called outside the caller's write
    // transaction, the claim takes one of its own.
    const bool ownTransaction = !m_inTransaction;
    if (ownTransaction && !beginWrite())
        return std::nullopt;
    auto fail = [&](const SqliteStatement &statement) {
        m_lastError = statement.lastError();
        if (ownTransaction)
            rollback();
        return std::nullopt;
    };
    SqliteStatement &due = *nativeStatement("dueDeliveries", dueDeliveriesQuery());
    due.bind(0, webhookId);
    due.bind(1, nowMs);
    due.bind(2, qint64(limit));
    if (!due.exec())
        return fail(due);
    QList<ClaimedDelivery> claimed;
    while (due.next()) {
        ClaimedDelivery c;
        c.delivery = claimedDeliveryAt(due, owner, leaseUntilMs);
        c.event = eventAt(due, 9);
        c.delivery.action = c.event.action;
        c.delivery.repository = c.event.repository;
        c.delivery.tag = c.event.tag;
        claimed.append(std::move(c));
    }
    if (!due.lastError().isEmpty())
        return fail(due);
    due.finish();
    // One row at a time by its primary key: the rows were read completely first, so no update runs under
    // the open read cursor.
    SqliteStatement &lease = *nativeStatement(
        "leaseDelivery", QStringLiteral("UPDATE deliveries SET state = 'in_flight', lease_owner = ?, "
                                        "lease_expires_at = ?, updated_at = ? WHERE id = ?"));
    for (const ClaimedDelivery &c : std::as_const(claimed)) {
        lease.bind(0, owner);
        lease.bind(1, leaseUntilMs);
        lease.bind(2, nowMs);
        lease.bind(3, c.delivery.id);
        if (!lease.exec())
            return fail(lease);
        lease.finish();
    }
    if (ownTransaction && !commit())
        return std::nullopt;
    return claimed;
}

std::optional<ClaimedDelivery> Store::claimDelivery(qint64 deliveryId, const QString &owner, qint64 nowMs,
                                                    qint64 leaseUntilMs)
{
    QSqlQuery &claim =
        prepared("claimDelivery",
                 QStringLiteral(
                     "UPDATE deliveries SET state = 'in_flight', lease_owner = ?, lease_expires_at = ?, "
                     "updated_at = ? WHERE id = ? AND state = 'pending' RETURNING id, event_id, webhook_id, "
                     "message_id, attempts, total_attempts, manual, next_attempt_at, created_at"));
    claim.bindValue(0, owner);
    claim.bindValue(1, leaseUntilMs);
    claim.bindValue(2, nowMs);
    claim.bindValue(3, deliveryId);
    if (!execOrFail(claim))
        return std::nullopt;
    const std::optional<QList<ClaimedDelivery>> claimed = claimedFromRows(claim, owner, leaseUntilMs);
    if (!claimed || claimed->isEmpty())
        return std::nullopt;
    return claimed->constFirst();
}

std::optional<QList<ClaimedDelivery>> Store::claimedFromRows(QSqlQuery &claim, const QString &owner,
                                                             qint64 leaseUntilMs)
{
    QList<ClaimedDelivery> claimed;
    while (claim.next()) {
        ClaimedDelivery c;
        c.delivery = claimedDeliveryAt(QueryColumns{claim}, owner, leaseUntilMs);
        claimed.append(c);
    }
    // An autocommit UPDATE ... RETURNING commits on the step after its last row. If that commit fails (disk
    // full, busy), next() only returns false: the rows were read but the claim was rolled back, and must not
    // be sent.
    if (claim.lastError().isValid()) {
        m_lastError = claim.lastError().text();
        claim.finish();
        return std::nullopt;
    }
    claim.finish();
    if (claimed.isEmpty())
        return claimed;
    // The events are read after the claim, so the claim statement stays a plain UPDATE, and in one query
    // rather than one per row. It finds the rows by their lease, which rows claimed earlier may share (same
    // owner, same millisecond): only the ids this claim returned are taken from it.
    QHash<qint64, qsizetype> indexById;
    for (qsizetype i = 0; i < claimed.size(); ++i)
        indexById.insert(claimed.at(i).delivery.id, i);
    QSqlQuery &events = prepared(
        "claimedEvents",
        QStringLiteral("SELECT d.id, ") + eventColumns +
            QStringLiteral(" FROM deliveries d JOIN events e ON e.id = d.event_id WHERE "
                           "d.state = 'in_flight' AND d.lease_expires_at = ? AND d.lease_owner = ?"));
    events.bindValue(0, leaseUntilMs);
    events.bindValue(1, owner);
    if (!execOrFail(events))
        return std::nullopt;
    qsizetype found = 0;
    while (events.next()) {
        const auto it = indexById.constFind(events.value(0).toLongLong());
        if (it == indexById.cend())
            continue;
        ClaimedDelivery &c = claimed[it.value()];
        c.event = eventAt(QueryColumns{events}, 1);
        c.delivery.action = c.event.action;
        c.delivery.repository = c.event.repository;
        c.delivery.tag = c.event.tag;
        ++found;
    }
    events.finish();
    if (found != claimed.size()) {
        m_lastError =
            QStringLiteral("claimed %1 deliveries but found the events of %2").arg(claimed.size()).arg(found);
        return std::nullopt;
    }
    return claimed;
}

std::optional<qint64> Store::earliestDue(qint64 webhookId)
{
    QSqlQuery &query = prepared("earliestDue", QStringLiteral("SELECT MIN(next_attempt_at) FROM deliveries "
                                                              "WHERE webhook_id = ? AND state = 'pending'"));
    query.bindValue(0, webhookId);
    std::optional<qint64> due;
    if (execOrFail(query) && query.next() && !query.value(0).isNull())
        due = query.value(0).toLongLong();
    query.finish();
    return due;
}

bool Store::recordAttempt(AttemptRecord &attempt, const AttemptOutcome &outcome, const QString &owner)
{
    if (!beginWrite())
        return false;
    if (!writeAttempt(attempt, outcome, owner)) {
        rollback();
        return false;
    }
    return commit();
}

bool Store::writeAttempt(AttemptRecord &a, const AttemptOutcome &outcome, const QString &owner)
{
    static const QString insertSql = QStringLiteral(
        "INSERT INTO attempts (delivery_id, number, manual, note, started_at, duration_ms, url, "
        "request_headers, "
        "request_body, response_status, response_headers, response_body, error_class, error_message) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const auto bindInsert = [&](auto &&insert) {
        insert.bind(0, a.deliveryId);
        insert.bind(1, qint64(a.number));
        insert.bind(2, qint64(a.manual ? 1 : 0));
        insert.bind(3, a.note);
        insert.bind(4, toMs(a.startedAt));
        insert.bind(5, a.durationMs);
        insert.bind(6, a.url);
        insert.bindText(7, pairsToJsonUtf8(a.requestHeaders));
        insert.bind(8, a.requestBody);
        insert.bind(9, qint64(a.responseStatus));
        insert.bindText(10, pairsToJsonUtf8(a.responseHeaders));
        insert.bind(11, a.responseBody);
        insert.bind(12, a.errorClass);
        insert.bind(13, a.errorMessage);
    };
    // Fenced by the lease: if this process lost it (paused past expiry), whoever holds it now decides the
    // state.
    static const QString finishSql = QStringLiteral(
        "UPDATE deliveries SET state = ?, attempts = attempts + 1, total_attempts = total_attempts + 1, "
        "next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_status = ?, last_error = ?, "
        "updated_at = ? WHERE id = ? AND state = 'in_flight' AND lease_owner = ?");
    const auto bindFinish = [&](auto &&update) {
        update.bind(0, deliveryStateName(outcome.state));
        if (outcome.state == DeliveryState::Pending)
            update.bind(1, toMs(outcome.nextAttemptAt));
        else
            update.bindNull(1);
        update.bind(2, qint64(a.responseStatus));
        update.bind(3, a.errorClass);
        update.bind(4, QDateTime::currentMSecsSinceEpoch());
        update.bind(5, a.deliveryId);
        update.bind(6, owner);
    };

    return runHot("insertAttempt", insertSql, bindInsert, &a.id) &&
           runHot("finishAttempt", finishSql, bindFinish);
}

// --- History
// --------------------------------------------------------------------------------------------------

DeliveryRecord Store::deliveryFromRow(const QSqlQuery &q)
{
    DeliveryRecord d;
    d.id = q.value(0).toLongLong();
    d.eventRowId = q.value(1).toLongLong();
    d.webhookId = q.value(2).toLongLong();
    d.messageId = q.value(3).toString();
    deliveryStateFromName(q.value(4).toString(), &d.state);
    d.attempts = q.value(5).toInt();
    d.totalAttempts = q.value(6).toInt();
    d.manual = q.value(7).toInt() != 0;
    d.nextAttemptAt = fromMs(q.value(8));
    d.leaseOwner = q.value(9).toString();
    d.leaseExpiresAt = fromMs(q.value(10));
    d.lastStatus = q.value(11).toInt();
    d.lastError = q.value(12).toString();
    d.createdAt = fromMs(q.value(13));
    d.updatedAt = fromMs(q.value(14));
    d.webhookName = q.value(15).toString();
    d.action = q.value(16).toString();
    d.repository = q.value(17).toString();
    d.tag = q.value(18).toString();
    return d;
}

QList<DeliveryRecord> Store::deliveries(const DeliveryFilter &filter)
{
    // Built per call: the filter decides which clauses exist. Newest first, keyset-paged by id.
    QString sql =
        QStringLiteral("SELECT ") + deliveryColumns + deliveryJoins + QStringLiteral(" WHERE 1 = 1");
    if (!filter.state.isEmpty())
        sql += QStringLiteral(" AND ") + deliveryStateCondition(filter.state, QStringLiteral("d"));
    if (filter.webhookId > 0)
        sql += QStringLiteral(" AND d.webhook_id = :webhook");
    if (!filter.repository.isEmpty())
        sql += QStringLiteral(" AND (e.repository LIKE :text ESCAPE '\\' OR e.tag LIKE :text ESCAPE '\\')");
    if (filter.since.isValid())
        sql += QStringLiteral(" AND d.created_at >= :since");
    if (filter.beforeId > 0)
        sql += QStringLiteral(" AND d.id < :before");
    if (filter.until.isValid())
        sql += QStringLiteral(" AND d.created_at < :until");
    if (filter.lastStatus > 0)
        sql += QStringLiteral(" AND d.last_status = :status");
    if (filter.eventRowId > 0)
        sql += QStringLiteral(" AND d.event_id = :event");
    sql += QStringLiteral(" ORDER BY d.id DESC LIMIT :limit");

    QSqlQuery query(database());
    query.setForwardOnly(true);
    query.prepare(sql);
    if (filter.webhookId > 0)
        query.bindValue(QStringLiteral(":webhook"), filter.webhookId);
    if (!filter.repository.isEmpty()) {
        QString escaped = filter.repository;
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        query.bindValue(QStringLiteral(":text"), QString(QLatin1Char('%') + escaped + QLatin1Char('%')));
    }
    if (filter.since.isValid())
        query.bindValue(QStringLiteral(":since"), toMs(filter.since));
    if (filter.beforeId > 0)
        query.bindValue(QStringLiteral(":before"), filter.beforeId);
    if (filter.until.isValid())
        query.bindValue(QStringLiteral(":until"), toMs(filter.until));
    if (filter.lastStatus > 0)
        query.bindValue(QStringLiteral(":status"), filter.lastStatus);
    if (filter.eventRowId > 0)
        query.bindValue(QStringLiteral(":event"), filter.eventRowId);
    query.bindValue(QStringLiteral(":limit"), filter.limit);

    QList<DeliveryRecord> list;
    if (!execOrFail(query))
        return list;
    while (query.next())
        list.append(deliveryFromRow(query));
    return list;
}

std::optional<DeliveryRecord> Store::delivery(qint64 id)
{
    QSqlQuery &query = prepared("delivery", QStringLiteral("SELECT ") + deliveryColumns + deliveryJoins +
                                                QStringLiteral(" WHERE d.id = ?"));
    query.bindValue(0, id);
    std::optional<DeliveryRecord> result;
    if (execOrFail(query) && query.next())
        result = deliveryFromRow(query);
    query.finish();
    return result;
}

QList<AttemptRecord> Store::attempts(qint64 deliveryId)
{
    QSqlQuery &query = prepared(
        "attempts",
        QStringLiteral("SELECT id, delivery_id, number, manual, note, started_at, duration_ms, url, "
                       "request_headers, request_body, response_status, response_headers, response_body, "
                       "error_class, error_message, replay_override FROM attempts WHERE delivery_id = ? "
                       "ORDER BY number"));
    query.bindValue(0, deliveryId);
    QList<AttemptRecord> list;
    if (!execOrFail(query))
        return list;
    while (query.next()) {
        AttemptRecord a;
        a.id = query.value(0).toLongLong();
        a.deliveryId = query.value(1).toLongLong();
        a.number = query.value(2).toInt();
        a.manual = query.value(3).toInt() != 0;
        a.note = query.value(4).toString();
        a.startedAt = fromMs(query.value(5));
        a.durationMs = query.value(6).toInt();
        a.url = query.value(7).toString();
        a.requestHeaders = byteHeadersFromJson(query.value(8));
        a.requestBody = query.value(9).toByteArray();
        a.responseStatus = query.value(10).toInt();
        a.responseHeaders = byteHeadersFromJson(query.value(11));
        a.responseBody = query.value(12).toByteArray();
        a.errorClass = query.value(13).toString();
        a.errorMessage = query.value(14).toString();
        a.replayOverride = AttemptOverride::fromJson(query.value(15).toByteArray());
        list.append(a);
    }
    query.finish();
    return list;
}

std::optional<RegistryEvent> Store::event(qint64 rowId)
{
    QSqlQuery &query = prepared("event", QStringLiteral("SELECT ") + eventColumns +
                                             QStringLiteral(" FROM events e WHERE e.id = ?"));
    query.bindValue(0, rowId);
    std::optional<RegistryEvent> result;
    if (execOrFail(query) && query.next())
        result = eventAt(QueryColumns{query}, 0);
    query.finish();
    return result;
}

QueueDepth Store::queueDepth()
{
    // Each count from its state's partial index alone (deliveries_due, deliveries_leases).
    QSqlQuery &query = prepared(
        "queueDepth", QStringLiteral("SELECT (SELECT COUNT(*) FROM deliveries WHERE state = 'pending'), "
                                     "(SELECT COUNT(*) FROM deliveries WHERE state = 'in_flight')"));
    QueueDepth depth;
    if (!execOrFail(query) || !query.next())
        return depth;
    depth.pending = query.value(0).toInt();
    depth.inFlight = query.value(1).toInt();
    query.finish();
    return depth;
}

// --- Replay
// ---------------------------------------------------------------------------------------------------

Store::ReplayResult Store::replay(qint64 deliveryId, qint64 nowMs)
{
    const std::optional<DeliveryRecord> current = delivery(deliveryId);
    if (!current)
        return m_lastError.isEmpty() ? ReplayResult::NotFound : ReplayResult::Failed;
    if (current->state == DeliveryState::InFlight)
        return ReplayResult::InFlight;
    QSqlQuery &query =
        prepared("replay",
                 QStringLiteral("UPDATE deliveries SET state = 'pending', attempts = 0, manual = 1, "
                                "next_attempt_at = ?, updated_at = ? WHERE id = ? AND state <> 'in_flight'"));
    query.bindValue(0, nowMs);
    query.bindValue(1, nowMs);
    query.bindValue(2, deliveryId);
    if (!execOrFail(query))
        return ReplayResult::Failed;
    const int affected = query.numRowsAffected();
    query.finish();
    if (affected == 1)
        announce(Change::Work);
    // Lost a race with a dispatcher that claimed it in between.
    return affected == 1 ? ReplayResult::Replayed : ReplayResult::InFlight;
}

int Store::replayFailed(qint64 webhookId, const QDateTime &since, qint64 nowMs)
{
    QString sql =
        QStringLiteral(
            "UPDATE deliveries SET state = 'pending', attempts = 0, manual = 1, next_attempt_at = ?, "
            "updated_at = ? WHERE ") +
        deliveryStateCondition(QStringLiteral("failed"));
    if (webhookId > 0)
        sql += QStringLiteral(" AND webhook_id = ?");
    if (since.isValid())
        sql += QStringLiteral(" AND created_at >= ?");
    QSqlQuery query(database());
    query.prepare(sql);
    query.addBindValue(nowMs);
    query.addBindValue(nowMs);
    if (webhookId > 0)
        query.addBindValue(webhookId);
    if (since.isValid())
        query.addBindValue(toMs(since));
    if (!execOrFail(query))
        return -1;
    const int replayed = query.numRowsAffected();
    if (replayed > 0)
        announce(Change::Work);
    return replayed;
}

// --- Retention
// ------------------------------------------------------------------------------------------------

int Store::deleteBatch(const char *key, const QString &sql, const QVariantList &values)
{
    QSqlQuery &query = prepared(key, sql);
    for (qsizetype i = 0; i < values.size(); ++i)
        query.bindValue(int(i), values.at(i));
    const int n = execOrFail(query) ? query.numRowsAffected() : -1;
    query.finish();
    return n;
}

int Store::purgeFinishedBefore(qint64 cutoffMs, int batch)
{
    // Attempts go with their delivery (ON DELETE CASCADE).
    return deleteBatch(
        "purgeFinishedBefore",
        QStringLiteral("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE ") +
            QLatin1String(finishedDeliveryCondition) +
            QStringLiteral(" AND updated_at < ? ORDER BY updated_at LIMIT ?)"),
        {cutoffMs, batch});
}

qint64 Store::finishedBeyondKept(qint64 webhookId, int keep)
{
    // An index-only walk of the kept rows (deliveries_finished_by_webhook); the state condition must read
    // exactly as the index's for the planner to use it.
    QSqlQuery &query =
        prepared("finishedBeyondKept", QStringLiteral("SELECT id FROM deliveries WHERE webhook_id = ? AND ") +
                                           QLatin1String(finishedDeliveryCondition) +
                                           QStringLiteral(" ORDER BY id DESC LIMIT 1 OFFSET ?"));
    query.bindValue(0, webhookId);
    query.bindValue(1, keep);
    if (!execOrFail(query))
        return -1;
    const qint64 id = query.next() ? query.value(0).toLongLong() : 0;
    query.finish();
    return id;
}

int Store::purgeFinishedUpTo(qint64 webhookId, qint64 lastId, int batch)
{
    return deleteBatch(
        "purgeFinishedUpTo",
        QStringLiteral("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = ? "
                       "AND ") +
            QLatin1String(finishedDeliveryCondition) + QStringLiteral(" AND id <= ? ORDER BY id LIMIT ?)"),
        {webhookId, lastId, batch});
}

int Store::purgeOrphanEventsBefore(qint64 cutoffMs, int batch)
{
    // Events no delivery refers to any more (or that matched no webhook). Their ids stop deduplicating
    // resends, which registries only make within minutes.
    return deleteBatch(
        "purgeOrphanEvents",
        QStringLiteral("DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.received_at "
                       "< ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) ORDER "
                       "BY e.received_at LIMIT ?)"),
        {cutoffMs, batch});
}

qint64 Store::externalChangeCounter()
{
    // Prepared once: on PostgreSQL it runs before every intake group, and planning it each time cost more
    // than running it.
    QSqlQuery &query = prepared("externalChangeCounter", m_dialect->externalChangeCounterQuery());
    if (!execOrFail(query) || !query.next())
        return -1;
    const qint64 counter = m_dialect->externalChangeCounter(query);
    query.finish();
    return counter;
}

// --- Webhook health
// -------------------------------------------------------------------------------------------

QHash<qint64, qint64> Store::webhookFailingSince()
{
    QSqlQuery &query =
        prepared("webhookFailingSince",
                 QStringLiteral("SELECT id, failing_since FROM webhooks WHERE failing_since IS NOT NULL"));
    QHash<qint64, qint64> result;
    if (execOrFail(query)) {
        while (query.next())
            result.insert(query.value(0).toLongLong(), query.value(1).toLongLong());
    }
    query.finish();
    return result;
}

bool Store::setWebhookFailingSince(qint64 id, qint64 sinceMs)
{
    QSqlQuery &query = prepared("setWebhookFailingSince",
                                QStringLiteral("UPDATE webhooks SET failing_since = ? WHERE id = ?"));
    query.bindValue(0, sinceMs > 0 ? QVariant(sinceMs) : QVariant(QMetaType(QMetaType::LongLong)));
    query.bindValue(1, id);
    const bool ok = execOrFail(query);
    query.finish();
    return ok;
}

// --- Operations
// ------------------------------------------------------------------------------------------------

std::optional<QList<WebhookQueueDepth>> Store::queueDepthByWebhook(qint64 nowMs)
{
    QList<WebhookQueueDepth> result;
    QHash<qint64, qsizetype> indexOf;
    {
        QSqlQuery &query = prepared("queueDepthWebhooks",
                                    QStringLiteral("SELECT id, name, enabled FROM webhooks ORDER BY id"));
        if (!execOrFail(query))
            return std::nullopt;
        while (query.next()) {
            WebhookQueueDepth depth;
            depth.webhookId = query.value(0).toLongLong();
            depth.webhookName = query.value(1).toString();
            depth.enabled = query.value(2).toInt() != 0;
            indexOf.insert(depth.webhookId, result.size());
            result.append(depth);
        }
        query.finish();
    }
    {
        // Pending and in-flight rows only: the finished history (up to the retention limits) is never walked
        // on a scrape, which runs on the engine thread. Pending rows are counted in deliveries_due, which
        // is ordered by webhook; the in-flight ones (at most the webhooks' concurrency) are found through
        // deliveries_leases, or SQLite would walk deliveries_by_webhook for its order.
        QSqlQuery &query = prepared(
            "queueDepthByWebhook",
            QStringLiteral("SELECT webhook_id, 'pending', COUNT(*) FROM deliveries WHERE ") +
                deliveryStateCondition(QStringLiteral("pending")) +
                QStringLiteral(" GROUP BY webhook_id UNION ALL SELECT webhook_id, 'in_flight', COUNT(*) FROM "
                               "deliveries WHERE ") +
                deliveryStateCondition(QStringLiteral("in_flight")) + QStringLiteral(" GROUP BY webhook_id"));
        if (!execOrFail(query))
            return std::nullopt;
        while (query.next()) {
            const auto it = indexOf.constFind(query.value(0).toLongLong());
            if (it == indexOf.constEnd())
                continue; // a webhook removed between the two queries
            WebhookQueueDepth &depth = result[it.value()];
            if (query.value(1).toString() == QLatin1String("pending"))
                depth.pending = query.value(2).toInt();
            else
                depth.inFlight = query.value(2).toInt();
        }
        query.finish();
    }
    // The earliest due time per webhook: one step into the deliveries_due index each.
    QSqlQuery &earliest = prepared(
        "oldestDueOfWebhook", QStringLiteral("SELECT MIN(next_attempt_at) FROM deliveries WHERE webhook_id "
                                             "= ? AND state = 'pending'"));
    for (WebhookQueueDepth &depth : result) {
        if (depth.pending == 0)
            continue;
        earliest.bindValue(0, depth.webhookId);
        if (!execOrFail(earliest))
            return std::nullopt;
        if (earliest.next() && !earliest.value(0).isNull() && earliest.value(0).toLongLong() <= nowMs)
            depth.oldestDueAtMs = earliest.value(0).toLongLong();
        earliest.finish();
    }
    return result;
}

std::optional<qint64> Store::failedDeliveryCount()
{
    // Counted from the deliveries_finished_by_state index alone.
    QSqlQuery &query =
        prepared("failedDeliveryCount", QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE ") +
                                            deliveryStateCondition(QStringLiteral("failed")));
    if (!execOrFail(query) || !query.next())
        return std::nullopt;
    const qint64 count = query.value(0).toLongLong();
    query.finish();
    return count;
}

bool Store::answersQueries()
{
    // A fresh statement each time, on a table every version has: a prepared statement that failed once
    // must not make readiness stick at "not ready".
    QSqlQuery query(database());
    if (query.exec(QStringLiteral("SELECT MAX(version) FROM schema_migrations")) && query.next())
        return true;
    m_lastError = query.lastError().text();
    return false;
}

// --- Admin API
// -------------------------------------------------------------------------------------------------

QList<RegistryEvent> Store::events(const EventFilter &filter)
{
    QString sql = QStringLiteral("SELECT ") + eventColumns + QStringLiteral(" FROM events e WHERE 1 = 1");
    if (!filter.action.isEmpty())
        sql += QStringLiteral(" AND e.action = :action");
    if (!filter.text.isEmpty())
        sql += QStringLiteral(" AND (e.repository LIKE :text ESCAPE '\\' OR e.tag LIKE :text ESCAPE '\\')");
    if (filter.since.isValid())
        sql += QStringLiteral(" AND e.received_at >= :since");
    if (filter.until.isValid())
        sql += QStringLiteral(" AND e.received_at < :until");
    if (filter.beforeId > 0)
        sql += QStringLiteral(" AND e.id < :before");
    sql += QStringLiteral(" ORDER BY e.id DESC LIMIT :limit");

    QSqlQuery query(database());
    query.setForwardOnly(true);
    query.prepare(sql);
    if (!filter.action.isEmpty())
        query.bindValue(QStringLiteral(":action"), filter.action);
    if (!filter.text.isEmpty()) {
        QString escaped = filter.text;
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        query.bindValue(QStringLiteral(":text"), QString(QLatin1Char('%') + escaped + QLatin1Char('%')));
    }
    if (filter.since.isValid())
        query.bindValue(QStringLiteral(":since"), toMs(filter.since));
    if (filter.until.isValid())
        query.bindValue(QStringLiteral(":until"), toMs(filter.until));
    if (filter.beforeId > 0)
        query.bindValue(QStringLiteral(":before"), filter.beforeId);
    query.bindValue(QStringLiteral(":limit"), filter.limit);

    QList<RegistryEvent> list;
    if (!execOrFail(query))
        return list;
    while (query.next())
        list.append(eventAt(QueryColumns{query}, 0));
    return list;
}

bool Store::cancelPending(qint64 deliveryId, qint64 nowMs)
{
    QSqlQuery &query = prepared(
        "cancelPending", QStringLiteral("UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, "
                                        "updated_at = ? WHERE id = ? AND state = 'pending'"));
    query.bindValue(0, nowMs);
    query.bindValue(1, deliveryId);
    if (!execOrFail(query))
        return false;
    const int affected = query.numRowsAffected();
    query.finish();
    return affected == 1;
}

// --- Secret rotation and replays with an override
// -----------------------------------------------------------------

bool Store::rotateSecret(qint64 webhookId, const QString &secret, const QString &previousSecret,
                         const QDateTime &previousExpiresAt)
{
    QSqlQuery &query = prepared(
        "rotateSecret",
        QStringLiteral("UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, "
                       "updated_at = ? WHERE id = ?"));
    query.bindValue(0, text(secret));
    query.bindValue(1, text(previousSecret));
    query.bindValue(2, previousExpiresAt.isValid() ? QVariant(toMs(previousExpiresAt))
                                                   : QVariant(QMetaType(QMetaType::LongLong)));
    query.bindValue(3, QDateTime::currentMSecsSinceEpoch());
    query.bindValue(4, webhookId);
    const bool ok = execOrFail(query) && query.numRowsAffected() == 1;
    query.finish();
    if (ok)
        announce(Change::Webhooks);
    return ok;
}

bool Store::recordOverrideAttempt(AttemptRecord &a, bool toWebhookUrl)
{
    if (!beginWrite())
        return false;
    auto fail = [this] {
        rollback();
        return false;
    };
    // Numbered at the end of the timeline as it is when the answer came, not when the request left.
    QSqlQuery &number =
        prepared("overrideNumber", QStringLiteral("SELECT total_attempts FROM deliveries WHERE id = ?"));
    number.bindValue(0, a.deliveryId);
    if (!execOrFail(number))
        return fail();
    if (!number.next()) {
        number.finish();
        m_lastError = QStringLiteral("delivery %1 no longer exists").arg(a.deliveryId);
        return fail();
    }
    a.number = number.value(0).toInt() + 1;
    number.finish();

    QSqlQuery &insert =
        prepared("insertOverrideAttempt",
                 QStringLiteral(
                     "INSERT INTO attempts (delivery_id, number, manual, note, started_at, duration_ms, url, "
                     "request_headers, request_body, response_status, response_headers, response_body, "
                     "error_class, error_message, replay_override) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                     "?, ?, ?, ?)") +
                     returningId());
    insert.bindValue(0, a.deliveryId);
    insert.bindValue(1, a.number);
    insert.bindValue(2, a.manual ? 1 : 0);
    insert.bindValue(3, text(a.note));
    insert.bindValue(4, toMs(a.startedAt));
    insert.bindValue(5, a.durationMs);
    insert.bindValue(6, text(a.url));
    insert.bindValue(7, pairsToJson(a.requestHeaders));
    insert.bindValue(8, a.requestBody.isNull() ? QByteArray("") : a.requestBody);
    insert.bindValue(9, a.responseStatus);
    insert.bindValue(10, pairsToJson(a.responseHeaders));
    insert.bindValue(11, a.responseBody.isNull() ? QByteArray("") : a.responseBody);
    insert.bindValue(12, text(a.errorClass));
    insert.bindValue(13, text(a.errorMessage));
    insert.bindValue(
        14, text(a.replayOverride.isEmpty()
                     ? QString()
                     : QString::fromUtf8(
                           QJsonDocument(a.replayOverride.toJson()).toJson(QJsonDocument::Compact))));
    if (!execOrFail(insert))
        return fail();
    a.id = insertedId(insert);
    insert.finish();

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The delivery's columns describe its webhook: an attempt that went elsewhere only joins the timeline.
    // One that reached the webhook's own URL updates the last answer, and a success completes the delivery
    // (its pending retries have nothing left to do); a failure never fails or reschedules it.
    QSqlQuery &update = prepared(
        "overrideDelivery",
        QStringLiteral(
            "UPDATE deliveries SET total_attempts = total_attempts + 1, updated_at = ?, "
            "last_status = CASE WHEN ? = 1 THEN ? ELSE last_status END, "
            "last_error = CASE WHEN ? = 1 THEN ? ELSE last_error END, "
            "state = CASE WHEN ? = 1 AND state <> 'in_flight' THEN 'succeeded' ELSE state END, "
            "next_attempt_at = CASE WHEN ? = 1 AND state <> 'in_flight' THEN NULL ELSE next_attempt_at END "
            "WHERE id = ?"));
    const bool succeeded = toWebhookUrl && a.responseStatus >= 200 && a.responseStatus < 300;
    update.bindValue(0, now);
    update.bindValue(1, toWebhookUrl ? 1 : 0);
    update.bindValue(2, a.responseStatus);
    update.bindValue(3, toWebhookUrl ? 1 : 0);
    update.bindValue(4, text(a.errorClass));
    update.bindValue(5, succeeded ? 1 : 0);
    update.bindValue(6, succeeded ? 1 : 0);
    update.bindValue(7, a.deliveryId);
    if (!execOrFail(update))
        return fail();
    update.finish();
    return commit();
}

// --- Housekeeping lock
// ---------------------------------------------------------------------------------------

std::optional<bool> Store::booleanStatement(const char *key, const QString &sql)
{
    if (sql.isEmpty())
        return true; // the backend needs no lock: every instance is the only one
    QSqlQuery &query = prepared(key, sql);
    if (!execOrFail(query))
        return std::nullopt;
    const std::optional<bool> answer =
        query.next() ? std::optional<bool>(query.value(0).toBool()) : std::nullopt;
    query.finish();
    return answer;
}

std::optional<bool> Store::tryHousekeepingLock()
{
    return booleanStatement("housekeepingLock", m_dialect->housekeepingLockStatement());
}

std::optional<bool> Store::holdsHousekeepingLock()
{
    return booleanStatement("housekeepingLockHeld", m_dialect->housekeepingLockHeldStatement());
}

void Store::releaseHousekeepingLock()
{
    booleanStatement("housekeepingUnlock", m_dialect->housekeepingUnlockStatement());
}
