// The REST admin API over loopback HTTP against a real engine: every operation, its errors, auth, that its
// changes take effect in the running engine at once, and that docs/api/openapi.yaml and the server agree.
#include "AdminApi.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"
#include "WebhookSignature.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

namespace {

const QByteArray kAdminToken = QByteArrayLiteral("admin-token-for-tests");
const QByteArray kIntakeToken = QByteArrayLiteral("intake-token-for-tests");

// A client of the admin API: JSON in, JSON out, with the admin token unless told otherwise.
class AdminClient
{
public:
    explicit AdminClient(const QUrl &intakeUrl, QByteArray token = kAdminToken)
        : m_base(intakeUrl)
        , m_http(intakeUrl, std::move(token))
    {}

    IntakeClient::Answer call(const QByteArray &method, const QString &pathAndQuery,
                              const QJsonObject &body = {}, bool sendBody = false)
    {
        QUrl url = m_base;
        const qsizetype question = pathAndQuery.indexOf(QLatin1Char('?'));
        url.setPath(pathAndQuery.left(question));
        url.setQuery(question < 0 ? QString() : pathAndQuery.mid(question + 1));
        const QByteArray payload =
            sendBody ? QJsonDocument(body).toJson(QJsonDocument::Compact) : QByteArray();
        return m_http.send(method, url, payload,
                           sendBody ? QByteArrayLiteral("application/json") : QByteArray());
    }
    IntakeClient::Answer get(const QString &path) { return call("GET", path); }
    IntakeClient::Answer post(const QString &path, const QJsonObject &body = {})
    {
        return call("POST", path, body, true);
    }
    IntakeClient::Answer patch(const QString &path, const QJsonObject &body)
    {
        return call("PATCH", path, body, true);
    }
    IntakeClient::Answer remove(const QString &path) { return call("DELETE", path); }
    IntakeClient::Answer raw(const QByteArray &method, const QString &path, const QByteArray &body)
    {
        QUrl url = m_base;
        url.setPath(path);
        return m_http.send(method, url, body, QByteArrayLiteral("application/json"));
    }

private:
    QUrl m_base;
    IntakeClient m_http;
};

QString describe(const IntakeClient::Answer &answer)
{
    return QStringLiteral("HTTP %1: %2").arg(answer.status).arg(QString::fromUtf8(answer.body));
}

QString errorCode(const IntakeClient::Answer &answer)
{
    return answer.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

QString errorMessage(const IntakeClient::Answer &answer)
{
    return answer.json()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("message"))
        .toString();
}

QList<qint64> idsOf(const QJsonArray &items)
{
    QList<qint64> ids;
    for (const QJsonValue &item : items)
        ids.append(item.toObject().value(QStringLiteral("id")).toInteger());
    return ids;
}

// (method, path) of every operation in the OpenAPI document. The document is kept in a plain, regular
// YAML layout (paths at two spaces, methods at four), which this reads without a YAML library.
QList<AdminRoute> documentedRoutes(QString *error)
{
    QFile file(QStringLiteral(TIDINGS_TEST_DATA_DIR "/../../docs/api/openapi.yaml"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.fileName() + QStringLiteral(": ") + file.errorString();
        return {};
    }
    static const QRegularExpression pathLine(QStringLiteral("^  (/\\S+):\\s*$"));
    static const QRegularExpression methodLine(
        QStringLiteral("^    (get|post|put|patch|delete|head|options):"));
    QList<AdminRoute> routes;
    QByteArray currentPath;
    bool inPaths = false;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (!line.startsWith(' '))
            inPaths = line.startsWith("paths:");
        if (!inPaths)
            continue;
        const QString text = QString::fromUtf8(line);
        if (const QRegularExpressionMatch m = pathLine.match(text); m.hasMatch())
            currentPath = m.captured(1).toUtf8();
        else if (const QRegularExpressionMatch m = methodLine.match(text);
                 m.hasMatch() && !currentPath.isEmpty())
            routes.append({m.captured(1).toUpper().toLatin1(), currentPath});
    }
    return routes;
}

} // namespace

