// `tidings webhook|deliveries|replay --server URL --token T`: the real CLI managing a real `tidings serve`
// through its admin API. The CLI runs with a --db it could not open, so anything it does went over HTTP.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString kAdminToken = QStringLiteral("remote-admin-token");
constexpr int kDeliveryMs = 10000;

QJsonDocument jsonOf(const CliResult &result)
{
    return QJsonDocument::fromJson(result.out);
}

} // namespace

class TestCliRemote : public QObject
{
    Q_OBJECT

private:
    // serve on the real database, and a CLI whose own --db is unusable (a path below a regular file).
    struct Setup
    {
        QTemporaryDir dir;
        std::unique_ptr<TidingsProcess> server;
        std::unique_ptr<TidingsProcess> remote;
        QString url;
    };
    static bool start(Setup &setup, QString *error)
    {
        // The server's database: a file, or PostgreSQL in the suite's second run.
        const QString location =
            EngineFixture::freshLocation(setup.dir.filePath(QStringLiteral("server.db")), error);
        if (location.isEmpty())
            return false;
        setup.server = std::make_unique<TidingsProcess>(location);
        QFile blocker(setup.dir.filePath(QStringLiteral("not-a-directory")));
        if (!blocker.open(QIODevice::WriteOnly))
            return false;
        blocker.close();
        setup.remote =
            std::make_unique<TidingsProcess>(setup.dir.filePath(QStringLiteral("not-a-directory/cli.db")));
        if (!setup.server->startServe({QStringLiteral("--admin-token"), kAdminToken,
                                       QStringLiteral("--poll-interval"), QStringLiteral("60")},
                                      error))
            return false;
        QUrl url = setup.server->intakeUrl();
        url.setPath(QString());
        setup.url = url.toString();
        return true;
    }
    static CliResult remote(Setup &setup, const QStringList &args)
    {
        return setup.remote->runCli(
            QStringList{QStringLiteral("--server"), setup.url, QStringLiteral("--token"), kAdminToken} +
            args);
    }

private slots:
    void managesWebhooksOfARunningServer();
    void refusesWhatTheDatabaseCommandsRefuse();
    void listsShowsAndReplaysDeliveries();
    void authAndReachabilityErrors();
    void serverAndTokenFromTheEnvironment();
};

void TestCliRemote::managesWebhooksOfARunningServer()
{
    Setup setup;
    QString error;
    QVERIFY2(start(setup, &error), qPrintable(error));
    HttpSink sink;
    QVERIFY(sink.start());

    // The unusable --db really is unusable: without --server the same command fails.
    QCOMPARE(setup.remote->runCli({QStringLiteral("webhook"), QStringLiteral("list")}).exitCode, 1);

    CliResult result =
        remote(setup, {QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                       QStringLiteral("deploy-bot"), QStringLiteral("--url"), sink.url().toString(),
                       QStringLiteral("--generate-secret"), QStringLiteral("--repository"),
                       QStringLiteral("team/*"), QStringLiteral("--timeout"), QStringLiteral("7")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.out.contains("Added webhook \"deploy-bot\""));
    QVERIFY(result.out.contains("Signing secret"));
    QVERIFY(result.out.contains("whsec_"));

    // The server's own database has it, as the local CLI reads it.
    result = setup.server->runCli({QStringLiteral("webhook"), QStringLiteral("show"),
                                   QStringLiteral("deploy-bot"), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("timeoutSeconds")).toInt(), 7);
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("repositories")).toArray(),
             QJsonArray{QStringLiteral("team/*")});

    // And the running engine delivers to it at once.
    IntakeClient intake(setup.server->intakeUrl());
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).json().value(QStringLiteral("deliveries")).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, kDeliveryMs);

    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(jsonOf(result).array().size(), 1);
    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("list")});
    QVERIFY(result.out.contains("deploy-bot"));
    QVERIFY(result.out.contains("enabled"));

    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("deploy-bot"),
                            QStringLiteral("--json"), QStringLiteral("--reveal-secret")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(jsonOf(result)
                .object()
                .value(QStringLiteral("secret"))
                .toString()
                .startsWith(QLatin1String("whsec_")));
    QVERIFY(jsonOf(result).object().value(QStringLiteral("secret")).toString() !=
            QLatin1String("whsec_********"));

    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("update"), QStringLiteral("deploy-bot"),
                            QStringLiteral("--concurrency"), QStringLiteral("2")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    result =
        remote(setup, {QStringLiteral("webhook"), QStringLiteral("disable"), QStringLiteral("deploy-bot"),
                       QStringLiteral("--reason"), QStringLiteral("maintenance")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    result = setup.server->runCli({QStringLiteral("webhook"), QStringLiteral("show"),
                                   QStringLiteral("deploy-bot"), QStringLiteral("--json")});
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("concurrency")).toInt(), 2);
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("enabled")).toBool(), false);
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("disabledReason")).toString(),
             QStringLiteral("maintenance"));
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).json().value(QStringLiteral("deliveries")).toInt(), 0);

    QCOMPARE(
        remote(setup, {QStringLiteral("webhook"), QStringLiteral("enable"), QStringLiteral("deploy-bot")})
            .exitCode,
        0);
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).json().value(QStringLiteral("deliveries")).toInt(), 1);

    result =
        remote(setup, {QStringLiteral("webhook"), QStringLiteral("remove"), QStringLiteral("deploy-bot")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.out.contains("Removed webhook \"deploy-bot\""));
    QCOMPARE(setup.server
                 ->runCli({QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("deploy-bot")})
                 .exitCode,
             1);
    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("deploy-bot")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("no webhook \"deploy-bot\""), qPrintable(result.describe()));
}

