// A webhook disabled by a 410 or by failing for longer than --disable-after is reported in all three places:
// Engine::webhookDisabled (what the console turns into a desktop notification), a tidings.ops log line, and a
// CloudEvent POSTed to the operations webhook. Real engine, real loopback sinks.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QSignalSpy>
#include <QTest>

namespace {

QMutex logMutex;
QStringList opsLog;
QtMessageHandler previousHandler = nullptr;

void captureOpsLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "tidings.ops") == 0 && type == QtWarningMsg) {
        QMutexLocker lock(&logMutex);
        opsLog.append(message);
    }
    if (previousHandler)
        previousHandler(type, context, message);
}

QStringList capturedOpsLog()
{
    QMutexLocker lock(&logMutex);
    return opsLog;
}

} // namespace

class TestWebhookDisable : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { previousHandler = qInstallMessageHandler(captureOpsLog); }
    void cleanupTestCase() { qInstallMessageHandler(previousHandler); }
    void init()
    {
        QMutexLocker lock(&logMutex);
        opsLog.clear();
    }

    void goneIsReported();
    void failingLongerThanTheWindowIsReported();
    void urlPasswordStaysOutOfTheReport();
    void failingWithoutAWindowIsNotDisabled();
    void unreachableOperationsWebhookIsAProblem();
};

void TestWebhookDisable::goneIsReported()
{
    EngineFixture fixture;
    HttpSink subscriber, operations;
    QVERIFY(subscriber.start() && operations.start());
    HttpSink::Behaviour gone;
    gone.status = 410;
    subscriber.setBehaviour(gone);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("retired-bot");
    webhook.url = subscriber.url().toString();
    webhook = fixture.addWebhook(webhook);

    EngineConfig config = fixture.config();
    config.opsWebhookUrl = operations.url(QStringLiteral("/ops")).toString();
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    QSignalSpy disabled(fixture.engine(), &Engine::webhookDisabled);
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    QTRY_COMPARE_WITH_TIMEOUT(disabled.count(), 1, 10000);
    QCOMPARE(disabled.at(0).at(0).toLongLong(), webhook.id);
    const QString reason = disabled.at(0).at(1).toString();
    QVERIFY2(reason.contains(QStringLiteral("410 Gone")), qPrintable(reason));
    QVERIFY(!fixture.store().webhook(webhook.id)->enabled);

    QTRY_COMPARE_WITH_TIMEOUT(operations.count(), 1, 10000);
    const CapturedRequest posted = operations.requests().constFirst();
    QCOMPARE(posted.path, QByteArray("/ops"));
    QCOMPARE(posted.header("content-type"), QByteArray("application/cloudevents+json"));
    const QJsonObject event = QJsonDocument::fromJson(posted.body).object();
    QCOMPARE(event.value(QStringLiteral("specversion")).toString(), QStringLiteral("1.0"));
    QCOMPARE(event.value(QStringLiteral("type")).toString(),
             QStringLiteral("dev.tidings.ops.webhook.disabled"));
    QCOMPARE(event.value(QStringLiteral("subject")).toString(), QStringLiteral("retired-bot"));
    QVERIFY(!event.value(QStringLiteral("id")).toString().isEmpty());
    const QJsonObject data = event.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("cause")).toString(), QStringLiteral("gone"));
    QCOMPARE(data.value(QStringLiteral("reason")).toString(), reason);
    const QJsonObject described = data.value(QStringLiteral("webhook")).toObject();
    QCOMPARE(described.value(QStringLiteral("id")).toInteger(), webhook.id);
    QCOMPARE(described.value(QStringLiteral("name")).toString(), QStringLiteral("retired-bot"));
    QCOMPARE(described.value(QStringLiteral("url")).toString(), webhook.url);

    const QStringList log = capturedOpsLog();
    QCOMPARE(log.size(), 1);
    QVERIFY2(log.first().contains(QStringLiteral("webhook \"retired-bot\"")) &&
                 log.first().contains(QStringLiteral("disabled (gone)")),
             qPrintable(log.first()));
}

void TestWebhookDisable::failingLongerThanTheWindowIsReported()
{
    EngineFixture fixture;
    HttpSink subscriber, operations;
    QVERIFY(subscriber.start() && operations.start());
    HttpSink::Behaviour broken;
    broken.status = 503;
    subscriber.setBehaviour(broken);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("flaky-bot");
    webhook.url = subscriber.url().toString();
    webhook.retryScheduleSeconds = {0, 1, 1, 1, 1, 1, 1, 1};
    webhook = fixture.addWebhook(webhook);

    EngineConfig config = fixture.config();
    config.opsWebhookUrl = operations.url(QStringLiteral("/ops")).toString();
    config.disableAfterMs = 1500;
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    QSignalSpy disabled(fixture.engine(), &Engine::webhookDisabled);
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    // Attempts about a second apart: the first failure starts the window, the first one 1.5 s later disables.
    QTRY_COMPARE_WITH_TIMEOUT(disabled.count(), 1, 15000);
    const QString reason = disabled.at(0).at(1).toString();
    QVERIFY2(reason.contains(QStringLiteral("--disable-after")) &&
                 reason.contains(QStringLiteral("HTTP 503")),
             qPrintable(reason));
    QVERIFY(subscriber.count() >= 3);
    const std::optional<WebhookConfig> stored = fixture.store().webhook(webhook.id);
    QVERIFY(stored && !stored->enabled);
    QCOMPARE(stored->disabledReason, reason);

    QTRY_COMPARE_WITH_TIMEOUT(operations.count(), 1, 10000);
    const QJsonObject data = QJsonDocument::fromJson(operations.requests().constFirst().body)
                                 .object()
                                 .value(QStringLiteral("data"))
                                 .toObject();
    QCOMPARE(data.value(QStringLiteral("cause")).toString(), QStringLiteral("failing"));
    QCOMPARE(data.value(QStringLiteral("webhook")).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("flaky-bot"));
    const QStringList log = capturedOpsLog();
    QCOMPARE(log.size(), 1);
    QVERIFY2(log.first().contains(QStringLiteral("disabled (failing)")), qPrintable(log.first()));

    // Disabled means no more attempts.
    const int attempts = subscriber.count();
    QTest::qWait(2500);
    QCOMPARE(subscriber.count(), attempts);
}