class TestAdminApi : public QObject
{
    Q_OBJECT

private:
    // An engine with the admin API on; recovery jobs paced as the test asks.
    bool startEngine(EngineFixture &fixture, int recoveryBatch = 200, int recoveryIntervalMs = 0)
    {
        EngineConfig config = fixture.config();
        config.intakeToken = kIntakeToken;
        config.adminToken = kAdminToken;
        config.recoveryBatchSize = recoveryBatch;
        config.recoveryIntervalMs = recoveryIntervalMs;
        return fixture.start(config);
    }
    static QJsonObject webhookBody(const QString &name, const HttpSink &sink)
    {
        return QJsonObject{{QStringLiteral("name"), name},
                           {QStringLiteral("url"), sink.url(QStringLiteral("/") + name).toString()}};
    }
    static int postEvent(EngineFixture &fixture, const EventFactory::Spec &spec)
    {
        IntakeClient intake(fixture.intakeUrl(), kIntakeToken);
        const IntakeClient::Answer answer = intake.post(EventFactory::envelopeOf(spec));
        return answer.status == 202 ? answer.json().value(QStringLiteral("deliveries")).toInt() : -1;
    }
    // `count` failed deliveries for a webhook whose endpoint answers 500 and which gives up after one
    // attempt. Its schedule is all zeros: five 500s in a row pause a webhook until its next retry would be
    // due (EndpointBackoff), 5 s with the default schedule, and more than five failures would then trickle
    // out one every 5 s.
    static void makeFailures(EngineFixture &fixture, AdminClient &admin, HttpSink &sink, const QString &name,
                             int count, const QString &repository = QStringLiteral("team/app"))
    {
        HttpSink::Behaviour failing;
        failing.status = 500;
        sink.setBehaviour(failing);
        QJsonObject body = webhookBody(name, sink);
        body.insert(QStringLiteral("maxAttempts"), 1);
        body.insert(QStringLiteral("retrySchedule"), QJsonArray{0});
        const IntakeClient::Answer created = admin.post(QStringLiteral("/v1/admin/webhooks"), body);
        QVERIFY2(created.status == 201, qPrintable(describe(created)));
        const qint64 id = created.json().value(QStringLiteral("id")).toInteger();
        for (int i = 0; i < count; ++i) {
            EventFactory::Spec spec;
            spec.repository = repository;
            spec.tag = QStringLiteral("v%1").arg(i);
            QCOMPARE(postEvent(fixture, spec), 1);
        }
        QTRY_COMPARE_WITH_TIMEOUT(
            [&] {
                int failed = 0;
                for (const DeliveryRecord &d : fixture.deliveriesOf(id))
                    failed += d.state == DeliveryState::Failed ? 1 : 0;
                return failed;
            }(),
            count, 15000);
    }

private slots:
    void offWithoutAnAdminToken();
    void adminTokenMustDifferFromTheIntakeToken();
    void refusesMissingAndWrongTokens();
    void documentAndServerAgree();
    void unknownPathsAndMethods();
    void webhookLifecycle();
    void webhookValidationIsTheCommandLines();
    void changesTakeEffectInTheRunningEngine();
    void listsDeliveriesWithFiltersAndCursor();
    void showsADeliveryWithItsAttempts();
    void replaysOneAndManyByFilter();
    void recoveryJobReportsProgressAndCanBeCancelled();
    void listsAndShowsEvents();
};

void TestAdminApi::offWithoutAnAdminToken()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    AdminClient admin(fixture.intakeUrl(), QByteArrayLiteral("anything"));
    const IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/webhooks"));
    QCOMPARE(answer.status, 404);
    QCOMPARE(errorCode(answer), QStringLiteral("admin_api_off"));
    QVERIFY2(errorMessage(answer).contains(QLatin1String("--admin-token")), qPrintable(describe(answer)));
}

void TestAdminApi::adminTokenMustDifferFromTheIntakeToken()
{
    EngineConfig config;
    config.databaseLocation = QStringLiteral("/tmp/unused.db");
    config.intakeToken = "same";
    config.adminToken = "same";
    QVERIFY(config.validate().contains(QLatin1String("must differ")));
    config.adminToken = "other";
    QCOMPARE(config.validate(), QString());
}

void TestAdminApi::refusesMissingAndWrongTokens()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    const QList<QByteArray> tokens{QByteArray(), kIntakeToken, QByteArrayLiteral("admin-token-for-test"),
                                   QByteArray(kAdminToken + "x")};
    for (const QByteArray &token : tokens) {
        AdminClient admin(fixture.intakeUrl(), token);
        const IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/webhooks"));
        QVERIFY2(answer.status == 401, qPrintable(describe(answer)));
        QCOMPARE(errorCode(answer), QStringLiteral("unauthorized"));
        QVERIFY(answer.header("WWW-Authenticate").startsWith("Bearer"));
    }
    // Nothing was created by a refused write.
    AdminClient wrong(fixture.intakeUrl(), kIntakeToken);
    QCOMPARE(wrong
                 .post(QStringLiteral("/v1/admin/webhooks"),
                       QJsonObject{{QStringLiteral("name"), QStringLiteral("x")},
                                   {QStringLiteral("url"), QStringLiteral("http://example.com/")}})
                 .status,
             401);
    QVERIFY(fixture.store().webhooks().isEmpty());
    // The intake does not take the admin token either.
    IntakeClient intake(fixture.intakeUrl(), kAdminToken);
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 401);
}