void TestCliRemote::refusesWhatTheDatabaseCommandsRefuse()
{
    Setup setup;
    QString error;
    QVERIFY2(start(setup, &error), qPrintable(error));
    const QStringList add{QStringLiteral("webhook"), QStringLiteral("add"),
                          QStringLiteral("--name"),  QStringLiteral("x"),
                          QStringLiteral("--url"),   QStringLiteral("http://example.com/")};
    for (const QStringList &extra :
         {QStringList{QStringLiteral("--actions"), QStringLiteral("pushh")},
          QStringList{QStringLiteral("--timeout"), QStringLiteral("0")},
          QStringList{QStringLiteral("--header"), QStringLiteral("Host: a")},
          QStringList{QStringLiteral("--secret"), QStringLiteral("s"), QStringLiteral("--no-secret")}}) {
        const CliResult overApi = remote(setup, add + extra);
        const CliResult local = setup.server->runCli(add + extra);
        QCOMPARE(overApi.exitCode, 2);
        QCOMPARE(local.exitCode, 2);
        // The API names JSON fields; the words after the setting's name are the same.
        const QByteArray reason = local.err.mid(local.err.indexOf(' ', 9));
        QVERIFY2(overApi.err.endsWith(reason),
                 qPrintable(overApi.describe() + QStringLiteral(" vs ") + local.describe()));
    }
    QCOMPARE(
        setup.server->runCli({QStringLiteral("webhook"), QStringLiteral("list"), QStringLiteral("--json")})
            .out.trimmed(),
        QByteArrayLiteral("[\n]"));
}

