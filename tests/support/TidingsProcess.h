#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

// The result of one `tidings` command-line run.
struct CliResult
{
    int exitCode = -1; // -1 when it did not start, crashed or timed out
    QByteArray out;
    QByteArray err;
    QString describe() const; // one line for failure messages
};

// Drives the real `tidings` executable the way a user does: command-line runs against one database, and one
// long-running `serve` whose intake URL is read from its own output (it listens on port 0, so parallel
// test runs never collide).
class TidingsProcess : public QObject
{
    Q_OBJECT
public:
    explicit TidingsProcess(const QString &dbPath, const QString &binary = QString(),
                            QObject *parent = nullptr);
    ~TidingsProcess() override;

    QString binary() const { return m_binary; }
    QString dbPath() const { return m_dbPath; }
    // The environment of every run: the test's own minus TIDINGS_* (a developer's TIDINGS_DB or
    // TIDINGS_POLL_INTERVAL must not change what a test exercises). Tests that want a variable set it here.
    QProcessEnvironment environment() const { return m_environment; }
    void setEnvironment(const QProcessEnvironment &environment) { m_environment = environment; }

    // tidings --db <db> <args...>. The event loop keeps running meanwhile, so in-process sinks keep
    // answering.
    CliResult runCli(const QStringList &args, int timeoutMs = 30000);

    // tidings --db <db> serve --listen 127.0.0.1:0 <extraArgs...>; waits for "Intake: <url>" on stdout.
    // False and a reason (with what serve printed) when it exits or stays silent for timeoutMs.
    bool startServe(const QStringList &extraArgs, QString *error = nullptr, int timeoutMs = 15000);
    QUrl intakeUrl() const { return m_intakeUrl; }
    bool isServing() const { return m_serve.state() != QProcess::NotRunning; }
    qint64 servePid() const { return m_serve.processId(); }

    // SIGTERM, then wait; true when serve exited on its own with code 0 within timeoutMs (killed otherwise).
    bool stop(int timeoutMs = 10000);
    void kill(); // SIGKILL: a crash, for recovery tests
    int serveExitCode() const { return m_serve.exitCode(); }
    QProcess::ExitStatus serveExitStatus() const { return m_serve.exitStatus(); }

    QByteArray serveStdout() const { return m_serveOut; }
    QByteArray serveStderr() const { return m_serveErr; }
    // Echo each stderr line of serve through qInfo as it arrives (on by default): the log then sits next to
    // the failing assertion in ctest's output.
    void setEchoServeStderr(bool echo) { m_echo = echo; }

signals:
    void serveOutput(const QByteArray &line);

private:
    void onServeStdout();
    void onServeStderr();

    QString m_dbPath;
    QString m_binary;
    QProcessEnvironment m_environment;
    QProcess m_serve;
    QByteArray m_serveOut;
    QByteArray m_serveErr;
    QByteArray m_stdoutLine;
    QByteArray m_stderrLine;
    QUrl m_intakeUrl;
    bool m_echo = true;
};