void TestAdminApi::documentAndServerAgree()
{
    QString error;
    const QList<AdminRoute> documented = documentedRoutes(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(documented.size() >= 18);

    auto key = [](const AdminRoute &route) -> QByteArray {
        return route.method + ' ' + route.path;
    };
    QSet<QByteArray> documentedKeys;
    for (const AdminRoute &route : documented)
        documentedKeys.insert(key(route));
    QSet<QByteArray> serverKeys;
    for (const AdminRoute &route : AdminApi::routes())
        serverKeys.insert(key(route));
    const QSet<QByteArray> undocumented = serverKeys - documentedKeys;
    const QSet<QByteArray> unserved = documentedKeys - serverKeys;
    QVERIFY2(undocumented.isEmpty(),
             qPrintable(
                 QStringLiteral("not in openapi.yaml: ") +
                 QString::fromUtf8(QList<QByteArray>(undocumented.begin(), undocumented.end()).join(", "))));
    QVERIFY2(unserved.isEmpty(),
             qPrintable(QStringLiteral("documented but not served: ") +
                        QString::fromUtf8(QList<QByteArray>(unserved.begin(), unserved.end()).join(", "))));

    // Every documented operation answers on the live server: real resources stand in for the placeholders,
    // and the answer must be neither "no such endpoint" nor "method not allowed".
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    AdminClient admin(fixture.intakeUrl());
    const IntakeClient::Answer created =
        admin.post(QStringLiteral("/v1/admin/webhooks"), webhookBody(QStringLiteral("doc"), sink));
    QVERIFY2(created.status == 201, qPrintable(describe(created)));
    QCOMPARE(postEvent(fixture, {}), 1);
    const QList<DeliveryRecord> deliveries =
        fixture.deliveriesOf(created.json().value(QStringLiteral("id")).toInteger());
    QCOMPARE(deliveries.size(), 1);
    const IntakeClient::Answer job =
        admin.post(QStringLiteral("/v1/admin/recoveries"),
                   QJsonObject{{QStringLiteral("webhook"), QStringLiteral("doc")},
                               {QStringLiteral("since"), QStringLiteral("1h")}});
    QVERIFY2(job.status == 202, qPrintable(describe(job)));
    const QHash<QByteArray, QByteArray> values{
        {"{webhook}", "doc"},
        {"{delivery}", QByteArray::number(deliveries.first().id)},
        {"{event}", QByteArray::number(deliveries.first().eventRowId)},
        {"{recovery}", QByteArray::number(job.json().value(QStringLiteral("id")).toInteger())}};
    QList<AdminRoute> ordered = documented;
    // Removing the webhook last keeps it there for the other calls.
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const AdminRoute &route) { return route.method != "DELETE"; });
    for (const AdminRoute &route : std::as_const(ordered)) {
        QByteArray path = route.path;
        for (auto it = values.cbegin(); it != values.cend(); ++it)
            path.replace(it.key(), it.value());
        QJsonObject body;
        if (route.path.endsWith("/deliveries/replay"))
            body.insert(QStringLiteral("status"), QStringLiteral("failed"));
        if (route.path.endsWith("/recoveries") && route.method == "POST")
            body = QJsonObject{{QStringLiteral("webhook"), QStringLiteral("doc")},
                               {QStringLiteral("since"), QStringLiteral("1h")}};
        if (route.method == "PATCH")
            body.insert(QStringLiteral("concurrency"), 2);
        if (route.method == "POST" && route.path == "/v1/admin/webhooks")
            body = webhookBody(QStringLiteral("doc2"), sink);
        const IntakeClient::Answer answer = admin.call(route.method, QString::fromUtf8(path), body,
                                                       route.method == "POST" || route.method == "PATCH");
        QVERIFY2(answer.status >= 200 && answer.status < 500 && answer.status != 404 && answer.status != 405,
                 qPrintable(QString::fromUtf8(route.method + ' ' + path) + QStringLiteral(" -> ") +
                            describe(answer)));
    }
}

void TestAdminApi::unknownPathsAndMethods()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    AdminClient admin(fixture.intakeUrl());
    IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/nothing-here"));
    QCOMPARE(answer.status, 404);
    QCOMPARE(errorCode(answer), QStringLiteral("not_found"));
    // /deliveries/replay is its own endpoint, not the delivery "replay".
    answer = admin.get(QStringLiteral("/v1/admin/deliveries/replay"));
    QVERIFY2(answer.status == 405, qPrintable(describe(answer)));
    QCOMPARE(answer.header("Allow"), QByteArrayLiteral("POST"));
    answer = admin.call("PUT", QStringLiteral("/v1/admin/webhooks/1"));
    QCOMPARE(answer.status, 405);
    QCOMPARE(answer.header("Allow"), QByteArrayLiteral("GET, PATCH, DELETE"));
    // The intake is still where it was.
    QCOMPARE(IntakeClient(fixture.intakeUrl(), kIntakeToken).post(EventFactory::envelopeOf({})).status, 202);
}

void TestAdminApi::webhookLifecycle()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    AdminClient admin(fixture.intakeUrl());

    QJsonObject body = webhookBody(QStringLiteral("deploy-bot"), sink);
    body.insert(QStringLiteral("generateSecret"), true);
    body.insert(QStringLiteral("repositories"), QJsonArray{QStringLiteral("prod/*")});
    body.insert(QStringLiteral("headers"),
                QJsonArray{QJsonArray{QStringLiteral("X-Team"), QStringLiteral("platform")}});
    IntakeClient::Answer answer = admin.post(QStringLiteral("/v1/admin/webhooks"), body);
    QVERIFY2(answer.status == 201, qPrintable(describe(answer)));
    QJsonObject webhook = answer.json();
    const qint64 id = webhook.value(QStringLiteral("id")).toInteger();
    QVERIFY(id > 0);
    QCOMPARE(answer.header("Location"), "/v1/admin/webhooks/" + QByteArray::number(id));
    const QString secret = webhook.value(QStringLiteral("secret")).toString();
    QVERIFY2(WebhookSignature::isValidSecret(secret), qPrintable(secret)); // shown once, in full
    QCOMPARE(webhook.value(QStringLiteral("actions")).toArray(), QJsonArray{QStringLiteral("push")});
    QCOMPARE(webhook.value(QStringLiteral("timeoutSeconds")).toInt(), 15);
    QCOMPARE(fixture.store().webhook(id)->secret, secret);
    QCOMPARE(fixture.store().webhook(id)->headers.value(0).second, QStringLiteral("platform"));

    // Get by id and by name; the secret masked unless asked for.
    answer = admin.get(QStringLiteral("/v1/admin/webhooks/deploy-bot"));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(QStringLiteral("id")).toInteger(), id);
    QCOMPARE(answer.json().value(QStringLiteral("secret")).toString(), QStringLiteral("whsec_********"));
    answer = admin.get(QStringLiteral("/v1/admin/webhooks/%1?revealSecret=true").arg(id));
    QCOMPARE(answer.json().value(QStringLiteral("secret")).toString(), secret);

    answer = admin.get(QStringLiteral("/v1/admin/webhooks"));
    QCOMPARE(answer.status, 200);
    QCOMPARE(idsOf(answer.json().value(QStringLiteral("items")).toArray()), QList<qint64>{id});

    // Partial update: what is given changes, the rest stays.
    answer = admin.patch(QStringLiteral("/v1/admin/webhooks/%1").arg(id),
                         QJsonObject{{QStringLiteral("timeoutSeconds"), 30},
                                     {QStringLiteral("actions"),
                                      QJsonArray{QStringLiteral("push"), QStringLiteral("delete")}}});
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    std::optional<WebhookConfig> stored = fixture.store().webhook(id);
    QCOMPARE(stored->timeoutMs, 30000);
    QCOMPARE(stored->actions, (QStringList{QStringLiteral("push"), QStringLiteral("delete")}));
    QCOMPARE(stored->repositoryGlobs, QStringList{QStringLiteral("prod/*")});
    QCOMPARE(stored->secret, secret);

    answer = admin.post(QStringLiteral("/v1/admin/webhooks/%1/disable").arg(id),
                        QJsonObject{{QStringLiteral("reason"), QStringLiteral("maintenance window")}});
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(answer.json().value(QStringLiteral("enabled")).toBool(), false);
    QCOMPARE(fixture.store().webhook(id)->disabledReason, QStringLiteral("maintenance window"));
    answer = admin.post(QStringLiteral("/v1/admin/webhooks/%1/enable").arg(id));
    QCOMPARE(answer.json().value(QStringLiteral("enabled")).toBool(), true);
    QVERIFY(fixture.store().webhook(id)->enabled);

    answer = admin.post(QStringLiteral("/v1/admin/webhooks/deploy-bot/rotate-secret"));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const QString rotated = answer.json().value(QStringLiteral("secret")).toString();
    QVERIFY(WebhookSignature::isValidSecret(rotated));
    QVERIFY(rotated != secret);
    QCOMPARE(fixture.store().webhook(id)->secret, rotated);

    answer = admin.remove(QStringLiteral("/v1/admin/webhooks/%1").arg(id));
    QCOMPARE(answer.status, 204);
    QVERIFY(!fixture.store().webhook(id));
    answer = admin.get(QStringLiteral("/v1/admin/webhooks/%1").arg(id));
    QCOMPARE(answer.status, 404);
    QCOMPARE(errorCode(answer), QStringLiteral("not_found"));
    QCOMPARE(admin.remove(QStringLiteral("/v1/admin/webhooks/%1").arg(id)).status, 404);
    QCOMPARE(admin.post(QStringLiteral("/v1/admin/webhooks/nobody/enable")).status, 404);
}