void TestWebhookDisable::urlPasswordStaysOutOfTheReport()
{
    // The password in a webhook's URL is its Basic authentication. The subscriber gets it; the log line and
    // the operations event (which may go to a chat room) name the URL without it.
    EngineFixture fixture;
    HttpSink subscriber, operations;
    QVERIFY(subscriber.start() && operations.start());
    HttpSink::Behaviour gone;
    gone.status = 410;
    subscriber.setBehaviour(gone);
    QUrl url = subscriber.url();
    url.setUserName(QStringLiteral("deployer"));
    url.setPassword(QStringLiteral("pa55-word"));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("guarded-bot");
    webhook.url = url.toString();
    webhook = fixture.addWebhook(webhook);

    EngineConfig config = fixture.config();
    config.opsWebhookUrl = operations.url(QStringLiteral("/ops")).toString();
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    QTRY_COMPARE_WITH_TIMEOUT(operations.count(), 1, 10000);
    QCOMPARE(subscriber.requests().constFirst().header("authorization"),
             "Basic " + QByteArrayLiteral("deployer:pa55-word").toBase64());
    const CapturedRequest posted = operations.requests().constFirst();
    QVERIFY2(!posted.body.contains("pa55-word"), posted.body.constData());
    const QString shown = QJsonDocument::fromJson(posted.body)
                              .object()
                              .value(QStringLiteral("data"))
                              .toObject()
                              .value(QStringLiteral("webhook"))
                              .toObject()
                              .value(QStringLiteral("url"))
                              .toString();
    QCOMPARE(shown, url.toString(QUrl::RemovePassword));
    QVERIFY2(shown.contains(QStringLiteral("deployer@")), qPrintable(shown));
    const QStringList log = capturedOpsLog();
    QCOMPARE(log.size(), 1);
    QVERIFY2(!log.first().contains(QStringLiteral("pa55-word")) && log.first().contains(shown),
             qPrintable(log.first()));
}

void TestWebhookDisable::failingWithoutAWindowIsNotDisabled()
{
    EngineFixture fixture;
    HttpSink subscriber;
    QVERIFY(subscriber.start());
    HttpSink::Behaviour broken;
    broken.status = 500;
    subscriber.setBehaviour(broken);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("patient");
    webhook.url = subscriber.url().toString();
    webhook.retryScheduleSeconds = {0, 1, 1, 1};
    webhook = fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError())); // disableAfterMs stays 0: off
    QSignalSpy disabled(fixture.engine(), &Engine::webhookDisabled);
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.count(), 4, 15000);
    QVERIFY(fixture.waitForState(fixture.deliveriesOf(webhook.id).constFirst().id, DeliveryState::Failed));
    QCOMPARE(disabled.count(), 0);
    QVERIFY(fixture.store().webhook(webhook.id)->enabled);
    QVERIFY(capturedOpsLog().isEmpty());
}

void TestWebhookDisable::unreachableOperationsWebhookIsAProblem()
{
    EngineFixture fixture;
    HttpSink subscriber, operations;
    QVERIFY(subscriber.start() && operations.start());
    HttpSink::Behaviour gone;
    gone.status = 410;
    subscriber.setBehaviour(gone);
    HttpSink::Behaviour broken;
    broken.status = 502;
    operations.setBehaviour(broken);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("retired-bot");
    webhook.url = subscriber.url().toString();
    fixture.addWebhook(webhook);
    EngineConfig config = fixture.config();
    config.opsWebhookUrl = operations.url(QStringLiteral("/ops")).toString();
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    QSignalSpy problems(fixture.engine(), &Engine::problem);
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    // Three tries, 2 s and 10 s apart, the same event each time; then the engine reports a problem.
    QTRY_COMPARE_WITH_TIMEOUT(operations.count(), 3, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 5000);
    const QString problem = problems.constLast().at(0).toString();
    QVERIFY2(problem.contains(QStringLiteral("did not take the event after 3 tries: HTTP 502")),
             qPrintable(problem));
    const QList<CapturedRequest> tries = operations.requests();
    QCOMPARE(tries.at(1).body, tries.at(0).body);
    QCOMPARE(tries.at(2).body, tries.at(0).body);
    QVERIFY(tries.at(1).receivedAt.msecsTo(tries.at(2).receivedAt) >= 9000);
    QTest::qWait(500);
    QCOMPARE(operations.count(), 3);
}

QTEST_GUILESS_MAIN(TestWebhookDisable)
#include "tst_webhookdisable.moc"
