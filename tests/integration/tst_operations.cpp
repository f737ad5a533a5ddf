// The operations endpoints of a running engine over real loopback HTTP: GET /metrics after real intake and
// delivery traffic (values checked against what was sent, the text checked by promtool), the metrics token,
// and /healthz and /readyz.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>
#include <QUuid>

namespace {

constexpr int kWaitMs = 15000;

// The samples of one exposition text, keyed by name and labels as written ("name{a=\"x\",b=\"y\"}"), with
// label values unescaped again, so a test looks a series up by the plain webhook name. Parsed independently
// of the engine's writer.
class Exposition
{
public:
    explicit Exposition(const QByteArray &text)
    {
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            const qsizetype space = line.lastIndexOf(' ');
            const QByteArray series = line.left(space);
            const QByteArray value = line.mid(space + 1);
            m_samples.insert(normalise(series), value == "+Inf" ? qInf() : value.toDouble());
        }
    }

    bool contains(const QString &key) const { return m_samples.contains(key); }
    double value(const QString &key) const { return m_samples.value(key, -1); }
    QStringList keys() const { return m_samples.keys(); }

    static QString key(const QString &name, const QList<QPair<QString, QString>> &labels = {})
    {
        if (labels.isEmpty())
            return name;
        QStringList parts;
        for (const auto &label : labels)
            parts.append(label.first + QStringLiteral("=") + label.second);
        return name + QLatin1Char('{') + parts.join(QLatin1Char('|')) + QLatin1Char('}');
    }

private:
    static QString normalise(const QByteArray &series)
    {
        const qsizetype brace = series.indexOf('{');
        if (brace < 0)
            return QString::fromUtf8(series);
        QList<QPair<QString, QString>> labels;
        QByteArray name, value;
        bool inValue = false;
        for (qsizetype i = brace + 1; i < series.size(); ++i) {
            const char c = series[i];
            if (!inValue) {
                if (c == '=') {
                    inValue = true;
                    ++i; // the opening quote
                } else if (c != ',' && c != '}') {
                    name += c;
                }
                continue;
            }
            if (c == '\\') {
                const char next = series[++i];
                value += next == 'n' ? '\n' : next;
            } else if (c == '"') {
                labels.append({QString::fromUtf8(name), QString::fromUtf8(value)});
                name.clear();
                value.clear();
                inValue = false;
            } else {
                value += c;
            }
        }
        return key(QString::fromUtf8(series.left(brace)), labels);
    }

    QMap<QString, double> m_samples;
};

QUrl endpoint(const QUrl &intakeUrl, const QString &path)
{
    QUrl url = intakeUrl;
    url.setPath(path);
    return url;
}

} // namespace

class TestOperations : public QObject
{
    Q_OBJECT

private slots:
    void metricsCountRealTraffic();
    void metricsTokenIsEnforcedWhenSet();
    void readinessFollowsTheDatabase();
};

