// `tidings serve --config FILE` with the real binary: the precedence flag > environment > file > default,
// the file's database key, and refusals (unknown key, bad value, missing file) that name the file, the key
// and the value. The settings are observed from outside: which bearer token GET /metrics accepts, which
// database the banner names.
#include "IntakeClient.h"
#include "TidingsProcess.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int kWaitMs = 15000;

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

QUrl metricsUrl(const QUrl &intakeUrl)
{
    QUrl url = intakeUrl;
    url.setPath(QStringLiteral("/metrics"));
    return url;
}

// The status GET /metrics answers with this bearer token.
int metricsStatusWith(const QUrl &intakeUrl, const QByteArray &token)
{
    IntakeClient client(intakeUrl, token);
    return client.send("GET", metricsUrl(intakeUrl), {}, {}).status;
}

} // namespace

class TestServeConfig : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void flagBeatsEnvironmentBeatsFile();
    void fileNamesTheDatabase();
    void refusalsNameFileKeyAndValue_data();
    void refusalsNameFileKeyAndValue();
    void exampleFileIsValid();

private:
    QTemporaryDir m_dir;
};

void TestServeConfig::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestServeConfig::flagBeatsEnvironmentBeatsFile()
{
    const QString config = m_dir.filePath(QStringLiteral("precedence.ini"));
    QVERIFY(writeFile(config, "; tokens from the file\n"
                              "metrics-token = from-file\n"
                              "retention = 7d\n"
                              "allow-destination = 10.0.0.0/8, 192.168.1.20\n"));
    TidingsProcess tidings(m_dir.filePath(QStringLiteral("precedence.db")));
    QString error;

    // The file alone.
    QVERIFY2(tidings.startServe({QStringLiteral("--config"), config}, &error), qPrintable(error));
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-file"), 200);
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-environment"), 401);
    QVERIFY(tidings.stop());

    // The environment over the file; the file named by TIDINGS_CONFIG this time.
    QProcessEnvironment environment = tidings.environment();
    environment.insert(QStringLiteral("TIDINGS_METRICS_TOKEN"), QStringLiteral("from-environment"));
    environment.insert(QStringLiteral("TIDINGS_CONFIG"), config);
    tidings.setEnvironment(environment);
    QVERIFY2(tidings.startServe({}, &error), qPrintable(error));
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-environment"), 200);
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-file"), 401);
    QVERIFY(tidings.stop());

    // The flag over both.
    QVERIFY2(tidings.startServe({QStringLiteral("--metrics-token"), QStringLiteral("from-flag")}, &error),
             qPrintable(error));
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-flag"), 200);
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-environment"), 401);
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-file"), 401);
    QVERIFY(tidings.stop());

    // An empty environment variable counts as not given: the file's value holds.
    environment.insert(QStringLiteral("TIDINGS_METRICS_TOKEN"), QString());
    tidings.setEnvironment(environment);
    QVERIFY2(tidings.startServe({}, &error), qPrintable(error));
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), "from-file"), 200);
    QVERIFY(tidings.stop());
}

void TestServeConfig::fileNamesTheDatabase()
{
    const QString fileDatabase = m_dir.filePath(QStringLiteral("from-file.db"));
    const QString config = m_dir.filePath(QStringLiteral("database.ini"));
    QVERIFY(writeFile(config, "db = " + fileDatabase.toUtf8() + "\n"));

    // Without --db and TIDINGS_DB the file's database is used.
    QProcess serve;
    QProcessEnvironment environment = TidingsProcess(QString()).environment();
    serve.setProcessEnvironment(environment);
    serve.start(QStringLiteral(TIDINGS_BINARY), {QStringLiteral("serve"), QStringLiteral("--config"), config,
                                                 QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    QVERIFY(serve.waitForStarted(5000));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += serve.readAllStandardOutput()).contains("Intake:") ||
                                 serve.state() == QProcess::NotRunning,
                             kWaitMs);
    serve.terminate();
    QVERIFY(serve.waitForFinished(kWaitMs));
    const QByteArray expectedDatabase = QByteArrayLiteral("running on database ") + fileDatabase.toUtf8();
    QVERIFY2(out.contains(expectedDatabase), QByteArray(out + serve.readAllStandardError()).constData());
    QVERIFY(QFile::exists(fileDatabase));

    // --db wins over the file.
    TidingsProcess tidings(m_dir.filePath(QStringLiteral("from-flag.db")));
    QString error;
    QVERIFY2(tidings.startServe({QStringLiteral("--config"), config}, &error), qPrintable(error));
    QVERIFY2(tidings.serveStdout().contains(QByteArray("running on database " + tidings.dbPath().toUtf8())),
             tidings.serveStdout().constData());
    QVERIFY(tidings.stop());
}

