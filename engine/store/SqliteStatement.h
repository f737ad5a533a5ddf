#pragma once

#include <QByteArray>
#include <QString>

class QSqlDatabase;
struct sqlite3;
struct sqlite3_stmt;

// One prepared statement on SQLite's own API, for the few statements every delivery and every intake request
// runs (SQLite only; see Store::nativeStatement).
//
// Qt's driver costs more than SQLite itself on these: every bindValue() goes through a QVariant list, every
// exec() rebuilds the result's QSqlRecord (a QSqlField with its name, type and table for each column) and
// converts every column to a QVariant. callgrind of `serve` draining seeded deliveries put that at about
// 140,000 instructions a delivery of 1,040,000 in the whole process.
//
// The interface follows QSqlQuery's, so that code binding or reading the same columns can take either:
// positions count from 0, exec() runs to the first row, next() walks the rows, finish() releases the
// statement's read cursor.
class SqliteStatement
{
public:
    // Prepares `sql` on `connection` (not taking ownership). A statement that failed to prepare fails every
    // exec() with the reason.
    SqliteStatement(sqlite3 *connection, const QString &sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    // The connection behind a QSqlDatabase of Qt's QSQLITE driver; null for any other driver or when closed.
    static sqlite3 *connectionOf(const QSqlDatabase &db);

    // Values for the next exec(); a value SQLite refuses (an index out of range) fails that exec().
    void bind(int index, qint64 value);
    void bind(int index, const QString &value);       // as UTF-8 text; a null QString binds as ''
    void bind(int index, const QByteArray &value);    // as a blob; a null QByteArray binds as an empty one
    void bindText(int index, const QByteArray &utf8); // as text, for text built as UTF-8 (no QString between)
    void bindNull(int index);

    // Runs the statement from its start with the values bound. False with lastError() on an error.
    bool exec();
    // Moves to the next row of the result (the first, after exec()). False after the last one or on an error
    // (lastError() then says which).
    bool next();
    // Resets the statement: its read cursor ends, its bound values stay.
    void finish();

    bool isNull(int column) const;
    qint64 int64(int column) const;
    QString text(int column) const;
    QByteArray bytes(int column) const;

    // Rows the last INSERT, UPDATE or DELETE on the connection changed, and the last inserted row id.
    int rowsAffected() const;
    qint64 lastInsertId() const;
    QString lastError() const { return m_error; }

private:
    bool stepped(int rc);
    void prepareBind();
    void bound(int index, int rc);

    sqlite3 *m_connection;
    sqlite3_stmt *m_statement = nullptr;
    QString m_error;
    QString m_bindError;    // the first bind that failed since the last exec(), reported by the next one
    bool m_running = false; // stepped since the last reset
    bool m_onRow = false;
    bool m_rowUnread = false; // exec() stepped onto a row that next() has not handed out yet
};