void TestOperations::metricsCountRealTraffic()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink healthy, broken, flaky;
    QVERIFY(healthy.start() && broken.start() && flaky.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    broken.setBehaviour(failing);
    flaky.setBehaviour(failing);

    // A name with the characters the exposition format must escape.
    const QString healthyName = QStringLiteral("ci \"main\" \\ hook");
    WebhookConfig healthyHook;
    healthyHook.name = healthyName;
    healthyHook.url = healthy.url().toString();
    fixture.addWebhook(healthyHook);
    WebhookConfig brokenHook; // gives up after one attempt
    brokenHook.name = QStringLiteral("broken");
    brokenHook.url = broken.url().toString();
    brokenHook.retryScheduleSeconds = {0};
    brokenHook.maxAttempts = 1;
    fixture.addWebhook(brokenHook);
    WebhookConfig flakyHook; // retries an hour later: its deliveries stay pending, not yet due
    flakyHook.name = QStringLiteral("flaky");
    flakyHook.url = flaky.url().toString();
    flakyHook.retryScheduleSeconds = {0, 3600};
    flakyHook = fixture.addWebhook(flakyHook);
    WebhookConfig parkedHook; // disabled, with one delivery due a minute ago: the oldest due delivery
    parkedHook.name = QStringLiteral("parked");
    parkedHook.url = healthy.url(QStringLiteral("/parked")).toString();
    parkedHook.enabled = false;
    parkedHook = fixture.addWebhook(parkedHook);
    const qint64 dueAt = QDateTime::currentMSecsSinceEpoch() - 60000;
    QVERIFY(fixture.store().beginWrite());
    RegistryEvent parkedEvent;
    parkedEvent.eventId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    parkedEvent.receivedAt = QDateTime::fromMSecsSinceEpoch(dueAt, Qt::UTC);
    parkedEvent.timestamp = parkedEvent.receivedAt;
    parkedEvent.action = QStringLiteral("push");
    parkedEvent.repository = QStringLiteral("team/parked");
    parkedEvent.contentType = QByteArrayLiteral("application/json");
    parkedEvent.rawJson = QByteArrayLiteral("{}");
    const qint64 parkedRow = fixture.store().insertEvent(parkedEvent);
    QVERIFY2(parkedRow > 0, qPrintable(fixture.store().lastError()));
    QVERIFY(fixture.store().insertDelivery(parkedRow, parkedHook.id, QStringLiteral("msg_parked"), dueAt) >
            0);
    QVERIFY(fixture.store().commit());
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    IntakeClient registry(fixture.intakeUrl());
    const int events = 5;
    for (int i = 0; i < events; ++i)
        QCOMPARE(registry.post(EventFactory::envelopeOf({})).status, 202);
    QCOMPARE(registry.post("{not json").status, 400);
    QCOMPARE(registry.post(EventFactory::envelopeOf({}), "text/plain").status, 415);
    // Over the body limit: refused by the HTTP server before the intake sees it.
    QCOMPARE(registry.post(QByteArray(2 * 1024 * 1024, ' ')).status, 413);

    QTRY_COMPARE_WITH_TIMEOUT(healthy.count(), events, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(broken.count(), events, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(flaky.count(), events, kWaitMs);

    IntakeClient scraper(fixture.intakeUrl());
    const QUrl metricsUrl = endpoint(fixture.intakeUrl(), QStringLiteral("/metrics"));
    IntakeClient::Answer answer;
    // Attempts are counted once recorded, a moment after the sink saw the request.
    QTRY_VERIFY_WITH_TIMEOUT(
        (answer = scraper.send("GET", metricsUrl, {}, {}),
         Exposition(answer.body)
                     .value(Exposition::key(QStringLiteral("tidings_delivery_attempts_total"),
                                            {{QStringLiteral("webhook"), QStringLiteral("flaky")},
                                             {QStringLiteral("result"), QStringLiteral("http")}})) ==
                 events &&
             Exposition(answer.body)
                     .value(Exposition::key(QStringLiteral("tidings_delivery_attempts_total"),
                                            {{QStringLiteral("webhook"), QStringLiteral("broken")},
                                             {QStringLiteral("result"), QStringLiteral("http")}})) ==
                 events &&
             Exposition(answer.body)
                     .value(Exposition::key(QStringLiteral("tidings_delivery_attempts_total"),
                                            {{QStringLiteral("webhook"), healthyName},
                                             {QStringLiteral("result"), QStringLiteral("success")}})) ==
                 events),
        kWaitMs);
    QCOMPARE(answer.status, 200);
    QVERIFY2(answer.header("content-type").startsWith("text/plain; version=0.0.4"),
             answer.header("content-type"));
    const Exposition metrics(answer.body);
    qInfo("%s", answer.body.constData());
    auto value = [&metrics](const char *name, const QList<QPair<QString, QString>> &labels = {}) {
        const QString key = Exposition::key(QString::fromLatin1(name), labels);
        if (!metrics.contains(key))
            qWarning("missing series %s", qPrintable(key));
        return metrics.value(key);
    };
    const QString webhook = QStringLiteral("webhook");

    QCOMPARE(value("tidings_intake_requests_total", {{QStringLiteral("status"), QStringLiteral("202")}}),
             events);
    QCOMPARE(value("tidings_intake_requests_total", {{QStringLiteral("status"), QStringLiteral("400")}}), 1);
    QCOMPARE(value("tidings_intake_requests_total", {{QStringLiteral("status"), QStringLiteral("415")}}), 1);
    QVERIFY(!metrics.contains(Exposition::key(QStringLiteral("tidings_intake_requests_total"),
                                              {{QStringLiteral("status"), QStringLiteral("413")}})));
    QCOMPARE(value("tidings_http_refused_total", {{QStringLiteral("status"), QStringLiteral("413")}}), 1);
    QCOMPARE(value("tidings_events_accepted_total"), events);

    QCOMPARE(value("tidings_delivery_outcomes_total",
                   {{webhook, healthyName}, {QStringLiteral("outcome"), QStringLiteral("succeeded")}}),
             events);
    QCOMPARE(
        value("tidings_delivery_outcomes_total",
              {{webhook, QStringLiteral("broken")}, {QStringLiteral("outcome"), QStringLiteral("failed")}}),
        events);
    QCOMPARE(
        value("tidings_delivery_outcomes_total",
              {{webhook, QStringLiteral("flaky")}, {QStringLiteral("outcome"), QStringLiteral("retrying")}}),
        events);

    // The histogram: every attempt in +Inf, buckets never decrease, the count matches.
    QCOMPARE(value("tidings_delivery_attempt_duration_seconds_count", {{webhook, healthyName}}), events);
    QCOMPARE(value("tidings_delivery_attempt_duration_seconds_bucket",
                   {{webhook, healthyName}, {QStringLiteral("le"), QStringLiteral("+Inf")}}),
             events);
    double previous = 0;
    for (const char *bound :
         {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"}) {
        const double cumulative =
            value("tidings_delivery_attempt_duration_seconds_bucket",
                  {{webhook, healthyName}, {QStringLiteral("le"), QString::fromLatin1(bound)}});
        QVERIFY2(cumulative >= previous && cumulative <= events, bound);
        previous = cumulative;
    }
    // A loopback sink answers well within 15 s.
    QCOMPARE(value("tidings_delivery_attempt_duration_seconds_bucket",
                   {{webhook, healthyName}, {QStringLiteral("le"), QStringLiteral("10")}}),
             events);
    QVERIFY(value("tidings_delivery_attempt_duration_seconds_sum", {{webhook, healthyName}}) >= 0);

    // Gauges, read from the database.
    QCOMPARE(value("tidings_database_up"), 1);
    const QString state = QStringLiteral("state");
    QCOMPARE(value("tidings_queue_deliveries", {{webhook, healthyName}, {state, QStringLiteral("pending")}}),
             0);
    QCOMPARE(value("tidings_queue_deliveries",
                   {{webhook, QStringLiteral("broken")}, {state, QStringLiteral("pending")}}),
             0);
    QCOMPARE(value("tidings_failed_deliveries"), events); // broken's, given up after one attempt
    QCOMPARE(value("tidings_queue_deliveries",
                   {{webhook, QStringLiteral("flaky")}, {state, QStringLiteral("pending")}}),
             events);
    QCOMPARE(value("tidings_queue_deliveries",
                   {{webhook, QStringLiteral("flaky")}, {state, QStringLiteral("in_flight")}}),
             0);
    QCOMPARE(value("tidings_queue_deliveries",
                   {{webhook, QStringLiteral("parked")}, {state, QStringLiteral("pending")}}),
             1);
    // Flaky's retries are an hour away, so not due; parked's delivery has been due for a minute.
    QCOMPARE(value("tidings_queue_oldest_due_age_seconds", {{webhook, QStringLiteral("flaky")}}), 0);
    const double parkedAge =
        value("tidings_queue_oldest_due_age_seconds", {{webhook, QStringLiteral("parked")}});
    QVERIFY2(parkedAge >= 60 && parkedAge < 600, qPrintable(QString::number(parkedAge)));
    QCOMPARE(value("tidings_webhook_enabled", {{webhook, QStringLiteral("parked")}}), 0);
    QCOMPARE(value("tidings_webhook_enabled", {{webhook, QStringLiteral("broken")}}), 1);
    // Five 500s in a row paused broken and flaky (EndpointBackoff); the healthy webhook never was.
    QCOMPARE(value("tidings_endpoint_pauses_total", {{webhook, QStringLiteral("flaky")}}), 1);
    QCOMPARE(value("tidings_endpoint_held_back", {{webhook, QStringLiteral("flaky")}}), 1);
    QCOMPARE(value("tidings_endpoint_pauses_total", {{webhook, QStringLiteral("broken")}}), 1);
    QVERIFY(!metrics.contains(
        Exposition::key(QStringLiteral("tidings_endpoint_held_back"), {{webhook, healthyName}})));

    // The real output passes Prometheus' own checker (syntax and naming lint).
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    QVERIFY2(!promtool.isEmpty(),
             "promtool not found: install the test dependencies (scripts/install-deps.sh test)");
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(check.waitForStarted(5000));
    check.write(answer.body);
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(20000));
    const QByteArray checkOutput = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0, checkOutput.constData());

    // Someone points flaky at a working receiver: it is no longer held back, and the gauge says so.
    WebhookConfig fixed = *fixture.store().webhook(flakyHook.id);
    fixed.url = healthy.url(QStringLiteral("/fixed")).toString();
    QSignalSpy saved(fixture.engine(), &Engine::webhookSaved);
    fixture.engine()->saveWebhook(fixed);
    QVERIFY(saved.wait(5000));
    const Exposition after(scraper.send("GET", metricsUrl, {}, {}).body);
    const QString flakyKey = QStringLiteral("flaky");
    QCOMPARE(
        after.value(Exposition::key(QStringLiteral("tidings_endpoint_held_back"), {{webhook, flakyKey}})), 0);
    QCOMPARE(
        after.value(Exposition::key(QStringLiteral("tidings_endpoint_pauses_total"), {{webhook, flakyKey}})),
        1);
}

void TestOperations::metricsTokenIsEnforcedWhenSet()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    EngineConfig config = fixture.config();
    config.metricsToken = QByteArrayLiteral("scrape-secret");
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    const QUrl metricsUrl = endpoint(fixture.intakeUrl(), QStringLiteral("/metrics"));

    IntakeClient anonymous(fixture.intakeUrl());
    const IntakeClient::Answer refused = anonymous.send("GET", metricsUrl, {}, {});
    QCOMPARE(refused.status, 401);
    QCOMPARE(
        refused.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("unauthorized"));
    QVERIFY(!refused.body.contains("tidings_"));
    const IntakeClient::Answer wrong = anonymous.send(
        "GET", metricsUrl, {}, {}, {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer nope")}});
    QCOMPARE(wrong.status, 401);

    IntakeClient scraper(fixture.intakeUrl(), QByteArrayLiteral("scrape-secret"));
    const IntakeClient::Answer allowed = scraper.send("GET", metricsUrl, {}, {});
    QCOMPARE(allowed.status, 200);
    QVERIFY(allowed.body.contains("tidings_events_accepted_total 0"));
    // The intake itself is not affected by the metrics token.
    QCOMPARE(anonymous.post(EventFactory::envelopeOf({})).status, 202);
    QCOMPARE(anonymous.send("POST", metricsUrl, "x", "text/plain").status, 405);
}

// Ready while the database answers; 503 with the reason once its files are unreadable garbage (the database,
// its WAL and the WAL index zeroed under the running engine, which SQLite cannot read past); ready again once
// they are back. Liveness stays 200 throughout: the process itself is fine.
void TestOperations::readinessFollowsTheDatabase()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    IntakeClient probe(fixture.intakeUrl());
    const QUrl liveness = endpoint(fixture.intakeUrl(), QStringLiteral("/healthz"));
    const QUrl readiness = endpoint(fixture.intakeUrl(), QStringLiteral("/readyz"));

    IntakeClient::Answer alive = probe.send("GET", liveness, {}, {});
    QCOMPARE(alive.status, 200);
    QCOMPARE(alive.json().value(QStringLiteral("status")).toString(), QStringLiteral("alive"));
    IntakeClient::Answer ready = probe.send("GET", readiness, {}, {});
    QCOMPARE(ready.status, 200);
    QCOMPARE(ready.json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
    QCOMPARE(probe.send("POST", readiness, "x", "text/plain").status, 405);
    // An event makes sure the WAL holds something, as in production.
    QCOMPARE(probe.post(EventFactory::envelopeOf({})).status, 202);

    // SQLite: the files are overwritten with zeros (the test's own connection must not repair or hold
    // anything meanwhile). PostgreSQL: the table the readiness query reads is renamed away on a connection of
    // the test's own, which makes the server refuse the query the same way.
    const bool postgres = EngineFixture::backend() == QLatin1String("postgresql");
    const QStringList files =
        postgres ? QStringList()
                 : QStringList{fixture.databasePath(), fixture.databasePath() + QStringLiteral("-wal"),
                               fixture.databasePath() + QStringLiteral("-shm")};
    QHash<QString, QByteArray> saved;
    auto renameMigrations = [&](const char *from, const char *to) {
        QString error;
        const std::unique_ptr<SqlDialect> dialect = Store::dialectFor(fixture.databaseLocation(), &error);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(dialect->driverName(), QStringLiteral("damage"));
            dialect->configure(db, fixture.databaseLocation(), &error);
            QSqlQuery query(db);
            const bool ok = db.open() && query.exec(QStringLiteral("ALTER TABLE %1 RENAME TO %2")
                                                        .arg(QLatin1String(from), QLatin1String(to)));
            if (!ok)
                qWarning().noquote() << "rename failed:" << db.lastError().text() << query.lastError().text();
            db.close();
            return ok;
        }
    };
    if (postgres) {
        QVERIFY(renameMigrations("schema_migrations", "schema_migrations_away"));
        QSqlDatabase::removeDatabase(QStringLiteral("damage"));
    }
    fixture.store().close();
    for (const QString &path : files) {
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadWrite), qPrintable(path + QLatin1Char(' ') + file.errorString()));
        saved.insert(path, file.readAll());
        file.seek(0);
        file.write(QByteArray(saved.value(path).size(), '\0'));
    }

    IntakeClient::Answer refused;
    QTRY_VERIFY_WITH_TIMEOUT((refused = probe.send("GET", readiness, {}, {})).status == 503, kWaitMs);
    const QJsonObject error = refused.json().value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("database_unavailable"));
    const QString message = error.value(QStringLiteral("message")).toString();
    QVERIFY2(message.startsWith(QLatin1String("not ready: the database does not answer: ")) &&
                 message.size() > int(qstrlen("not ready: the database does not answer: ")),
             qPrintable(message));
    qInfo("readiness with a damaged database: %s", qPrintable(message));
    QCOMPARE(refused.header("retry-after"), QByteArrayLiteral("5"));
    QCOMPARE(probe.send("GET", liveness, {}, {}).status, 200);

    for (const QString &path : files) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.write(saved.value(path));
    }
    if (postgres) {
        QVERIFY(renameMigrations("schema_migrations_away", "schema_migrations"));
        QSqlDatabase::removeDatabase(QStringLiteral("damage"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(probe.send("GET", readiness, {}, {}).status, 200, kWaitMs);
}

QTEST_MAIN(TestOperations)
#include "tst_operations.moc"
