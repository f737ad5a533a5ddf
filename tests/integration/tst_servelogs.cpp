// The log of the real `tidings serve`: one line per event on stderr, each with time, level and category;
// plain text by default, JSON lines with --log-format json. Debug lines are switched on so the engine thread
// and the main thread both write while deliveries run.
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int kWaitMs = 15000;

const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"),
                         QStringLiteral("error"), QStringLiteral("fatal")};

struct LogLine
{
    QDateTime time;
    QString level;
    QString category;
    QString message;
};

} // namespace

class TestServeLogs : public QObject
{
    Q_OBJECT

private slots:
    void jsonLines();
    void plainLines();

private:
    // Runs serve with `logArguments`, makes it log (a delivery answered 410 disables the webhook, a stop),
    // and returns its stderr lines.
    QList<QByteArray> serveLog(const QStringList &logArguments);
};

QList<QByteArray> TestServeLogs::serveLog(const QStringList &logArguments)
{
    QTemporaryDir dir;
    if (!dir.isValid())
        return {};
    HttpSink gone;
    HttpSink::Behaviour behaviour;
    behaviour.status = 410;
    gone.setBehaviour(behaviour);
    if (!gone.start())
        return {};
    TidingsProcess tidings(dir.filePath(QStringLiteral("logs.db")));
    tidings.setEchoServeStderr(false);
    const CliResult added =
        tidings.runCli({QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                        QStringLiteral("gone"), QStringLiteral("--url"), gone.url().toString()});
    if (added.exitCode != 0) {
        qWarning("webhook add failed: %s", qPrintable(added.describe()));
        return {};
    }
    QProcessEnvironment environment = tidings.environment();
    environment.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("tidings.*.debug=true"));
    tidings.setEnvironment(environment);
    QString error;
    if (!tidings.startServe(logArguments, &error)) {
        qWarning("%s", qPrintable(error));
        return {};
    }
    IntakeClient registry(tidings.intakeUrl());
    if (registry.post(EventFactory::envelopeOf({})).status != 202)
        return {};
    if (!QTest::qWaitFor([&tidings] { return tidings.serveStderr().contains("disabled"); }, kWaitMs))
        qWarning("no \"disabled\" line within %d ms", kWaitMs);
    if (!tidings.stop())
        qWarning("serve did not stop cleanly");
    QByteArray text = tidings.serveStderr();
    if (text.endsWith('\n'))
        text.chop(1);
    return text.split('\n');
}

void TestServeLogs::jsonLines()
{
    const QList<QByteArray> lines = serveLog({QStringLiteral("--log-format"), QStringLiteral("json")});
    QVERIFY(lines.size() >= 3);
    QList<LogLine> parsed;
    for (const QByteArray &line : lines) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        QVERIFY2(parseError.error == QJsonParseError::NoError && document.isObject(),
                 qPrintable(QStringLiteral("not a JSON object: ") + QString::fromUtf8(line)));
        const QJsonObject object = document.object();
        for (const char *field : {"time", "level", "category", "message"})
            QVERIFY2(object.value(QLatin1String(field)).isString(), qPrintable(QString::fromUtf8(line)));
        LogLine entry{QDateTime::fromString(object.value(u"time").toString(), Qt::ISODateWithMs),
                      object.value(u"level").toString(), object.value(u"category").toString(),
                      object.value(u"message").toString()};
        QVERIFY2(entry.time.isValid() && entry.time.timeSpec() == Qt::UTC,
                 qPrintable(QString::fromUtf8(line)));
        QVERIFY2(qAbs(entry.time.secsTo(QDateTime::currentDateTimeUtc())) < 300,
                 qPrintable(QString::fromUtf8(line)));
        QVERIFY2(levels.contains(entry.level), qPrintable(QString::fromUtf8(line)));
        QVERIFY2(!entry.category.isEmpty() && !entry.message.isEmpty(), qPrintable(QString::fromUtf8(line)));
        parsed.append(entry);
    }
    auto has = [&parsed](const QString &level, const QString &category, const QString &text) {
        for (const LogLine &entry : parsed) {
            if (entry.level == level && entry.category == category && entry.message.contains(text))
                return true;
        }
        return false;
    };
    // From the engine thread, a debug line of the dispatcher, and the main thread's stop.
    QVERIFY(has(QStringLiteral("warning"), QStringLiteral("tidings.ops"), QStringLiteral("disabled")));
    QVERIFY(has(QStringLiteral("info"), QStringLiteral("tidings.serve"), QStringLiteral("stopping")));
    // The attempt, logged on the engine thread while the main thread logs too.
    QVERIFY(
        has(QStringLiteral("info"), QStringLiteral("tidings.delivery"), QStringLiteral("failed: http 410")));
}

void TestServeLogs::plainLines()
{
    const QList<QByteArray> lines = serveLog({});
    QVERIFY(lines.size() >= 3);
    static const QRegularExpression shape(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z "
                       "(debug|info|warning|error|fatal) [A-Za-z0-9_.]+: .+$"));
    bool disabled = false;
    for (const QByteArray &line : lines) {
        const QString text = QString::fromUtf8(line);
        QVERIFY2(shape.match(text).hasMatch(), qPrintable(QStringLiteral("not a plain log line: ") + text));
        disabled = disabled || (text.contains(QLatin1String(" warning tidings.ops: ")) &&
                                text.contains(QLatin1String("disabled")));
    }
    QVERIFY(disabled);
}

QTEST_MAIN(TestServeLogs)
#include "tst_servelogs.moc"
