#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

class QSqlDatabase;
class SqlDialect;

// One step of the schema. Versions count up from 1; a database records the last one applied.
struct Migration
{
    int version = 0;
    QString description;
    QStringList statements; // in the dialect-neutral schema language (see SqlDialect::expandSchema)
    // What only one backend can say (full-text tables, extensions), by SqlDialect::name(); run after
    // `statements` in the same transaction.
    QHash<QString, QStringList> dialectStatements;
};

// Brings a database to the newest schema, each step in its own transaction together with the version record,
// so a failed step leaves the schema it started from.
class Migrations
{
public:
    static QList<Migration> all();

    explicit Migrations(QList<Migration> migrations = all());

    int latestVersion() const;
    // The version a database is at: 0 for an empty one.
    static int currentVersion(QSqlDatabase &db, QString *error);
    // Applies what is missing. Refuses a database newer than this build knows.
    bool apply(QSqlDatabase &db, const SqlDialect &dialect, QString *error) const;

private:
    QList<Migration> m_migrations;
};
