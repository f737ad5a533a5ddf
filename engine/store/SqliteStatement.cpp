#include "SqliteStatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

#include <utility>

SqliteStatement::SqliteStatement(sqlite3 *connection, const QString &sql)
    : m_connection(connection)
{
    const QByteArray utf8 = sql.toUtf8();
    // PERSISTENT: kept for the life of the connection, like Qt's prepared queries in Store.
    if (sqlite3_prepare_v3(connection, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT,
                           &m_statement, nullptr) != SQLITE_OK) {
        m_error = QStringLiteral("cannot prepare \"%1\": %2")
                      .arg(sql, QString::fromUtf8(sqlite3_errmsg(connection)));
        sqlite3_finalize(m_statement);
        m_statement = nullptr;
    }
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement);
}

sqlite3 *SqliteStatement::connectionOf(const QSqlDatabase &db)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

void SqliteStatement::bind(int index, qint64 value)
{
    prepareBind();
    bound(index, sqlite3_bind_int64(m_statement, index + 1, value));
}

void SqliteStatement::bind(int index, const QString &value)
{
    bindText(index, value.toUtf8()); // a null QString gives a null QByteArray, bound as ''
}

void SqliteStatement::bindText(int index, const QByteArray &utf8)
{
    prepareBind();
    // TRANSIENT: SQLite copies the bytes; a caller's temporary (bind(QString)'s) dies when this returns.
    bound(index, sqlite3_bind_text(m_statement, index + 1, utf8.isNull() ? "" : utf8.constData(),
                                   int(utf8.size()), SQLITE_TRANSIENT));
}

void SqliteStatement::bind(int index, const QByteArray &value)
{
    prepareBind();
    // The caller's bytes outlive the statement's run only if the caller keeps them; copy, as for text.
    bound(index, sqlite3_bind_blob(m_statement, index + 1, value.isNull() ? "" : value.constData(),
                                   int(value.size()), SQLITE_TRANSIENT));
}

void SqliteStatement::bindNull(int index)
{
    prepareBind();
    bound(index, sqlite3_bind_null(m_statement, index + 1));
}

void SqliteStatement::prepareBind()
{
    // SQLite refuses new values (SQLITE_MISUSE) while a run has not been reset: a caller that binds for the
    // next run after reading some rows, or all of them, means to start over.
    if (m_running)
        finish();
}

void SqliteStatement::bound(int index, int rc)
{
    if (rc != SQLITE_OK && m_statement && m_bindError.isEmpty())
        m_bindError = QStringLiteral("cannot bind parameter %1: %2")
                          .arg(index)
                          .arg(QString::fromUtf8(sqlite3_errstr(rc)));
}

bool SqliteStatement::exec()
{
    m_onRow = m_rowUnread = false;
    if (!m_statement)
        return false; // m_error says why since the constructor
    if (!m_bindError.isEmpty()) {
        m_error = std::exchange(m_bindError, {});
        return false;
    }
    m_error.clear();
    if (m_running)
        sqlite3_reset(m_statement);
    m_running = true;
    if (!stepped(sqlite3_step(m_statement)))
        return false;
    m_rowUnread = m_onRow;
    return true;
}

bool SqliteStatement::next()
{
    if (m_rowUnread) {
        m_rowUnread = false;
        return true;
    }
    if (!m_onRow)
        return false;
    stepped(sqlite3_step(m_statement));
    return m_onRow;
}

bool SqliteStatement::stepped(int rc)
{
    m_onRow = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return true;
    m_error = QString::fromUtf8(sqlite3_errmsg(m_connection));
    // Ends the failed run now: a statement left mid-run would keep its transaction's read cursor open.
    finish();
    return false;
}

void SqliteStatement::finish()
{
    m_onRow = m_rowUnread = m_running = false;
    if (m_statement)
        sqlite3_reset(m_statement);
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

qint64 SqliteStatement::int64(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

QString SqliteStatement::text(int column) const
{
    // Pointer first, then size: that is the order in which SQLite's documentation promises a valid size.
    const auto *utf8 = reinterpret_cast<const char *>(sqlite3_column_text(m_statement, column));
    return QString::fromUtf8(utf8, sqlite3_column_bytes(m_statement, column));
}

QByteArray SqliteStatement::bytes(int column) const
{
    const auto *data = static_cast<const char *>(sqlite3_column_blob(m_statement, column));
    return QByteArray(data, sqlite3_column_bytes(m_statement, column));
}

int SqliteStatement::rowsAffected() const
{
    return sqlite3_changes(m_connection);
}

qint64 SqliteStatement::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_connection);
}