void TestAdminApi::webhookValidationIsTheCommandLines()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    AdminClient admin(fixture.intakeUrl());
    QVERIFY(admin
                .post(QStringLiteral("/v1/admin/webhooks"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("taken")},
                                  {QStringLiteral("url"), QStringLiteral("http://example.com/")}})
                .status == 201);

    // The same bad values through the real CLI (on a database of its own) and through the API: the same
    // refusal, the setting named the way each user writes it.
    QTemporaryDir dir;
    TidingsProcess cli(dir.filePath(QStringLiteral("cli.db")));
    QVERIFY(
        cli.runCli({QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                    QStringLiteral("taken"), QStringLiteral("--url"), QStringLiteral("http://example.com/")})
            .exitCode == 0);
    struct Case
    {
        QStringList cliOptions;
        QJsonObject json;
        QString cliLabel;
        QString jsonLabel;
    };
    const QString url = QStringLiteral("http://example.com/hook");
    const QList<Case> cases{
        {{QStringLiteral("--actions"), QStringLiteral("pushh")},
         {{QStringLiteral("actions"), QJsonArray{QStringLiteral("pushh")}}},
         QStringLiteral("--actions"),
         QStringLiteral("actions")},
        {{QStringLiteral("--timeout"), QStringLiteral("0")},
         {{QStringLiteral("timeoutSeconds"), 0}},
         QStringLiteral("--timeout"),
         QStringLiteral("timeoutSeconds")},
        {{QStringLiteral("--concurrency"), QStringLiteral("65")},
         {{QStringLiteral("concurrency"), 65}},
         QStringLiteral("--concurrency"),
         QStringLiteral("concurrency")},
        {{QStringLiteral("--header"), QStringLiteral("User-Agent: x")},
         {{QStringLiteral("headers"), QJsonArray{QStringLiteral("User-Agent: x")}}},
         QStringLiteral("--header"),
         QStringLiteral("headers")},
        {{QStringLiteral("--format"), QStringLiteral("xml")},
         {{QStringLiteral("format"), QStringLiteral("xml")}},
         QStringLiteral("--format"),
         QStringLiteral("format")},
        {{QStringLiteral("--retry-schedule"), QStringLiteral("0,x")},
         {{QStringLiteral("retrySchedule"), QJsonArray{0, QStringLiteral("x")}}},
         QStringLiteral("--retry-schedule"),
         QStringLiteral("retrySchedule")},
        {{QStringLiteral("--secret"), QStringLiteral("whsec_short")},
         {{QStringLiteral("secret"), QStringLiteral("whsec_short")}},
         QStringLiteral("--generate-secret"),
         QStringLiteral("generateSecret")},
        {{QStringLiteral("--repository"), QStringLiteral("[a-")},
         {{QStringLiteral("repositories"), QJsonArray{QStringLiteral("[a-")}}},
         QString(),
         QString()},
    };
    for (const Case &c : cases) {
        QJsonObject body = c.json;
        body.insert(QStringLiteral("name"), QStringLiteral("new"));
        body.insert(QStringLiteral("url"), url);
        const IntakeClient::Answer answer = admin.post(QStringLiteral("/v1/admin/webhooks"), body);
        QVERIFY2(answer.status == 400, qPrintable(describe(answer)));
        QCOMPARE(errorCode(answer), QStringLiteral("invalid_request"));
        const CliResult result =
            cli.runCli(QStringList{QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                                   QStringLiteral("new"), QStringLiteral("--url"), url} +
                       c.cliOptions);
        QCOMPARE(result.exitCode, 2);
        QString cliMessage = QString::fromUtf8(result.err).trimmed().remove(QStringLiteral("tidings: "));
        QString apiMessage = errorMessage(answer);
        if (!c.cliLabel.isEmpty()) {
            cliMessage.replace(c.cliLabel, QStringLiteral("<setting>"));
            apiMessage.replace(c.jsonLabel, QStringLiteral("<setting>"));
        }
        QCOMPARE(apiMessage, cliMessage);
    }
    // Rules about the whole webhook, the same words on both sides.
    for (const auto &[name, target] :
         {std::pair{QStringLiteral("taken"), url}, std::pair{QStringLiteral("123"), url},
          std::pair{QStringLiteral("ok"), QStringLiteral("ftp://example.com/")}}) {
        const IntakeClient::Answer answer =
            admin.post(QStringLiteral("/v1/admin/webhooks"),
                       QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("url"), target}});
        QCOMPARE(answer.status, 400);
        const CliResult result =
            cli.runCli({QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"), name,
                        QStringLiteral("--url"), target});
        QString cliMessage = QString::fromUtf8(result.err).trimmed().remove(QStringLiteral("tidings: "));
        QCOMPARE(errorMessage(answer).remove(QRegularExpression(QStringLiteral(" \\(id \\d+\\)"))),
                 cliMessage.remove(QRegularExpression(QStringLiteral(" \\(id \\d+\\)"))));
    }
    // JSON-only mistakes.
    IntakeClient::Answer answer = admin.raw("POST", QStringLiteral("/v1/admin/webhooks"), "{not json");
    QCOMPARE(answer.status, 400);
    QVERIFY2(errorMessage(answer).contains(QLatin1String("not JSON")), qPrintable(describe(answer)));
    answer = admin.raw("POST", QStringLiteral("/v1/admin/webhooks"), "[1]");
    QCOMPARE(answer.status, 400);
    answer = admin.post(QStringLiteral("/v1/admin/webhooks"),
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("x")},
                                    {QStringLiteral("url"), url},
                                    {QStringLiteral("timeout"), 5}});
    QCOMPARE(answer.status, 400);
    QVERIFY2(errorMessage(answer).contains(QLatin1String("unknown field \"timeout\"")),
             qPrintable(describe(answer)));
    answer = admin.post(QStringLiteral("/v1/admin/webhooks"),
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("x")},
                                    {QStringLiteral("url"), url},
                                    {QStringLiteral("enabled"), QStringLiteral("yes")}});
    QCOMPARE(answer.status, 400);
    QVERIFY(errorMessage(answer).contains(QLatin1String("enabled must be true or false")));
    answer = admin.patch(QStringLiteral("/v1/admin/webhooks/taken"),
                         QJsonObject{{QStringLiteral("url"), QStringLiteral("nope")}});
    QCOMPARE(answer.status, 400);
    QCOMPARE(fixture.store().webhookByName(QStringLiteral("taken"))->url,
             QStringLiteral("http://example.com/"));
    QCOMPARE(fixture.store().webhooks().size(), 1);
}

