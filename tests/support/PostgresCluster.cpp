#include "PostgresCluster.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <unistd.h>

namespace {

QString findBinDir()
{
    // Debian keeps the server binaries out of PATH, one directory per major version.
    const QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : versions) {
        const QString bin = root.filePath(version + QStringLiteral("/bin"));
        if (QFile::exists(bin + QStringLiteral("/initdb")) && QFile::exists(bin + QStringLiteral("/pg_ctl")))
            return bin;
    }
    return {};
}

const QString superuser = QStringLiteral("tidings");

} // namespace

PostgresCluster::PostgresCluster()
    : m_binDir(findBinDir())
{
    // The server process (user postgres under root) must be able to enter the directory.
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                            QFile::ExeOther);
}

PostgresCluster::~PostgresCluster()
{
    stop();
}

bool PostgresCluster::serverInstalled()
{
    return !findBinDir().isEmpty();
}

PostgresCluster *PostgresCluster::shared(QString *error)
{
    static std::unique_ptr<PostgresCluster> cluster;
    static QString startError;
    if (!cluster && startError.isEmpty()) {
        auto candidate = std::make_unique<PostgresCluster>();
        if (candidate->start(&startError)) {
            cluster = std::move(candidate);
            // Stopped before the application's statics go, while QProcess still works.
            qAddPostRoutine([] { cluster.reset(); });
        }
    }
    if (!cluster)
        *error = startError;
    return cluster.get();
}

QString PostgresCluster::socketDirectory() const
{
    return m_dir.filePath(QStringLiteral("socket"));
}

bool PostgresCluster::run(const QString &program, const QStringList &arguments, QString *error, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QString executable = m_binDir + QLatin1Char('/') + program;
    QStringList args = arguments;
    if (geteuid() == 0) {
        // PostgreSQL refuses to run as root; the Debian package created the postgres user.
        args.prepend(executable);
        args.prepend(QStringLiteral("--"));
        args.prepend(QStringLiteral("postgres"));
        args.prepend(QStringLiteral("-u"));
        executable = QStringLiteral("runuser");
    }
    process.start(executable, args);
    if (!process.waitForFinished(timeoutMs) || process.exitStatus() != QProcess::NormalExit ||
        process.exitCode() != 0) {
        *error =
            QStringLiteral("%1 failed: %2").arg(program, QString::fromLocal8Bit(process.readAll()).trimmed());
        return false;
    }
    return true;
}

bool PostgresCluster::start(QString *error)
{
    if (m_binDir.isEmpty()) {
        *error = QStringLiteral("PostgreSQL server binaries not found under /usr/lib/postgresql "
                                "(install the Debian package postgresql: scripts/install-deps.sh test)");
        return false;
    }
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary directory for the cluster");
        return false;
    }
    const QString data = m_dir.filePath(QStringLiteral("data"));
    QDir().mkpath(socketDirectory());
    QDir().mkpath(data);
    if (geteuid() == 0) {
        QProcess::execute(QStringLiteral("chown"),
                          {QStringLiteral("-R"), QStringLiteral("postgres:postgres"), m_dir.path()});
    }
    if (!run(QStringLiteral("initdb"),
             {QStringLiteral("-D"), data, QStringLiteral("-U"), superuser, QStringLiteral("--auth=trust"),
              QStringLiteral("--no-sync"), QStringLiteral("-E"), QStringLiteral("UTF8"),
              QStringLiteral("--locale=C")},
             error))
        return false;
    // A Unix socket only, no TCP: the port number just names the socket file. fsync off: the tests kill and
    // stop Tidings, never the database server, so a commit only has to reach the server (Tidings still asks
    // for synchronous_commit); syncing every commit to disk would only make the suites slower on a shared
    // machine.
    m_port = 20000 + int(QRandomGenerator::global()->bounded(20000));
    const QString options = QStringLiteral("-k %1 -p %2 -c listen_addresses='' -c max_connections=200 "
                                           "-c shared_buffers=32MB -c fsync=off -c full_page_writes=off")
                                .arg(socketDirectory())
                                .arg(m_port);
    if (!run(QStringLiteral("pg_ctl"),
             {QStringLiteral("-D"), data, QStringLiteral("-o"), options, QStringLiteral("-l"),
              m_dir.filePath(QStringLiteral("server.log")), QStringLiteral("-w"), QStringLiteral("start")},
             error))
        return false;
    m_running = true;
    return true;
}

void PostgresCluster::stop()
{
    if (!m_running)
        return;
    QString error;
    run(QStringLiteral("pg_ctl"),
        {QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-m"),
         QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("stop")},
        &error);
    m_running = false;
}

QString PostgresCluster::createDatabase(QString *error)
{
    const QString name =
        QStringLiteral("tidings_test_%1_%2").arg(QCoreApplication::applicationPid()).arg(++m_databases);
    {
        QSqlDatabase admin =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("cluster-admin"));
        admin.setHostName(socketDirectory());
        admin.setPort(m_port);
        admin.setUserName(superuser);
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open()) {
            *error = QStringLiteral("cannot connect to the test cluster: %1").arg(admin.lastError().text());
        } else {
            QSqlQuery query(admin);
            if (!query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)))
                *error = query.lastError().text();
            admin.close();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("cluster-admin"));
    if (!error->isEmpty())
        return {};
    return QStringLiteral("postgresql://%1@localhost:%2/%3?host=%4")
        .arg(superuser)
        .arg(m_port)
        .arg(name, socketDirectory());
}