void TestCliRemote::listsShowsAndReplaysDeliveries()
{
    Setup setup;
    QString error;
    QVERIFY2(start(setup, &error), qPrintable(error));
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 503;
    sink.setBehaviour(failing);
    CliResult result =
        remote(setup, {QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                       QStringLiteral("flaky"), QStringLiteral("--url"), sink.url().toString(),
                       QStringLiteral("--max-attempts"), QStringLiteral("1")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    IntakeClient intake(setup.server->intakeUrl());
    for (int i = 0; i < 3; ++i) {
        EventFactory::Spec spec;
        spec.tag = QStringLiteral("v%1").arg(i);
        QCOMPARE(
            intake.post(EventFactory::envelopeOf(spec)).json().value(QStringLiteral("deliveries")).toInt(),
            1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(jsonOf(remote(setup, {QStringLiteral("deliveries"), QStringLiteral("list"),
                                                    QStringLiteral("--status"), QStringLiteral("failed"),
                                                    QStringLiteral("--json")}))
                                  .array()
                                  .size(),
                              3, kDeliveryMs);
    result = remote(setup, {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--webhook"),
                            QStringLiteral("flaky")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.count("failed"), 3);
    QVERIFY(result.out.contains("503"));
    result = remote(setup, {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"),
                            QStringLiteral("2"), QStringLiteral("--json")});
    QCOMPARE(jsonOf(result).array().size(), 2);
    const qint64 id = jsonOf(result).array().at(0).toObject().value(QStringLiteral("id")).toInteger();

    // show: the same JSON as the local command on the server's database, and the same text.
    result = remote(setup, {QStringLiteral("deliveries"), QStringLiteral("show"), QString::number(id),
                            QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const CliResult local = setup.server->runCli({QStringLiteral("deliveries"), QStringLiteral("show"),
                                                  QString::number(id), QStringLiteral("--json")});
    QCOMPARE(jsonOf(result), jsonOf(local));
    QCOMPARE(jsonOf(result).object().value(QStringLiteral("attemptLog")).toArray().size(), 1);
    result = remote(setup, {QStringLiteral("deliveries"), QStringLiteral("show"), QString::number(id)});
    QCOMPARE(result.out,
             setup.server->runCli({QStringLiteral("deliveries"), QStringLiteral("show"), QString::number(id)})
                 .out);
    QVERIFY(result.out.contains("< HTTP 503"));
    QCOMPARE(remote(setup, {QStringLiteral("deliveries"), QStringLiteral("show"), QStringLiteral("99999")})
                 .exitCode,
             1);

    sink.setBehaviour({});
    sink.clear();
    result = remote(setup, {QStringLiteral("replay"), QString::number(id)});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.out.contains("Replaying delivery"));
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, kDeliveryMs);

    result = remote(setup, {QStringLiteral("replay"), QStringLiteral("--failed"), QStringLiteral("--webhook"),
                            QStringLiteral("flaky"), QStringLiteral("--since"), QStringLiteral("1h")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("Replaying 2 failed deliveries"), qPrintable(result.describe()));
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, kDeliveryMs);
    QTRY_COMPARE_WITH_TIMEOUT(jsonOf(remote(setup, {QStringLiteral("deliveries"), QStringLiteral("list"),
                                                    QStringLiteral("--status"), QStringLiteral("succeeded"),
                                                    QStringLiteral("--json")}))
                                  .array()
                                  .size(),
                              3, kDeliveryMs);
    result = remote(setup, {QStringLiteral("replay"), QStringLiteral("99999")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.err.contains("no delivery 99999"));
    QCOMPARE(
        remote(setup, {QStringLiteral("send-test"), QStringLiteral("--webhook"), QStringLiteral("flaky")})
            .exitCode,
        2);
}

void TestCliRemote::authAndReachabilityErrors()
{
    Setup setup;
    QString error;
    QVERIFY2(start(setup, &error), qPrintable(error));
    CliResult result =
        setup.remote->runCli({QStringLiteral("--server"), setup.url, QStringLiteral("--token"),
                              QStringLiteral("wrong"), QStringLiteral("webhook"), QStringLiteral("list")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("wrong admin token"), qPrintable(result.describe()));
    result = setup.remote->runCli(
        {QStringLiteral("--server"), setup.url, QStringLiteral("webhook"), QStringLiteral("list")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY(result.err.contains("--token"));
    result = setup.remote->runCli({QStringLiteral("--server"), QStringLiteral("not a url"),
                                   QStringLiteral("--token"), kAdminToken, QStringLiteral("webhook"),
                                   QStringLiteral("list")});
    QCOMPARE(result.exitCode, 2);
    result = setup.remote->runCli({QStringLiteral("--server"), setup.url, QStringLiteral("--token"),
                                   kAdminToken, QStringLiteral("serve")});
    QCOMPARE(result.exitCode, 2);

    // A server without an admin token says how to turn the API on.
    Setup off;
    off.server = std::make_unique<TidingsProcess>(
        EngineFixture::freshLocation(off.dir.filePath(QStringLiteral("off.db")), &error));
    QVERIFY2(off.server->startServe({}, &error), qPrintable(error));
    QVERIFY(off.server->serveStdout().contains("Admin API: off"));
    QUrl offUrl = off.server->intakeUrl();
    offUrl.setPath(QString());
    result = setup.remote->runCli({QStringLiteral("--server"), offUrl.toString(), QStringLiteral("--token"),
                                   kAdminToken, QStringLiteral("webhook"), QStringLiteral("list")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("--admin-token"), qPrintable(result.describe()));

    QVERIFY(setup.server->stop());
    result = remote(setup, {QStringLiteral("webhook"), QStringLiteral("list")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("cannot reach"), qPrintable(result.describe()));
}

void TestCliRemote::serverAndTokenFromTheEnvironment()
{
    Setup setup;
    QString error;
    QVERIFY2(start(setup, &error), qPrintable(error));
    QProcessEnvironment environment = setup.remote->environment();
    environment.insert(QStringLiteral("TIDINGS_SERVER"), setup.url);
    environment.insert(QStringLiteral("TIDINGS_ADMIN_TOKEN"), kAdminToken);
    setup.remote->setEnvironment(environment);
    const CliResult result = setup.remote->runCli(
        {QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
         QStringLiteral("from-env"), QStringLiteral("--url"), QStringLiteral("http://example.com/")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(
        setup.server->runCli({QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("from-env")})
            .exitCode,
        0);
}

QTEST_GUILESS_MAIN(TestCliRemote)
#include "tst_cliremote.moc"
