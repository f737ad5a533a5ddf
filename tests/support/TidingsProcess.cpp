#include "TidingsProcess.h"

#include "ProcessWait.h"

#include <QDebug>
#include <QEventLoop>
#include <QRegularExpression>
#include <QTimer>

#ifndef TIDINGS_BINARY
#define TIDINGS_BINARY ""
#endif

QString CliResult::describe() const
{
    return QStringLiteral("exit code %1; stdout: %2; stderr: %3")
        .arg(exitCode)
        .arg(QString::fromLocal8Bit(out.trimmed()), QString::fromLocal8Bit(err.trimmed()));
}

TidingsProcess::TidingsProcess(const QString &dbPath, const QString &binary, QObject *parent)
    : QObject(parent)
    , m_dbPath(dbPath)
    , m_binary(binary.isEmpty() ? QStringLiteral(TIDINGS_BINARY) : binary)
    , m_environment(QProcessEnvironment::systemEnvironment())
{
    const QStringList keys = m_environment.keys();
    for (const QString &key : keys) {
        if (key.startsWith(QLatin1String("TIDINGS_")))
            m_environment.remove(key);
    }
    connect(&m_serve, &QProcess::readyReadStandardOutput, this, &TidingsProcess::onServeStdout);
    connect(&m_serve, &QProcess::readyReadStandardError, this, &TidingsProcess::onServeStderr);
}

TidingsProcess::~TidingsProcess()
{
    if (m_serve.state() != QProcess::NotRunning) {
        m_serve.kill();
        m_serve.waitForFinished(5000);
    }
}

CliResult TidingsProcess::runCli(const QStringList &args, int timeoutMs)
{
    CliResult result;
    QProcess process;
    process.setProcessEnvironment(m_environment);
    process.start(m_binary, QStringList{QStringLiteral("--db"), m_dbPath} + args);
    if (!process.waitForStarted(5000)) {
        result.err = "cannot start " + m_binary.toLocal8Bit() + ": " + process.errorString().toLocal8Bit();
        return result;
    }
    const bool exited = waitForProcessExit(process, timeoutMs);
    if (!exited) {
        process.kill();
        waitForProcessExit(process, 5000);
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    if (!exited)
        result.err.prepend("timed out after " + QByteArray::number(timeoutMs) + " ms\n");
    else if (process.exitStatus() == QProcess::NormalExit)
        result.exitCode = process.exitCode();
    else
        result.err.prepend("crashed\n");
    return result;
}

bool TidingsProcess::startServe(const QStringList &extraArgs, QString *error, int timeoutMs)
{
    m_intakeUrl.clear();
    m_serveOut.clear();
    m_serveErr.clear();
    m_stdoutLine.clear();
    m_stderrLine.clear();
    const QStringList args = QStringList{QStringLiteral("--db"), m_dbPath, QStringLiteral("serve"),
                                         QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")} +
                             extraArgs;
    m_serve.setProcessEnvironment(m_environment);
    m_serve.start(m_binary, args);
    if (!m_serve.waitForStarted(5000)) {
        if (error)
            *error = QStringLiteral("cannot start %1: %2").arg(m_binary, m_serve.errorString());
        return false;
    }

    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(&m_serve, &QProcess::finished, &loop, &QEventLoop::quit);
    const QMetaObject::Connection lines =
        connect(this, &TidingsProcess::serveOutput, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    while (m_intakeUrl.isEmpty() && m_serve.state() == QProcess::Running && timer.isActive())
        loop.exec();
    disconnect(lines);
    if (m_intakeUrl.isValid() && !m_intakeUrl.isEmpty())
        return true;

    const bool exited = m_serve.state() == QProcess::NotRunning;
    if (!exited)
        kill();
    onServeStdout();
    onServeStderr();
    if (error) {
        *error =
            QStringLiteral("`tidings %1` %2 without printing \"Intake: <url>\"; stdout:\n%3\nstderr:\n%4")
                .arg(args.join(u' '),
                     exited ? QStringLiteral("exited with code %1").arg(m_serve.exitCode())
                            : QStringLiteral("ran for %1 ms").arg(timeoutMs),
                     QString::fromLocal8Bit(m_serveOut), QString::fromLocal8Bit(m_serveErr));
    }
    return false;
}

void TidingsProcess::onServeStdout()
{
    const QByteArray chunk = m_serve.readAllStandardOutput();
    m_serveOut += chunk;
    m_stdoutLine += chunk;
    static const QRegularExpression intake(QStringLiteral("^Intake:\\s*(https?://\\S+)"));
    qsizetype newline;
    while ((newline = m_stdoutLine.indexOf('\n')) >= 0) {
        const QByteArray line = m_stdoutLine.left(newline).trimmed();
        m_stdoutLine.remove(0, newline + 1);
        const QRegularExpressionMatch match = intake.match(QString::fromUtf8(line));
        if (match.hasMatch() && m_intakeUrl.isEmpty())
            m_intakeUrl = QUrl(match.captured(1));
        emit serveOutput(line);
    }
}

void TidingsProcess::onServeStderr()
{
    const QByteArray chunk = m_serve.readAllStandardError();
    m_serveErr += chunk;
    m_stderrLine += chunk;
    qsizetype newline;
    while ((newline = m_stderrLine.indexOf('\n')) >= 0) {
        if (m_echo)
            qInfo().noquote() << "[tidings serve]" << QString::fromLocal8Bit(m_stderrLine.left(newline));
        m_stderrLine.remove(0, newline + 1);
    }
}

bool TidingsProcess::stop(int timeoutMs)
{
    if (m_serve.state() == QProcess::NotRunning)
        return m_serve.exitStatus() == QProcess::NormalExit && m_serve.exitCode() == 0;
    m_serve.terminate();
    if (!waitForProcessExit(m_serve, timeoutMs)) {
        kill();
        return false;
    }
    onServeStdout();
    onServeStderr();
    return m_serve.exitStatus() == QProcess::NormalExit && m_serve.exitCode() == 0;
}

void TidingsProcess::kill()
{
    if (m_serve.state() == QProcess::NotRunning)
        return;
    m_serve.kill();
    waitForProcessExit(m_serve, 5000);
}
