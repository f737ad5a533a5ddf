#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

// A private PostgreSQL server for tests: initdb into a temporary directory, pg_ctl start on a Unix socket in
// that directory (no TCP port to collide with other runs), stopped and removed when the object goes. As
// root (CI) the server runs as the `postgres` user, because PostgreSQL refuses to run as root. It runs with
// fsync off (the tests never crash the server itself).
// Uses the Debian packages `postgresql` (server binaries) and `libqt6sql6-psql` (Qt's driver).
class PostgresCluster
{
public:
    PostgresCluster();
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster &) = delete;
    PostgresCluster &operator=(const PostgresCluster &) = delete;

    // One cluster per test process, started on first use; null with `error` set when it cannot start.
    static PostgresCluster *shared(QString *error);
    static bool serverInstalled();

    bool start(QString *error);
    void stop();
    // A new empty database; returns its URL (postgresql://tidings@/name?host=<socket dir>) or empty.
    QString createDatabase(QString *error);
    QString socketDirectory() const;
    int port() const { return m_port; }

private:
    bool run(const QString &program, const QStringList &arguments, QString *error, int timeoutMs = 60000);

    QTemporaryDir m_dir;
    QString m_binDir;
    int m_port = 0;
    bool m_running = false;
    int m_databases = 0;
};
