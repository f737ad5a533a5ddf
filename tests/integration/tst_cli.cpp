// The `tidings` command line, driven as a user drives it: the real executable against a fresh database per
// test, real HTTP subscribers (HttpSink) and, where it matters, a running `tidings serve` next to the CLI.

#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "RefusingPort.h"
#include "TidingsProcess.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <initializer_list>
#include <memory>
#include <optional>

namespace {

// A request to a sink arrives at once once a delivery is due; this only bounds a broken run.
constexpr int kDeliveryMs = 5000;
// `serve` looks for commits by other processes (the CLI) once a second. Its fallback poll is set far beyond
// the length of a test (kSlowPoll), so anything seen within this bound came from the change detection.
constexpr int kPickupMs = 3000;
const char *const kSlowPoll = "60";
// The intake routes events with the webhook set of the last change check. After a CLI change to webhooks,
// wait past one check interval before posting an event that must be routed with the new set.
constexpr int kChangeCheckMs = 1500;
// How long "nothing arrives" is watched.
constexpr int kQuietMs = 2000;

// Well-formed: 24 bytes after the prefix, base64.
const QString kSecret = QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

QStringList argv(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list.append(QString::fromUtf8(item));
    return list;
}

QStringList stringsOf(const QJsonValue &value)
{
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array)
        list.append(item.toString());
    return list;
}

QList<int> intsOf(const QJsonValue &value)
{
    QList<int> list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array)
        list.append(item.toInt(-1));
    return list;
}

// The header pairs of an attempt's requestHeaders, as [["Name", "value"], ...].
QByteArray headerValue(const QJsonArray &headers, const QByteArray &name)
{
    for (const QJsonValue &header : headers) {
        const QJsonArray pair = header.toArray();
        if (pair.at(0).toString().toLatin1().compare(name, Qt::CaseInsensitive) == 0)
            return pair.at(1).toString().toLatin1();
    }
    return {};
}