void TestAdminApi::changesTakeEffectInTheRunningEngine()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    AdminClient admin(fixture.intakeUrl());

    // The next event after the answer is routed by the new list: no waiting for a change check.
    QCOMPARE(
        admin.post(QStringLiteral("/v1/admin/webhooks"), webhookBody(QStringLiteral("live"), sink)).status,
        201);
    QCOMPARE(postEvent(fixture, {}), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 5000);

    QCOMPARE(admin.post(QStringLiteral("/v1/admin/webhooks/live/disable")).status, 200);
    QCOMPARE(postEvent(fixture, {}), 0);
    QCOMPARE(admin.post(QStringLiteral("/v1/admin/webhooks/live/enable")).status, 200);
    QCOMPARE(postEvent(fixture, {}), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 2, 5000);

    QCOMPARE(admin
                 .patch(QStringLiteral("/v1/admin/webhooks/live"),
                        QJsonObject{{QStringLiteral("repositories"), QJsonArray{QStringLiteral("prod/*")}}})
                 .status,
             200);
    QCOMPARE(postEvent(fixture, {}), 0);
    EventFactory::Spec prod;
    prod.repository = QStringLiteral("prod/api");
    QCOMPARE(postEvent(fixture, prod), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, 5000);
    QCOMPARE(sink.requests().last().path, QByteArrayLiteral("/live"));

    // A rotated secret signs the very next delivery.
    const IntakeClient::Answer rotated = admin.post(QStringLiteral("/v1/admin/webhooks/live/rotate-secret"));
    const QString secret = rotated.json().value(QStringLiteral("secret")).toString();
    QCOMPARE(postEvent(fixture, prod), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 4, 5000);
    const CapturedRequest request = sink.requests().last();
    QByteArray key;
    QVERIFY(WebhookSignature::decodeSecret(secret, &key));
    QCOMPARE(WebhookSignature::verify(key, request.header("webhook-id"), request.header("webhook-timestamp"),
                                      request.body, request.header("webhook-signature"),
                                      QDateTime::currentSecsSinceEpoch()),
             WebhookSignature::Verdict::Valid);

    QCOMPARE(admin.remove(QStringLiteral("/v1/admin/webhooks/live")).status, 204);
    QCOMPARE(postEvent(fixture, prod), 0);
}