void TestServeConfig::refusalsNameFileKeyAndValue_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("environment"); // NAME=value pairs
    QTest::addColumn<QStringList>("expected");    // substrings of stderr; {file} is the file's path

    QTest::newRow("unknown key") << QByteArray("listen = 127.0.0.1:0\npoll-intervall = 5\n") << QStringList()
                                 << QStringList{QStringLiteral("{file}"),
                                                QStringLiteral("unknown key \"poll-intervall\"")};
    QTest::newRow("hash comment") << QByteArray("# retention = 7d\n") << QStringList()
                                  << QStringList{QStringLiteral("{file}"),
                                                 QStringLiteral("comments in an INI file start with ';'")};
    QTest::newRow("key in a section")
        << QByteArray("[serve]\nretention = 7d\n") << QStringList()
        << QStringList{QStringLiteral("{file}"), QStringLiteral("\"serve/retention\"")};
    QTest::newRow("bad poll interval") << QByteArray("poll-interval = fast\n") << QStringList()
                                       << QStringList{QStringLiteral("{file}: poll-interval \"fast\""),
                                                      QStringLiteral("0.05 to 3600 seconds")};
    QTest::newRow("bad retention") << QByteArray("retention = 3 weeks\n") << QStringList()
                                   << QStringList{QStringLiteral("{file}: retention \"3 weeks\""),
                                                  QStringLiteral("is not an age")};
    QTest::newRow("bad durability") << QByteArray("durability = sometimes\n") << QStringList()
                                    << QStringList{QStringLiteral("{file}: durability"),
                                                   QStringLiteral("\"sometimes\"")};
    QTest::newRow("bad allowlist entry")
        << QByteArray("allow-destination = 10.0.0.0/8, nowhere\n") << QStringList()
        << QStringList{QStringLiteral("{file}: allow-destination"), QStringLiteral("nowhere")};
    QTest::newRow("bad log format") << QByteArray("log-format = xml\n") << QStringList()
                                    << QStringList{QStringLiteral("{file}: log-format"),
                                                   QStringLiteral("\"xml\"")};
    QTest::newRow("bad environment value names the variable")
        << QByteArray("body-limit = 4096\n") << QStringList{QStringLiteral("TIDINGS_BODY_LIMIT=12")}
        << QStringList{QStringLiteral("TIDINGS_BODY_LIMIT \"12\""), QStringLiteral("1024 to 67108864 bytes")};
    QTest::newRow("missing file") << QByteArray() << QStringList()
                                  << QStringList{QStringLiteral("{file}"), QStringLiteral("does not exist")};
}

void TestServeConfig::refusalsNameFileKeyAndValue()
{
    QFETCH(QByteArray, content);
    QFETCH(QStringList, environment);
    QFETCH(QStringList, expected);

    const QString config = m_dir.filePath(QStringLiteral("refused-%1.ini")
                                              .arg(QString::fromLatin1(QTest::currentDataTag()))
                                              .replace(u' ', u'-'));
    if (!content.isEmpty())
        QVERIFY(writeFile(config, content));
    TidingsProcess tidings(m_dir.filePath(QStringLiteral("refused.db")));
    QProcessEnvironment variables = tidings.environment();
    for (const QString &pair : environment)
        variables.insert(pair.section(u'=', 0, 0), pair.section(u'=', 1));
    tidings.setEnvironment(variables);
    const CliResult result = tidings.runCli({QStringLiteral("serve"), QStringLiteral("--config"), config,
                                             QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")},
                                            kWaitMs);
    QVERIFY2(result.exitCode == 2, qPrintable(result.describe()));
    const QString err = QString::fromLocal8Bit(result.err);
    for (QString part : expected) {
        part.replace(QStringLiteral("{file}"), config);
        QVERIFY2(err.contains(part), qPrintable(QStringLiteral("\"%1\" not in: %2").arg(part, err)));
    }
    QVERIFY(!result.out.contains("Intake:"));
}

void TestServeConfig::exampleFileIsValid()
{
    // The example shipped in resources/ (every key, commented where it has no sensible default) must start.
    const QString example = QStringLiteral(TIDINGS_TEST_DATA_DIR "/../../resources/serve.ini");
    QVERIFY2(QFile::exists(example), qPrintable(example));
    TidingsProcess tidings(m_dir.filePath(QStringLiteral("example.db")));
    QString error;
    QVERIFY2(tidings.startServe({QStringLiteral("--config"), example}, &error), qPrintable(error));
    QCOMPARE(metricsStatusWith(tidings.intakeUrl(), {}), 200);
    QVERIFY(tidings.stop());
}

QTEST_MAIN(TestServeConfig)
#include "tst_serveconfig.moc"