bool hasHeader(const QJsonArray &headers, const QByteArray &name)
{
    for (const QJsonValue &header : headers) {
        if (header.toArray().at(0).toString().toLatin1().compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// Standard Webhooks: v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}"> keyed with the decoded secret.
QByteArray expectedSignature(const QString &secret, const CapturedRequest &request)
{
    const QByteArray key = QByteArray::fromBase64(secret.mid(6).toLatin1());
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, key);
    mac.addData(request.header("webhook-id") + '.' + request.header("webhook-timestamp") + '.' +
                request.body);
    return "v1," + mac.result().toBase64();
}

QJsonObject withoutKey(QJsonObject object, const QString &key)
{
    object.remove(key);
    return object;
}

QString eventIdIn(const QByteArray &envelope)
{
    return QJsonDocument::fromJson(envelope)
        .object()
        .value(u"events")
        .toArray()
        .at(0)
        .toObject()
        .value(u"id")
        .toString();
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void webhookLifecycle();
    void generatedSecretIsShownOnceAndRevealable();
    void globalDbOptionAfterCommand();
    void errors_data();
    void errors();
    void sendTest_data();
    void sendTest();
    void sendTestNetworkErrors_data();
    void sendTestNetworkErrors();
    void customHeadersCannotReplaceProtocolHeaders();
    void serveIntakeToken();
    void servePicksUpCliChanges();
    void deliveriesListAndShow();
    void replayFailedForOneWebhook();

private:
    CliResult cli(const QStringList &args, int timeoutMs = 30000)
    {
        return m_tidings->runCli(args, timeoutMs);
    }
    // Runs a command that prints JSON; nullopt (with the reason logged) when it fails or prints something
    // else.
    std::optional<QJsonDocument> cliJson(const QStringList &args);
    std::optional<QJsonArray> webhooks();
    std::optional<QJsonArray> deliveries(const QStringList &extra = {});
    std::optional<QJsonObject> delivery(qint64 id);
    bool addWebhook(const QString &name, const QUrl &url, const QStringList &extra = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TidingsProcess> m_tidings;
};

// Runs `run` (a CliResult expression) once and checks its exit code, printing what it said when it differs.
#define VERIFY_CLI(run, expectedExitCode)                                                                    \
    do {                                                                                                     \
        const CliResult cliResult_ = (run);                                                                  \
        QVERIFY2(cliResult_.exitCode == (expectedExitCode), qPrintable(cliResult_.describe()));              \
    } while (false)

void TestCli::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY2(m_dir->isValid(), qPrintable(m_dir->errorString()));
    // The CLI's database: this file, or a PostgreSQL database in the suite's second run.
    QString error;
    const QString location =
        EngineFixture::freshLocation(m_dir->filePath(QStringLiteral("tidings.db")), &error);
    QVERIFY2(!location.isEmpty(), qPrintable(error));
    m_tidings = std::make_unique<TidingsProcess>(location);
    QVERIFY2(QFileInfo(m_tidings->binary()).isExecutable(), qPrintable(m_tidings->binary()));
}

void TestCli::cleanup()
{
    m_tidings.reset(); // kills a serve that is still running
    m_dir.reset();
}

std::optional<QJsonDocument> TestCli::cliJson(const QStringList &args)
{
    const CliResult result = cli(args);
    if (result.exitCode != 0) {
        qWarning().noquote() << "tidings" << args.join(u' ') << "failed:" << result.describe();
        return std::nullopt;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(result.out, &error);
    if (document.isNull()) {
        qWarning().noquote() << "tidings" << args.join(u' ') << "printed no JSON:" << error.errorString()
                             << result.describe();
        return std::nullopt;
    }
    return document;
}

std::optional<QJsonArray> TestCli::webhooks()
{
    const std::optional<QJsonDocument> document = cliJson(argv({"webhook", "list", "--json"}));
    if (!document || !document->isArray())
        return std::nullopt;
    return document->array();
}

std::optional<QJsonArray> TestCli::deliveries(const QStringList &extra)
{
    const std::optional<QJsonDocument> document = cliJson(argv({"deliveries", "list", "--json"}) + extra);
    if (!document || !document->isArray())
        return std::nullopt;
    return document->array();
}

std::optional<QJsonObject> TestCli::delivery(qint64 id)
{
    const std::optional<QJsonDocument> document =
        cliJson(argv({"deliveries", "show"}) << QString::number(id) << QStringLiteral("--json"));
    if (!document || !document->isObject())
        return std::nullopt;
    return document->object();
}

bool TestCli::addWebhook(const QString &name, const QUrl &url, const QStringList &extra)
{
    const CliResult result =
        cli(argv({"webhook", "add", "--name"}) << name << QStringLiteral("--url") << url.toString() << extra);
    if (result.exitCode != 0)
        qWarning().noquote() << "webhook add" << name << "failed:" << result.describe();
    return result.exitCode == 0;
}

void TestCli::webhookLifecycle()
{
    CliResult result =
        cli(argv({"webhook", "add", "--name", "ci", "--url", "https://hooks.example.com/ci", "--secret"})
            << kSecret
            << argv({"--actions", "push,delete,scan_failed,com.example.image.signed", "--repository",
                     "team/*", "--tag", "v*", "--header", "X-Env: prod", "--format", "cloudevents",
                     "--retry-schedule", "0,5,60", "--concurrency", "2", "--timeout", "5"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("Added webhook \"ci\""), result.out.constData());

    std::optional<QJsonArray> list = webhooks();
    QVERIFY(list);
    QCOMPARE(list->size(), 1);
    const QJsonObject added = list->at(0).toObject();
    const qint64 id = added.value(u"id").toInteger();
    QVERIFY(id > 0);
    QCOMPARE(added.value(u"name").toString(), QStringLiteral("ci"));
    QCOMPARE(added.value(u"url").toString(), QStringLiteral("https://hooks.example.com/ci"));
    QCOMPARE(added.value(u"secret").toString(), QStringLiteral("whsec_********"));
    QCOMPARE(stringsOf(added.value(u"actions")),
             argv({"push", "delete", "scan_failed", "com.example.image.signed"}));
    QCOMPARE(stringsOf(added.value(u"repositories")), argv({"team/*"}));
    QCOMPARE(stringsOf(added.value(u"tags")), argv({"v*"}));
    const QJsonArray headers = added.value(u"headers").toArray();
    QCOMPARE(headers.size(), 1);
    QCOMPARE(stringsOf(headers.at(0)), argv({"X-Env", "prod"}));
    QCOMPARE(added.value(u"format").toString(), QStringLiteral("cloudevents"));
    QCOMPARE(intsOf(added.value(u"retrySchedule")), (QList<int>{0, 5, 60}));
    QCOMPARE(added.value(u"maxAttempts").toInt(), 3); // the length of the schedule
    QCOMPARE(added.value(u"concurrency").toInt(), 2);
    QCOMPARE(added.value(u"timeoutSeconds").toInt(), 5);
    QCOMPARE(added.value(u"enabled").toBool(), true);
    QCOMPARE(added.value(u"disabledReason").toString(), QString());

    // show: the secret stays masked unless asked for, in text and in JSON, by name and by id.
    result = cli(argv({"webhook", "show", "ci"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("whsec_********"), result.out.constData());
    QVERIFY2(!result.out.contains(kSecret.toLatin1()), result.out.constData());
    QVERIFY2(result.out.contains("https://hooks.example.com/ci"), result.out.constData());
    std::optional<QJsonDocument> shown = cliJson(argv({"webhook", "show", "--json"}) << QString::number(id));
    QVERIFY(shown);
    QCOMPARE(shown->object(), added);
    shown = cliJson(argv({"webhook", "show", "ci", "--json", "--reveal-secret"}));
    QVERIFY(shown);
    QCOMPARE(shown->object().value(u"secret").toString(), kSecret);
    QCOMPARE(withoutKey(shown->object(), QStringLiteral("secret")),
             withoutKey(added, QStringLiteral("secret")));

    // update: only the URL changes.
    result = cli(argv({"webhook", "update", "ci", "--url", "https://hooks.example.com/v2/ci"}));
    VERIFY_CLI(result, 0);
    list = webhooks();
    QVERIFY(list);
    QCOMPARE(list->size(), 1);
    QJsonObject expected = added;
    expected.insert(QStringLiteral("url"), QStringLiteral("https://hooks.example.com/v2/ci"));
    QCOMPARE(list->at(0).toObject(), expected);
    shown = cliJson(argv({"webhook", "show", "ci", "--json", "--reveal-secret"}));
    QVERIFY(shown);
    QCOMPARE(shown->object().value(u"secret").toString(), kSecret); // the secret survives an update too

    // disable with a reason, then enable.
    result = cli(argv({"webhook", "disable", "ci", "--reason", "maintenance window"}));
    VERIFY_CLI(result, 0);
    list = webhooks();
    QVERIFY(list);
    QCOMPARE(list->at(0).toObject().value(u"enabled").toBool(), false);
    QCOMPARE(list->at(0).toObject().value(u"disabledReason").toString(),
             QStringLiteral("maintenance window"));
    result = cli(argv({"webhook", "list"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("disabled") && result.out.contains("maintenance window"),
             result.out.constData());

    result = cli(argv({"webhook", "enable", "ci"}));
    VERIFY_CLI(result, 0);
    list = webhooks();
    QVERIFY(list);
    QCOMPARE(list->at(0).toObject().value(u"enabled").toBool(), true);
    QCOMPARE(list->at(0).toObject(), expected);

    // remove: gone from the list, and show knows it is gone.
    result = cli(argv({"webhook", "remove", "ci"}));
    VERIFY_CLI(result, 0);
    list = webhooks();
    QVERIFY(list);
    QCOMPARE(list->size(), 0);
    result = cli(argv({"webhook", "show", "ci"}));
    VERIFY_CLI(result, 1);
}

void TestCli::generatedSecretIsShownOnceAndRevealable()
{
    HttpSink sink;
    QVERIFY(sink.start());
    CliResult result = cli(argv({"webhook", "add", "--name", "generated", "--generate-secret", "--url"})
                           << sink.url().toString());
    VERIFY_CLI(result, 0);
    static const QRegularExpression secretPattern(QStringLiteral("(whsec_[A-Za-z0-9+/=]+)"));
    const QRegularExpressionMatch match = secretPattern.match(QString::fromUtf8(result.out));
    QVERIFY2(match.hasMatch(), result.out.constData());
    const QString secret = match.captured(1);
    const auto decoded =
        QByteArray::fromBase64Encoding(secret.mid(6).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    QVERIFY2(decoded && decoded.decoded.size() >= 24, qPrintable(secret));

    const std::optional<QJsonDocument> shown =
        cliJson(argv({"webhook", "show", "generated", "--json", "--reveal-secret"}));
    QVERIFY(shown);
    QCOMPARE(shown->object().value(u"secret").toString(), secret);
    // Shown once: listing does not print it again.
    result = cli(argv({"webhook", "list", "--json"}));
    VERIFY_CLI(result, 0);
    QVERIFY(!result.out.contains(secret.toLatin1()));

    // And it is the key requests are signed with.
    result = cli(argv({"send-test", "--webhook", "generated"}));
    VERIFY_CLI(result, 0);
    QCOMPARE(sink.count(), 1);
    const CapturedRequest request = sink.requests().at(0);
    QVERIFY(request.header("webhook-signature").split(' ').contains(expectedSignature(secret, request)));
}

void TestCli::globalDbOptionAfterCommand()
{
    QVERIFY(addWebhook(QStringLiteral("main-db"), QUrl(QStringLiteral("http://127.0.0.1:9/a"))));
    const QString other = m_dir->filePath(QStringLiteral("other.db"));

    // runCli puts --db <main> first; a later --db, after the command words, is the one that counts.
    CliResult result =
        cli(argv({"webhook", "add", "--name", "other-db", "--url", "http://127.0.0.1:9/b", "--db"}) << other);
    VERIFY_CLI(result, 0);
    std::optional<QJsonDocument> otherList = cliJson(argv({"webhook", "list", "--json", "--db"}) << other);
    QVERIFY(otherList);
    QCOMPARE(otherList->array().size(), 1);
    QCOMPARE(otherList->array().at(0).toObject().value(u"name").toString(), QStringLiteral("other-db"));
    otherList = cliJson(QStringList{QStringLiteral("--db=") + other} + argv({"webhook", "list", "--json"}));
    QVERIFY(otherList);
    QCOMPARE(otherList->array().size(), 1);

    const std::optional<QJsonArray> mainList = webhooks();
    QVERIFY(mainList);
    QCOMPARE(mainList->size(), 1);
    QCOMPARE(mainList->at(0).toObject().value(u"name").toString(), QStringLiteral("main-db"));
}

void TestCli::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stderrContains");

    const QStringList add = argv({"webhook", "add", "--name", "new"});
    const QStringList addWithUrl = add + argv({"--url", "http://127.0.0.1:9/new"});

    QTest::newRow("add without --url") << add << 2 << QStringLiteral("needs a URL");
    QTest::newRow("add without --name")
        << argv({"webhook", "add", "--url", "http://127.0.0.1:9/x"}) << 2 << QStringLiteral("needs a name");
    QTest::newRow("ftp url") << add + argv({"--url", "ftp://x"}) << 2
                             << QStringLiteral("is not an http:// or https:// URL");
    QTest::newRow("not a url") << add + argv({"--url", "not a url"}) << 2
                               << QStringLiteral("\"not a url\" is not an http:// or https:// URL");
    QTest::newRow("duplicate name") << argv({"webhook", "add", "--name", "existing", "--url",
                                             "http://127.0.0.1:9/d"})
                                    << 2 << QStringLiteral("a webhook named \"existing\" exists already");
    QTest::newRow("name only digits")
        << argv({"webhook", "add", "--name", "12345", "--url", "http://127.0.0.1:9/n"}) << 2
        << QStringLiteral("cannot be only digits");
    QTest::newRow("secret without prefix")
        << addWithUrl + argv({"--secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) << 2
        << QStringLiteral("does not start with \"whsec_\"");
    QTest::newRow("secret not base64")
        << addWithUrl + argv({"--secret", "whsec_!!not*base64!!"}) << 2 << QStringLiteral("not valid base64");
    QTest::newRow("secret too short") << addWithUrl + argv({"--secret", "whsec_c2hvcnQ="}) << 2
                                      << QStringLiteral("the secret is not usable");
    QTest::newRow("two secret options") << addWithUrl + argv({"--generate-secret", "--no-secret"}) << 2
                                        << QStringLiteral("only one of --secret");
    QTest::newRow("invalid glob") << addWithUrl + argv({"--repository", "team/[a"}) << 2
                                  << QStringLiteral("repository pattern \"team/[a\" is invalid");
    QTest::newRow("unknown action") << addWithUrl + argv({"--actions", "push,pushed"}) << 2
                                    << QStringLiteral("--actions: \"pushed\" is not an action");
    QTest::newRow("unknown format") << addWithUrl + argv({"--format", "xml"}) << 2
                                    << QStringLiteral("--format must be registry or cloudevents");
    QTest::newRow("negative retry delay")
        << addWithUrl + argv({"--retry-schedule=0,-5"}) << 2 << QStringLiteral("negative");
    QTest::newRow("retry delay not a number") << addWithUrl + argv({"--retry-schedule", "0,soon"}) << 2
                                              << QStringLiteral("\"soon\" is not a number");
    QTest::newRow("header without colon") << addWithUrl + argv({"--header", "X-Env prod"}) << 2
                                          << QStringLiteral("is not of the form 'Name: value'");
    QTest::newRow("timeout out of range") << addWithUrl + argv({"--timeout", "0"}) << 2
                                          << QStringLiteral("--timeout must be a whole number from 1 to 300");
    QTest::newRow("unknown option") << addWithUrl + argv({"--colour", "red"}) << 2
                                    << QStringLiteral("Unknown option 'colour'");
    QTest::newRow("unknown command") << argv({"frobnicate"}) << 2
                                     << QStringLiteral("unknown command \"frobnicate\"");
    QTest::newRow("unknown webhook verb")
        << argv({"webhook", "frob"}) << 2 << QStringLiteral("unknown webhook command \"frob\"");
    QTest::newRow("show without a name")
        << argv({"webhook", "show"}) << 2 << QStringLiteral("name the webhook");
    QTest::newRow("show unknown webhook")
        << argv({"webhook", "show", "nope"}) << 1 << QStringLiteral("no webhook \"nope\"");
    QTest::newRow("remove unknown webhook")
        << argv({"webhook", "remove", "nope"}) << 1 << QStringLiteral("no webhook \"nope\"");
    QTest::newRow("remove unknown id")
        << argv({"webhook", "remove", "999"}) << 1 << QStringLiteral("no webhook \"999\"");
    QTest::newRow("update to bad url") << argv({"webhook", "update", "existing", "--url", "ftp://x"}) << 2
                                       << QStringLiteral("is not an http:// or https:// URL");
    QTest::newRow("update to taken name") << argv({"webhook", "update", "existing", "--name", "other"}) << 2
                                          << QStringLiteral("a webhook named \"other\" exists already");
    QTest::newRow("disable unknown webhook") << argv({"webhook", "disable", "nope", "--reason", "x"}) << 1
                                             << QStringLiteral("no webhook \"nope\"");
    QTest::newRow("bad --status") << argv({"deliveries", "list", "--status", "done"}) << 2
                                  << QStringLiteral("unknown status \"done\"");
    QTest::newRow("bad --limit") << argv({"deliveries", "list", "--limit", "0"}) << 2
                                 << QStringLiteral("--limit must be from 1");
    QTest::newRow("deliveries list unknown webhook")
        << argv({"deliveries", "list", "--webhook", "nope"}) << 1 << QStringLiteral("no webhook \"nope\"");
    QTest::newRow("show unknown delivery")
        << argv({"deliveries", "show", "4242"}) << 1 << QStringLiteral("no delivery 4242");
    QTest::newRow("show delivery not a number")
        << argv({"deliveries", "show", "abc"}) << 2 << QStringLiteral("give one delivery id");
    QTest::newRow("replay unknown id") << argv({"replay", "4242"}) << 1 << QStringLiteral("no delivery 4242");
    QTest::newRow("replay ids and --failed")
        << argv({"replay", "1", "--failed"}) << 2 << QStringLiteral("not both or neither");
    QTest::newRow("replay nothing") << argv({"replay"}) << 2 << QStringLiteral("not both or neither");
    QTest::newRow("replay --since without --failed")
        << argv({"replay", "1", "--since", "1h"}) << 2 << QStringLiteral("go with --failed");
    QTest::newRow("replay bad --since") << argv({"replay", "--failed", "--since", "yesterday"}) << 2
                                        << QStringLiteral("--since \"yesterday\"");
    QTest::newRow("send-test without --webhook")
        << argv({"send-test"}) << 2 << QStringLiteral("usage: tidings send-test");
    QTest::newRow("send-test unknown webhook")
        << argv({"send-test", "--webhook", "nope"}) << 1 << QStringLiteral("no webhook \"nope\"");
    QTest::newRow("serve bad --listen")
        << argv({"serve", "--listen", "nowhere:port"}) << 2 << QStringLiteral("is not HOST:PORT");
    QTest::newRow("serve bad --disable-after") << argv({"serve", "--disable-after", "a day"}) << 2
                                               << QStringLiteral("--disable-after \"a day\" is not an age");
    QTest::newRow("serve bad --ops-webhook")
        << argv({"serve", "--ops-webhook", "ftp://ops.example/hook"}) << 2
        << QStringLiteral("--ops-webhook \"ftp://ops.example/hook\" is not an http:// or https:// URL");
    QTest::newRow("--db without a path")
        << argv({"webhook", "list", "--db"}) << 2 << QStringLiteral("--db needs a path");
    QTest::newRow("unwritable --db") << addWithUrl + argv({"--db", "/proc/tidings.db"}) << 1
                                     << QStringLiteral("/proc/tidings.db");
}

void TestCli::errors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, stderrContains);

    // Something to damage: two webhooks and one delivery.
    HttpSink sink;
    QVERIFY(sink.start());
    QVERIFY(addWebhook(QStringLiteral("existing"), sink.url(), argv({"--retry-schedule", "0,60"})));
    QVERIFY(addWebhook(QStringLiteral("other"), sink.url(QStringLiteral("/other"))));
    VERIFY_CLI(cli(argv({"send-test", "--webhook", "existing"})), 0);
    const std::optional<QJsonArray> webhooksBefore = webhooks();
    const std::optional<QJsonArray> deliveriesBefore = deliveries();
    QVERIFY(webhooksBefore && deliveriesBefore);
    QCOMPARE(webhooksBefore->size(), 2);
    QCOMPARE(deliveriesBefore->size(), 1);

    const CliResult result = cli(args, 15000);
    VERIFY_CLI(result, exitCode);
    const QString err = QString::fromLocal8Bit(result.err);
    QVERIFY2(err.startsWith(QLatin1String("tidings: ")), qPrintable(result.describe()));
    QVERIFY2(err.contains(stderrContains), qPrintable(result.describe()));
    QVERIFY2(!result.err.contains("crashed") && !result.err.contains("timed out"),
             qPrintable(result.describe()));

    // A failing command changes nothing.
    const std::optional<QJsonArray> webhooksAfter = webhooks();
    const std::optional<QJsonArray> deliveriesAfter = deliveries();
    QVERIFY(webhooksAfter && deliveriesAfter);
    QCOMPARE(*webhooksAfter, *webhooksBefore);
    QCOMPARE(*deliveriesAfter, *deliveriesBefore);
    QCOMPARE(sink.count(), 1);
    QVERIFY(!QFileInfo::exists(QStringLiteral("/proc/tidings.db")));
}

void TestCli::sendTest_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("state");

    QTest::newRow("2xx: delivered") << 200 << 0 << QStringLiteral("succeeded");
    QTest::newRow("204: delivered") << 204 << 0 << QStringLiteral("succeeded");
    QTest::newRow("5xx: retry scheduled") << 500 << 1 << QStringLiteral("pending");
}

void TestCli::sendTest()
{
    QFETCH(int, status);
    QFETCH(int, exitCode);
    QFETCH(QString, state);

    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour behaviour;
    behaviour.status = status;
    sink.setBehaviour(behaviour);
    // Filters that the synthetic push does not match: send-test delivers whatever they say.
    QVERIFY(
        addWebhook(QStringLiteral("receiver"), sink.url(),
                   argv({"--retry-schedule", "0,60", "--repository", "elsewhere/*", "--secret"}) << kSecret));

    const qint64 before = QDateTime::currentSecsSinceEpoch();
    const CliResult result = cli(argv({"send-test", "--webhook", "receiver"}));
    VERIFY_CLI(result, exitCode);
    QVERIFY2(result.out.contains(QByteArray("HTTP " + QByteArray::number(status))),
             qPrintable(result.describe()));

    QCOMPARE(sink.count(), 1);
    const CapturedRequest request = sink.requests().at(0);
    QCOMPARE(request.method, QByteArrayLiteral("POST"));
    QCOMPARE(request.path, QByteArrayLiteral("/hook"));
    const QByteArray messageId = request.header("webhook-id");
    QVERIFY2(messageId.startsWith("msg_"), messageId.constData());
    const qint64 timestamp = request.header("webhook-timestamp").toLongLong();
    QVERIFY2(timestamp >= before - 5 && timestamp <= QDateTime::currentSecsSinceEpoch() + 5,
             request.header("webhook-timestamp").constData());
    const QList<QByteArray> signatures = request.header("webhook-signature").split(' ');
    QVERIFY2(signatures.contains(expectedSignature(kSecret, request)),
             request.header("webhook-signature").constData());

    // The body is a registry envelope holding one tag push.
    QCOMPARE(request.header("content-type"),
             QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"));
    const QJsonArray events = QJsonDocument::fromJson(request.body).object().value(u"events").toArray();
    QCOMPARE(events.size(), 1);
    const QJsonObject event = events.at(0).toObject();
    QCOMPARE(event.value(u"action").toString(), QStringLiteral("push"));
    QVERIFY(!event.value(u"id").toString().isEmpty());
    QVERIFY(!event.value(u"target").toObject().value(u"repository").toString().isEmpty());
    QVERIFY(!event.value(u"target").toObject().value(u"tag").toString().isEmpty());

    const std::optional<QJsonArray> list = deliveries();
    QVERIFY(list);
    QCOMPARE(list->size(), 1);
    const QJsonObject row = list->at(0).toObject();
    QCOMPARE(row.value(u"webhook").toString(), QStringLiteral("receiver"));
    QCOMPARE(row.value(u"state").toString(), state);
    QCOMPARE(row.value(u"attempts").toInt(), 1);
    QCOMPARE(row.value(u"lastStatus").toInt(), status);
    QCOMPARE(row.value(u"messageId").toString().toLatin1(), messageId);
    if (state == QLatin1String("pending")) {
        const QDateTime next =
            QDateTime::fromString(row.value(u"nextAttemptAt").toString(), Qt::ISODateWithMs);
        QVERIFY2(next.isValid(), qPrintable(row.value(u"nextAttemptAt").toString()));
        // The schedule says 60 s before attempt 2 (jitter allowed): a retry, and not right away.
        QVERIFY2(next > QDateTime::currentDateTimeUtc().addSecs(20),
                 qPrintable(next.toString(Qt::ISODateWithMs)));
        QVERIFY2(result.out.contains("retry schedule"), result.out.constData());
    } else {
        QCOMPARE(row.value(u"nextAttemptAt").toString(), QString());
    }
}

void TestCli::sendTestNetworkErrors_data()
{
    QTest::addColumn<bool>("listening");
    QTest::addColumn<QString>("errorClass");

    QTest::newRow("connection refused") << false << QStringLiteral("connect");
    QTest::newRow("no answer within --timeout") << true << QStringLiteral("timeout");
}

void TestCli::sendTestNetworkErrors()
{
    QFETCH(bool, listening);
    QFETCH(QString, errorClass);

    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour silent;
    silent.neverAnswer = true;
    sink.setBehaviour(silent);
    QUrl url = sink.url();
    RefusingPort closed;
    QVERIFY(closed.isValid());
    if (!listening)
        url.setPort(closed.port());
    QVERIFY(
        addWebhook(QStringLiteral("unreachable"), url, argv({"--timeout", "1", "--retry-schedule", "0,60"})));

    QElapsedTimer clock;
    clock.start();
    const CliResult result = cli(argv({"send-test", "--webhook", "unreachable"}), 15000);
    VERIFY_CLI(result, 1);
    QVERIFY2(clock.elapsed() < 8000, qPrintable(QString::number(clock.elapsed()))); // the 1 s timeout holds
    QVERIFY2(result.out.contains(QByteArray("error: " + errorClass.toLatin1())),
             qPrintable(result.describe()));
    QCOMPARE(sink.count(), listening ? 1 : 0);

    const std::optional<QJsonArray> list = deliveries();
    QVERIFY(list);
    QCOMPARE(list->size(), 1);
    const QJsonObject row = list->at(0).toObject();
    QCOMPARE(row.value(u"state").toString(), QStringLiteral("pending"));
    QCOMPARE(row.value(u"lastStatus").toInt(), 0);
    QCOMPARE(row.value(u"lastError").toString(), errorClass);

    // The table keeps its columns apart even when the error class fills the HTTP column.
    const CliResult table = cli(argv({"deliveries", "list"}));
    VERIFY_CLI(table, 0);
    const QRegularExpression separated(QRegularExpression::escape(errorClass) +
                                       QStringLiteral("\\s+push tidings/send-test"));
    QVERIFY2(separated.match(QString::fromUtf8(table.out)).hasMatch(), table.out.constData());
}

void TestCli::customHeadersCannotReplaceProtocolHeaders()
{
    HttpSink sink;
    QVERIFY(sink.start());
    // A custom header must not replace what the signature scheme and the payload format send. Refusing it at
    // `webhook add` is fine; accepting it and then sending it instead of the real one is not.
    const CliResult added =
        cli(argv({"webhook", "add", "--name", "custom", "--url"})
            << sink.url().toString() << QStringLiteral("--secret") << kSecret
            << argv({"--header", "webhook-signature: v1,forged", "--header", "Content-Type: text/plain"}));
    if (added.exitCode == 2) {
        QVERIFY2(added.err.contains("webhook-signature") || added.err.contains("Content-Type"),
                 qPrintable(added.describe()));
        const std::optional<QJsonArray> list = webhooks();
        QVERIFY(list);
        QCOMPARE(list->size(), 0);
        return;
    }
    VERIFY_CLI(added, 0);
    VERIFY_CLI(cli(argv({"send-test", "--webhook", "custom"})), 0);
    QCOMPARE(sink.count(), 1);
    const CapturedRequest request = sink.requests().at(0);
    QVERIFY2(request.header("webhook-signature").split(' ').contains(expectedSignature(kSecret, request)),
             qPrintable(QStringLiteral("the subscriber got webhook-signature: %1")
                            .arg(QString::fromLatin1(request.header("webhook-signature")))));
    QCOMPARE(request.header("content-type"),
             QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"));
}

void TestCli::serveIntakeToken()
{
    QString error;
    QVERIFY2(m_tidings->startServe(argv({"--intake-token", "t0ken-for-registry"}), &error),
             qPrintable(error));
    const QByteArray envelope = EventFactory::sample(QStringLiteral("03-push-manifest.json"));

    IntakeClient anonymous(m_tidings->intakeUrl());
    QCOMPARE(anonymous.post(envelope).status, 401);
    IntakeClient wrong(m_tidings->intakeUrl(), QByteArrayLiteral("t0ken-for-someone-else"));
    QCOMPARE(wrong.post(envelope).status, 401);
    IntakeClient registry(m_tidings->intakeUrl(), QByteArrayLiteral("t0ken-for-registry"));
    const IntakeClient::Answer answer = registry.post(envelope);
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"accepted").toInt(), 1);
    QVERIFY(m_tidings->stop(5000));
}

void TestCli::servePicksUpCliChanges()
{
    HttpSink live;
    HttpSink flaky;
    QVERIFY(live.start());
    QVERIFY(flaky.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    flaky.setBehaviour(failing);

    QString error;
    QVERIFY2(m_tidings->startServe(argv({"--poll-interval"}) << QString::fromLatin1(kSlowPoll), &error),
             qPrintable(error));
    IntakeClient intake(m_tidings->intakeUrl());
    QCOMPARE(m_tidings->intakeUrl().path(), QStringLiteral("/v1/notify"));

    // No webhooks yet: the event is accepted and goes nowhere.
    IntakeClient::Answer answer = intake.post(EventFactory::sample(QStringLiteral("03-push-manifest.json")));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"accepted").toInt(), 1);
    QCOMPARE(answer.json().value(u"deliveries").toInt(), 0);
    std::optional<QJsonArray> list = deliveries();
    QVERIFY(list);
    QCOMPARE(list->size(), 0);

    // A webhook added by the CLI is used by the running serve.
    QVERIFY(addWebhook(QStringLiteral("live"), live.url()));
    QTest::qWait(kChangeCheckMs);
    QString eventId;
    answer = intake.post(EventFactory::sampleWithNewId(QStringLiteral("03-push-manifest.json"), &eventId));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"deliveries").toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(live.count(), 1, kDeliveryMs);
    QCOMPARE(eventIdIn(live.requests().at(0).body), eventId);

    // Disabled by the CLI: serve stops sending to it.
    VERIFY_CLI(cli(argv({"webhook", "disable", "live", "--reason", "paused by test"})), 0);
    QTest::qWait(kChangeCheckMs);
    answer = intake.post(EventFactory::sampleWithNewId(QStringLiteral("03-push-manifest.json")));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"accepted").toInt(), 1);
    QCOMPARE(answer.json().value(u"deliveries").toInt(), 0);
    QTest::qWait(kQuietMs);
    QCOMPARE(live.count(), 1);

    // A failed delivery: one attempt allowed, the endpoint answers 500.
    QVERIFY(addWebhook(QStringLiteral("flaky"), flaky.url(), argv({"--max-attempts", "1"})));
    QTest::qWait(kChangeCheckMs);
    answer = intake.post(EventFactory::sampleWithNewId(QStringLiteral("03-push-manifest.json")));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"deliveries").toInt(), 1);
    qint64 failedId = 0;
    const auto oneFailed = [&] {
        const std::optional<QJsonArray> failed = deliveries(argv({"--status", "failed"}));
        if (!failed || failed->size() != 1)
            return false;
        failedId = failed->at(0).toObject().value(u"id").toInteger();
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(oneFailed(), kDeliveryMs);
    QCOMPARE(flaky.count(), 1);
    QCOMPARE(live.count(), 1);

    // Replayed by the CLI: the running serve sends it again long before its fallback poll.
    HttpSink::Behaviour healthy;
    flaky.setBehaviour(healthy);
    const CliResult replayed = cli(argv({"replay"}) << QString::number(failedId));
    VERIFY_CLI(replayed, 0);
    QVERIFY2(replayed.out.contains(QByteArray("Replaying delivery " + QByteArray::number(failedId))),
             replayed.out.constData());
    QTRY_COMPARE_WITH_TIMEOUT(flaky.count(), 2, kPickupMs);
    QCOMPARE(flaky.requests().at(1).body, flaky.requests().at(0).body);
    QCOMPARE(flaky.requests().at(1).header("webhook-id"), flaky.requests().at(0).header("webhook-id"));

    std::optional<QJsonObject> shown;
    QTRY_VERIFY_WITH_TIMEOUT((shown = delivery(failedId)) &&
                                 shown->value(u"state").toString() == QLatin1String("succeeded"),
                             kDeliveryMs);
    const QJsonArray attemptLog = shown->value(u"attemptLog").toArray();
    QCOMPARE(attemptLog.size(), 2);
    QCOMPARE(attemptLog.at(0).toObject().value(u"manual").toBool(), false);
    QCOMPARE(attemptLog.at(0).toObject().value(u"responseStatus").toInt(), 500);
    QCOMPARE(attemptLog.at(1).toObject().value(u"manual").toBool(), true);
    QCOMPARE(attemptLog.at(1).toObject().value(u"responseStatus").toInt(), 200);
    QCOMPARE(shown->value(u"manual").toBool(), true);
    QCOMPARE(shown->value(u"totalAttempts").toInt(), 2);

    QVERIFY2(m_tidings->stop(5000),
             qPrintable(QStringLiteral("serve did not exit 0 on SIGTERM: exit code %1, stderr:\n%2")
                            .arg(m_tidings->serveExitCode())
                            .arg(QString::fromLocal8Bit(m_tidings->serveStderr()))));
}

void TestCli::deliveriesListAndShow()
{
    HttpSink sink;
    QVERIFY(sink.start());
    QVERIFY(
        addWebhook(QStringLiteral("audited"), sink.url(),
                   argv({"--header", "Authorization: Bearer s3cret", "--header", "X-Env: prod", "--secret"})
                       << kSecret));
    QString error;
    QVERIFY2(m_tidings->startServe(argv({"--poll-interval"}) << QString::fromLatin1(kSlowPoll), &error),
             qPrintable(error));
    IntakeClient intake(m_tidings->intakeUrl());
    const QByteArray envelope = EventFactory::sample(QStringLiteral("03-push-manifest.json"));
    const IntakeClient::Answer answer = intake.post(envelope);
    QCOMPARE(answer.status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, kDeliveryMs);
    // The subscriber gets the real credential; only the record masks it.
    QCOMPARE(sink.requests().at(0).header("authorization"), QByteArrayLiteral("Bearer s3cret"));
    QCOMPARE(sink.requests().at(0).header("x-env"), QByteArrayLiteral("prod"));

    std::optional<QJsonArray> list;
    QTRY_VERIFY_WITH_TIMEOUT((list = deliveries()) && list->size() == 1 &&
                                 list->at(0).toObject().value(u"state").toString() ==
                                     QLatin1String("succeeded"),
                             kDeliveryMs);
    QVERIFY2(m_tidings->stop(5000), m_tidings->serveStderr().constData());

    const QJsonObject row = list->at(0).toObject();
    const qint64 id = row.value(u"id").toInteger();
    QVERIFY(id > 0);
    QCOMPARE(row.value(u"webhook").toString(), QStringLiteral("audited"));
    QCOMPARE(row.value(u"attempts").toInt(), 1);
    QCOMPARE(row.value(u"action").toString(), QStringLiteral("push"));
    QCOMPARE(row.value(u"repository").toString(), QStringLiteral("nginx"));
    QCOMPARE(row.value(u"tag").toString(), QStringLiteral("1.23-alpine"));
    QCOMPARE(row.value(u"lastStatus").toInt(), 200);
    QCOMPARE(row.value(u"manual").toBool(), false);
    QCOMPARE(row.value(u"messageId").toString().toLatin1(), sink.requests().at(0).header("webhook-id"));

    // Filters of the list.
    std::optional<QJsonArray> filtered = deliveries(argv({"--status", "succeeded", "--webhook", "audited"}));
    QVERIFY(filtered);
    QCOMPARE(filtered->size(), 1);
    filtered = deliveries(argv({"--status", "failed"}));
    QVERIFY(filtered);
    QCOMPARE(filtered->size(), 0);
    CliResult result = cli(argv({"deliveries", "list"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("audited") && result.out.contains("succeeded") &&
                 result.out.contains("push nginx:1.23-alpine"),
             result.out.constData());

    // show --json: the attempt as sent, with the credential masked.
    const std::optional<QJsonObject> shown = delivery(id);
    QVERIFY(shown);
    QCOMPARE(shown->value(u"eventId").toString(), eventIdIn(envelope));
    const QJsonArray attemptLog = shown->value(u"attemptLog").toArray();
    QCOMPARE(attemptLog.size(), 1);
    const QJsonObject attempt = attemptLog.at(0).toObject();
    QCOMPARE(attempt.value(u"number").toInt(), 1);
    QCOMPARE(attempt.value(u"responseStatus").toInt(), 200);
    QCOMPARE(attempt.value(u"url").toString(), sink.url().toString());
    const QJsonArray requestHeaders = attempt.value(u"requestHeaders").toArray();
    QCOMPARE(headerValue(requestHeaders, "webhook-id"), sink.requests().at(0).header("webhook-id"));
    QVERIFY(hasHeader(requestHeaders, "webhook-signature"));
    QCOMPARE(headerValue(requestHeaders, "X-Env"), QByteArrayLiteral("prod"));
    QVERIFY2(hasHeader(requestHeaders, "Authorization"),
             QJsonDocument(requestHeaders).toJson(QJsonDocument::Compact).constData());
    QVERIFY2(!headerValue(requestHeaders, "Authorization").contains("s3cret"),
             headerValue(requestHeaders, "Authorization").constData());
    QCOMPARE(attempt.value(u"requestBody").toString().toUtf8(), sink.requests().at(0).body);
    QCOMPARE(eventIdIn(attempt.value(u"requestBody").toString().toUtf8()), eventIdIn(envelope));

    // Plain show prints the attempt, and nowhere the credential.
    result = cli(argv({"deliveries", "show"}) << QString::number(id));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("Attempt 1"), result.out.constData());
    QVERIFY2(result.out.contains(QByteArray("POST " + sink.url().toString().toUtf8())),
             result.out.constData());
    QVERIFY2(result.out.contains(QByteArray("webhook-id: " + sink.requests().at(0).header("webhook-id"))),
             result.out.constData());
    QVERIFY2(result.out.contains("HTTP 200"), result.out.constData());
    QVERIFY2(!result.out.contains("s3cret"), result.out.constData());
    QVERIFY2(!cli(argv({"deliveries", "show", "--json"}) << QString::number(id)).out.contains("s3cret"),
             "the credential leaks somewhere in deliveries show --json");
}

void TestCli::replayFailedForOneWebhook()
{
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 503;
    sink.setBehaviour(failing);
    QVERIFY(addWebhook(QStringLiteral("alpha"), sink.url(QStringLiteral("/alpha")),
                       argv({"--max-attempts", "1"})));
    QVERIFY(
        addWebhook(QStringLiteral("beta"), sink.url(QStringLiteral("/beta")), argv({"--max-attempts", "1"})));
    // One attempt allowed and a 503: each send-test leaves a failed delivery behind.
    for (const char *webhook : {"alpha", "alpha", "beta"})
        VERIFY_CLI(cli(argv({"send-test", "--webhook", webhook})), 1);
    std::optional<QJsonArray> failed = deliveries(argv({"--status", "failed"}));
    QVERIFY(failed);
    QCOMPARE(failed->size(), 3);

    // --since in the future: nothing qualifies.
    CliResult result =
        cli(argv({"replay", "--failed", "--webhook", "alpha", "--since", "2099-01-01T00:00:00Z"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("Replaying 0 failed deliveries"), result.out.constData());
    failed = deliveries(argv({"--status", "failed"}));
    QVERIFY(failed);
    QCOMPARE(failed->size(), 3);

    result = cli(argv({"replay", "--failed", "--webhook", "alpha", "--since", "1h"}));
    VERIFY_CLI(result, 0);
    QVERIFY2(result.out.contains("Replaying 2 failed deliveries"), result.out.constData());

    const std::optional<QJsonArray> alpha = deliveries(argv({"--webhook", "alpha"}));
    QVERIFY(alpha);
    QCOMPARE(alpha->size(), 2);
    for (const QJsonValue &row : *alpha) {
        QCOMPARE(row.toObject().value(u"state").toString(), QStringLiteral("pending"));
        QCOMPARE(row.toObject().value(u"manual").toBool(), true);
        QCOMPARE(row.toObject().value(u"attempts").toInt(), 0);
    }
    const std::optional<QJsonArray> beta = deliveries(argv({"--webhook", "beta"}));
    QVERIFY(beta);
    QCOMPARE(beta->size(), 1);
    QCOMPARE(beta->at(0).toObject().value(u"state").toString(), QStringLiteral("failed"));
    QCOMPARE(beta->at(0).toObject().value(u"manual").toBool(), false);

    // A serve sends the replayed ones (now successfully), and only those.
    sink.clear();
    sink.setBehaviour(HttpSink::Behaviour{});
    QString error;
    QVERIFY2(m_tidings->startServe(argv({"--poll-interval"}) << QString::fromLatin1(kSlowPoll), &error),
             qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 2, kDeliveryMs);
    std::optional<QJsonArray> succeeded;
    QTRY_VERIFY_WITH_TIMEOUT(
        (succeeded = deliveries(argv({"--status", "succeeded"}))) && succeeded->size() == 2, kDeliveryMs);
    for (const QJsonValue &row : *succeeded)
        QCOMPARE(row.toObject().value(u"webhook").toString(), QStringLiteral("alpha"));
    QTest::qWait(500);
    QCOMPARE(sink.count(), 2);
    for (const CapturedRequest &request : sink.requests())
        QCOMPARE(request.path, QByteArrayLiteral("/alpha"));
    failed = deliveries(argv({"--status", "failed", "--webhook", "beta"}));
    QVERIFY(failed);
    QCOMPARE(failed->size(), 1);
    QVERIFY(m_tidings->stop(5000));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