void TestAdminApi::listsDeliveriesWithFiltersAndCursor()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink good, bad;
    QVERIFY(good.start() && bad.start());
    AdminClient admin(fixture.intakeUrl());
    QJsonObject goodBody = webhookBody(QStringLiteral("good"), good);
    goodBody.insert(QStringLiteral("repositories"),
                    QJsonArray{QStringLiteral("prod/api"), QStringLiteral("dev/web")});
    QCOMPARE(admin.post(QStringLiteral("/v1/admin/webhooks"), goodBody).status, 201);
    for (int i = 0; i < 5; ++i) {
        EventFactory::Spec spec;
        spec.repository = i < 2 ? QStringLiteral("prod/api") : QStringLiteral("dev/web");
        spec.tag = QStringLiteral("1.%1").arg(i);
        QCOMPARE(postEvent(fixture, spec), 1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(good.count(), 5, 10000);
    makeFailures(fixture, admin, bad, QStringLiteral("bad"), 3, QStringLiteral("prod/db"));
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const IntakeClient::Answer a =
                admin.get(QStringLiteral("/v1/admin/deliveries?status=succeeded&limit=100"));
            return a.json().value(QStringLiteral("items")).toArray().size() == 5;
        }(),
        10000);

    auto items = [&admin](const QString &query) {
        const IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/deliveries?") + query);
        if (answer.status != 200)
            qWarning() << describe(answer);
        return answer.json().value(QStringLiteral("items")).toArray();
    };
    QCOMPARE(items(QStringLiteral("")).size(), 8); // "bad" was created second, so its 3 are the newest
    QCOMPARE(items(QStringLiteral("status=failed")).size(), 3);
    QCOMPARE(items(QStringLiteral("webhook=good")).size(), 5);
    QCOMPARE(items(QStringLiteral("webhook=bad&status=succeeded")).size(), 0);
    QCOMPARE(items(QStringLiteral("text=prod")).size(), 5);
    QCOMPARE(items(QStringLiteral("text=1.1")).size(), 1);
    QCOMPARE(items(QStringLiteral("httpStatus=500")).size(), 3);
    QCOMPARE(items(QStringLiteral("httpStatus=200&text=dev")).size(), 3);
    QCOMPARE(items(QStringLiteral("since=1h")).size(), 8);
    QCOMPARE(items(QStringLiteral("until=1h")).size(), 0);
    const QString future = QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate);
    QCOMPARE(items(QStringLiteral("since=") + QString::fromLatin1(QUrl::toPercentEncoding(future))).size(),
             0);
    QCOMPARE(items(QStringLiteral("until=") + QString::fromLatin1(QUrl::toPercentEncoding(future))).size(),
             8);
    const QJsonObject first = items(QStringLiteral("status=failed")).at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("webhook")).toString(), QStringLiteral("bad"));
    QCOMPARE(first.value(QStringLiteral("lastStatus")).toInt(), 500);
    QCOMPARE(first.value(QStringLiteral("repository")).toString(), QStringLiteral("prod/db"));

    // Pages of three: every delivery once, newest first, then no cursor.
    QList<qint64> seen;
    QString cursor;
    int pages = 0;
    do {
        const IntakeClient::Answer answer =
            admin.get(QStringLiteral("/v1/admin/deliveries?limit=3") +
                      (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
        QCOMPARE(answer.status, 200);
        seen += idsOf(answer.json().value(QStringLiteral("items")).toArray());
        cursor = answer.json().value(QStringLiteral("nextCursor")).toString();
        ++pages;
    } while (!cursor.isEmpty() && pages < 10);
    QCOMPARE(pages, 3);
    QCOMPARE(seen.size(), 8);
    QList<qint64> sorted = seen;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    QCOMPARE(seen, sorted);
    QCOMPARE(QSet<qint64>(seen.begin(), seen.end()).size(), 8);

    for (const QString &query : {QStringLiteral("status=done"), QStringLiteral("limit=0"),
                                 QStringLiteral("limit=1001"), QStringLiteral("cursor=garbage"),
                                 QStringLiteral("httpStatus=abc"), QStringLiteral("since=yesterday")}) {
        const IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/deliveries?") + query);
        QVERIFY2(answer.status == 400, qPrintable(query + QStringLiteral(" -> ") + describe(answer)));
        QCOMPARE(errorCode(answer), QStringLiteral("invalid_request"));
    }
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/deliveries?webhook=nobody")).status, 404);
}

void TestAdminApi::showsADeliveryWithItsAttempts()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink bad;
    QVERIFY(bad.start());
    AdminClient admin(fixture.intakeUrl());
    makeFailures(fixture, admin, bad, QStringLiteral("bad"), 1);
    if (QTest::currentTestFailed())
        return;
    const qint64 id = fixture.store().deliveries({}).first().id;

    const IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/deliveries/%1").arg(id));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const QJsonObject json = answer.json();
    QCOMPARE(json.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
    const QJsonArray attempts = json.value(QStringLiteral("attemptLog")).toArray();
    QCOMPARE(attempts.size(), 1);
    QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("responseStatus")).toInt(), 500);
    QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("url")).toString(),
             bad.url(QStringLiteral("/bad")).toString());
    QCOMPARE(json.value(QStringLiteral("event"))
                 .toObject()
                 .value(QStringLiteral("target"))
                 .toObject()
                 .value(QStringLiteral("repository"))
                 .toString(),
             QStringLiteral("team/app"));
    QVERIFY(!json.value(QStringLiteral("eventId")).toString().isEmpty());

    QCOMPARE(admin.get(QStringLiteral("/v1/admin/deliveries/999999")).status, 404);
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/deliveries/abc")).status, 404);
}

