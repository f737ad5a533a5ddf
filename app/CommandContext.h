#pragma once

#include <QString>
#include <QTextStream>

#include <memory>

class AdminClient;
class QCommandLineParser;
class Store;

// What every command gets: where the database is, where to print, and the store once opened.
class CommandContext
{
public:
    enum ExitCode
    {
        Success = 0,
        Failure = 1,
        UsageError = 2
    };

    explicit CommandContext(QString databaseLocation);
    ~CommandContext();

    QString databaseLocation() const { return m_databaseLocation; }
    // --db was on the command line (not TIDINGS_DB or the default): it then beats serve's --config file.
    bool databaseGiven() const { return m_databaseGiven; }
    void setDatabaseGiven(bool given) { m_databaseGiven = given; }
    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }
    // Opens (and migrates) the database; prints why not and returns nullptr on failure.
    Store *store();
    // --server URL --token T: the commands that manage webhooks and replay talk to that running instance
    // through its admin API instead of opening the database.
    void setServer(const QString &url, const QByteArray &token);
    // The remote server's client, or nullptr when the command works on the database.
    AdminClient *remote() { return m_remote.get(); }
    // Prints "tidings: <message>" to stderr and returns the exit code, for one-line error exits.
    int fail(const QString &message, int code = Failure);
    // Parses a subcommand's options; an unknown option is a usage error with `usage` printed, never ignored.
    bool parseOptions(QCommandLineParser &parser, const QStringList &arguments, const QString &usage,
                      int *exitCode);

private:
    QString m_databaseLocation;
    bool m_databaseGiven = false;
    QTextStream m_out;
    QTextStream m_err;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<AdminClient> m_remote;
};