void TestAdminApi::replaysOneAndManyByFilter()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink bad;
    QVERIFY(bad.start());
    AdminClient admin(fixture.intakeUrl());
    makeFailures(fixture, admin, bad, QStringLiteral("bad"), 4);
    if (QTest::currentTestFailed())
        return;
    const QList<DeliveryRecord> failed = fixture.store().deliveries({});
    QCOMPARE(failed.size(), 4);
    bad.setBehaviour({}); // the endpoint is fixed
    bad.clear();

    // One: a manual series, sent at once.
    IntakeClient::Answer answer =
        admin.post(QStringLiteral("/v1/admin/deliveries/%1/replay").arg(failed.at(0).id));
    QVERIFY2(answer.status == 202, qPrintable(describe(answer)));
    QVERIFY(fixture.waitForState(failed.at(0).id, DeliveryState::Succeeded));
    QCOMPARE(bad.count(), 1);
    QVERIFY(fixture.store().delivery(failed.at(0).id)->manual);
    QCOMPARE(admin.post(QStringLiteral("/v1/admin/deliveries/999999/replay")).status, 404);

    // Many by id.
    answer = admin.post(QStringLiteral("/v1/admin/deliveries/replay"),
                        QJsonObject{{QStringLiteral("ids"), QJsonArray{failed.at(1).id, 999999}}});
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(answer.json().value(QStringLiteral("replayed")).toInt(), 1);
    QCOMPARE(answer.json().value(QStringLiteral("notFound")).toArray(), QJsonArray{999999});
    QVERIFY(fixture.waitForState(failed.at(1).id, DeliveryState::Succeeded));

    // Many by filter, paged: two calls of one, then nothing is left.
    answer = admin.post(QStringLiteral("/v1/admin/deliveries/replay"),
                        QJsonObject{{QStringLiteral("status"), QStringLiteral("failed")},
                                    {QStringLiteral("webhook"), QStringLiteral("bad")},
                                    {QStringLiteral("limit"), 1}});
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(answer.json().value(QStringLiteral("replayed")).toInt(), 1);
    const QString cursor = answer.json().value(QStringLiteral("nextCursor")).toString();
    QVERIFY(!cursor.isEmpty());
    answer = admin.post(QStringLiteral("/v1/admin/deliveries/replay"),
                        QJsonObject{{QStringLiteral("status"), QStringLiteral("failed")},
                                    {QStringLiteral("webhook"), QStringLiteral("bad")},
                                    {QStringLiteral("limit"), 1},
                                    {QStringLiteral("cursor"), cursor}});
    QCOMPARE(answer.json().value(QStringLiteral("replayed")).toInt(), 1);
    QCOMPARE(answer.json().value(QStringLiteral("nextCursor")), QJsonValue(QJsonValue::Null));
    QVERIFY(fixture.waitForState(failed.at(2).id, DeliveryState::Succeeded));
    QVERIFY(fixture.waitForState(failed.at(3).id, DeliveryState::Succeeded));
    QTRY_COMPARE_WITH_TIMEOUT(bad.count(), 4, 5000);

    // No accidental replay of everything, and no unknown fields.
    for (const QJsonObject &body : {QJsonObject{}, QJsonObject{{QStringLiteral("limit"), 5}},
                                    QJsonObject{{QStringLiteral("state"), QStringLiteral("failed")}},
                                    QJsonObject{{QStringLiteral("ids"), QJsonArray{}}},
                                    QJsonObject{{QStringLiteral("ids"), QJsonArray{1}},
                                                {QStringLiteral("status"), QStringLiteral("failed")}},
                                    QJsonObject{{QStringLiteral("status"), QStringLiteral("broken")}}}) {
        answer = admin.post(QStringLiteral("/v1/admin/deliveries/replay"), body);
        QVERIFY2(answer.status == 400, qPrintable(describe(answer)));
    }
}

void TestAdminApi::recoveryJobReportsProgressAndCanBeCancelled()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    // One delivery per batch, half a second apart: slow enough to watch and cancel on a loaded machine.
    QVERIFY2(startEngine(fixture, 1, 500), qPrintable(fixture.lastError()));
    HttpSink bad;
    QVERIFY(bad.start());
    AdminClient admin(fixture.intakeUrl());
    makeFailures(fixture, admin, bad, QStringLiteral("bad"), 8);
    if (QTest::currentTestFailed())
        return;
    bad.setBehaviour({});
    bad.clear();

    IntakeClient::Answer answer = admin.post(QStringLiteral("/v1/admin/recoveries"),
                                             QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")},
                                                         {QStringLiteral("since"), QStringLiteral("1h")}});
    QVERIFY2(answer.status == 202, qPrintable(describe(answer)));
    const qint64 job = answer.json().value(QStringLiteral("id")).toInteger();
    QCOMPARE(answer.header("Location"), "/v1/admin/recoveries/" + QByteArray::number(job));
    QCOMPARE(answer.json().value(QStringLiteral("state")).toString(), QStringLiteral("running"));
    QCOMPARE(answer.json().value(QStringLiteral("total")).toInt(), 8);

    const QString jobPath = QStringLiteral("/v1/admin/recoveries/%1").arg(job);
    QTRY_VERIFY_WITH_TIMEOUT(admin.get(jobPath).json().value(QStringLiteral("processed")).toInt() >= 1,
                             10000);
    answer = admin.remove(jobPath);
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(answer.json().value(QStringLiteral("state")).toString(), QStringLiteral("cancelled"));
    const int replayed = answer.json().value(QStringLiteral("replayed")).toInt();
    QVERIFY2(replayed >= 1 && replayed < 8, qPrintable(describe(answer)));
    QTest::qWait(1500); // three batch intervals: a cancelled job must not move
    answer = admin.get(jobPath);
    QCOMPARE(answer.json().value(QStringLiteral("replayed")).toInt(), replayed);
    QCOMPARE(answer.json().value(QStringLiteral("state")).toString(), QStringLiteral("cancelled"));
    QTRY_COMPARE_WITH_TIMEOUT(bad.count(), replayed, 5000);
    QCOMPARE(admin.remove(jobPath).status, 409);

    // A second job picks up exactly what is still failed and finishes.
    answer = admin.post(QStringLiteral("/v1/admin/recoveries"),
                        QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")},
                                    {QStringLiteral("since"), QStringLiteral("1h")}});
    QCOMPARE(answer.json().value(QStringLiteral("total")).toInt(), 8 - replayed);
    const QString secondPath =
        QStringLiteral("/v1/admin/recoveries/%1").arg(answer.json().value(QStringLiteral("id")).toInteger());
    QTRY_COMPARE_WITH_TIMEOUT(admin.get(secondPath).json().value(QStringLiteral("state")).toString(),
                              QStringLiteral("succeeded"), 15000);
    QCOMPARE(admin.get(secondPath).json().value(QStringLiteral("replayed")).toInt(), 8 - replayed);
    QTRY_COMPARE_WITH_TIMEOUT(bad.count(), 8, 10000);
    const QJsonArray jobs =
        admin.get(QStringLiteral("/v1/admin/recoveries")).json().value(QStringLiteral("items")).toArray();
    QCOMPARE(jobs.size(), 2);

    // Nothing failed any more: a job with nothing to do is finished at once.
    QTRY_COMPARE_WITH_TIMEOUT(admin.get(QStringLiteral("/v1/admin/deliveries?status=succeeded"))
                                  .json()
                                  .value(QStringLiteral("items"))
                                  .toArray()
                                  .size(),
                              8, 10000);
    answer = admin.post(QStringLiteral("/v1/admin/recoveries"),
                        QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")},
                                    {QStringLiteral("since"), QStringLiteral("1h")}});
    QCOMPARE(answer.json().value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(answer.json().value(QStringLiteral("total")).toInt(), 0);

    QCOMPARE(admin.get(QStringLiteral("/v1/admin/recoveries/999")).status, 404);
    for (const QJsonObject &body : {QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")}},
                                    QJsonObject{{QStringLiteral("since"), QStringLiteral("1h")}},
                                    QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")},
                                                {QStringLiteral("since"), QStringLiteral("soon")}},
                                    QJsonObject{{QStringLiteral("webhook"), QStringLiteral("bad")},
                                                {QStringLiteral("since"), QStringLiteral("1h")},
                                                {QStringLiteral("status"), QStringLiteral("failed")}}})
        QCOMPARE(admin.post(QStringLiteral("/v1/admin/recoveries"), body).status, 400);
    QCOMPARE(admin
                 .post(QStringLiteral("/v1/admin/recoveries"),
                       QJsonObject{{QStringLiteral("webhook"), QStringLiteral("nobody")},
                                   {QStringLiteral("since"), QStringLiteral("1h")}})
                 .status,
             404);
}

void TestAdminApi::listsAndShowsEvents()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid() && startEngine(fixture), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    AdminClient admin(fixture.intakeUrl());
    QJsonObject body = webhookBody(QStringLiteral("all"), sink);
    body.insert(QStringLiteral("actions"), QStringLiteral("push,delete"));
    QCOMPARE(admin.post(QStringLiteral("/v1/admin/webhooks"), body).status, 201);
    IntakeClient intake(fixture.intakeUrl(), kIntakeToken);
    QCOMPARE(intake.post(EventFactory::sample(QStringLiteral("03-push-manifest.json"))).status, 202);
    QCOMPARE(intake.post(EventFactory::sample(QStringLiteral("08-delete-tag.json"))).status, 202);
    for (int i = 0; i < 3; ++i) {
        EventFactory::Spec spec;
        spec.repository = QStringLiteral("team/svc%1").arg(i);
        QCOMPARE(postEvent(fixture, spec), 1);
    }

    IntakeClient::Answer answer = admin.get(QStringLiteral("/v1/admin/events"));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const QJsonArray all = answer.json().value(QStringLiteral("items")).toArray();
    QCOMPARE(all.size(), 5);
    QCOMPARE(all.at(0).toObject().value(QStringLiteral("repository")).toString(),
             QStringLiteral("team/svc2"));
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/events?action=delete"))
                 .json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             1);
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/events?text=svc"))
                 .json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             3);
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/events?until=1h"))
                 .json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             0);
    answer = admin.get(QStringLiteral("/v1/admin/events?limit=4"));
    QCOMPARE(answer.json().value(QStringLiteral("items")).toArray().size(), 4);
    answer = admin.get(QStringLiteral("/v1/admin/events?limit=4&cursor=") +
                       answer.json().value(QStringLiteral("nextCursor")).toString());
    QCOMPARE(answer.json().value(QStringLiteral("items")).toArray().size(), 1);
    QCOMPARE(answer.json().value(QStringLiteral("nextCursor")), QJsonValue(QJsonValue::Null));
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/events?limit=x")).status, 400);

    const QJsonObject pushed = all.at(4).toObject();
    answer =
        admin.get(QStringLiteral("/v1/admin/events/%1").arg(pushed.value(QStringLiteral("id")).toInteger()));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const QJsonObject event = answer.json();
    QCOMPARE(event.value(QStringLiteral("action")).toString(), QStringLiteral("push"));
    QVERIFY(event.value(QStringLiteral("digest")).toString().startsWith(QLatin1String("sha256:")));
    QCOMPARE(event.value(QStringLiteral("payload")).toObject().value(QStringLiteral("id")).toString(),
             event.value(QStringLiteral("eventId")).toString());
    const QJsonArray deliveries = event.value(QStringLiteral("deliveries")).toArray();
    QCOMPARE(deliveries.size(), 1);
    QCOMPARE(deliveries.at(0).toObject().value(QStringLiteral("webhook")).toString(), QStringLiteral("all"));
    QCOMPARE(admin.get(QStringLiteral("/v1/admin/events/424242")).status, 404);
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
