// The engine end to end over loopback: registry envelopes in through the real intake, deliveries out to real
// HTTP sinks, state read back from the SQLite file.
#include "EndpointBackoff.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "RefusingPort.h"
#include "WebhookSignature.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

class TestDelivery : public QObject
{
    Q_OBJECT

private:
    static WebhookConfig webhookFor(const QString &name, const HttpSink &sink)
    {
        WebhookConfig webhook;
        webhook.name = name;
        webhook.url = sink.url(QStringLiteral("/") + name).toString();
        return webhook;
    }
    static QJsonObject firstEvent(const QByteArray &body)
    {
        return QJsonDocument::fromJson(body)
            .object()
            .value(QStringLiteral("events"))
            .toArray()
            .at(0)
            .toObject();
    }

private slots:
    void fansOutToMatchingWebhooksOnly();
    void deliversAtOnceNotAtTheNextPoll();
    void failingEndpointIsRetriedUntilItSucceeds();
    void retryAfterIsHonoured();
    void deadEndpointDoesNotDelayHealthyOne();
    void refusingEndpointIsPausedThenProbed();
    void replayEndsTheEndpointsPause();
    void goneDisablesTheWebhook();
    void redirectIsAFailureNotFollowed();
    void errorClassesWithoutResponse();
    void replayStartsAManualSeriesWithTheSameMessageId();
    void pendingDeliveriesGoOutAfterRestart();
    void expiredLeaseOfAKilledProcessIsClaimedAgain();
    void duplicateEventIdIsFannedOutOnce();
    void cloudEventsFormat();
    void webhookChangedByAnotherProcessRoutesTheNextEvent();
};

void TestDelivery::fansOutToMatchingWebhooksOnly()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink all, team, deletes;
    QVERIFY(all.start() && team.start() && deletes.start());

    WebhookConfig allPushes = webhookFor(QStringLiteral("all"), all);
    allPushes.secret = WebhookSignature::generateSecret();
    allPushes.headers = {{QStringLiteral("X-Env"), QStringLiteral("test")}};
    allPushes = fixture.addWebhook(allPushes);
    WebhookConfig teamOnly = webhookFor(QStringLiteral("team"), team);
    teamOnly.repositoryGlobs = {QStringLiteral("team/*")};
    teamOnly.tagGlobs = {QStringLiteral("v*")};
    fixture.addWebhook(teamOnly);
    WebhookConfig deleteOnly = webhookFor(QStringLiteral("deletes"), deletes);
    deleteOnly.actions = {QStringLiteral("delete")};
    fixture.addWebhook(deleteOnly);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    IntakeClient registry(fixture.intakeUrl());
    EventFactory::Spec teamPush;
    teamPush.repository = QStringLiteral("team/app");
    teamPush.tag = QStringLiteral("v1.2");
    const QByteArray teamEvent = EventFactory::event(teamPush);
    EventFactory::Spec otherPush;
    otherPush.repository = QStringLiteral("other/app");
    otherPush.tag = QStringLiteral("v1.2");
    // Two events in one envelope: both are stored, each fans out on its own.
    IntakeClient::Answer answer =
        registry.post(EventFactory::envelope({teamEvent, EventFactory::event(otherPush)}));
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(QStringLiteral("accepted")).toInt(), 2);
    QCOMPARE(answer.json().value(QStringLiteral("deliveries")).toInt(), 3);
    // A blob push matches nobody's default media types.
    QCOMPARE(registry.post(EventFactory::sample(QStringLiteral("01-push-blob.json"))).status, 202);

    QTRY_COMPARE_WITH_TIMEOUT(all.count(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(team.count(), 1, 5000);
    QTest::qWait(300);
    QCOMPARE(all.count(), 2);
    QCOMPARE(team.count(), 1);
    QCOMPARE(deletes.count(), 0);

    // The team webhook got the team event, byte for byte as the registry sent it, in a one-event envelope.
    const CapturedRequest teamRequest = team.requests().first();
    QCOMPARE(teamRequest.body, QByteArray("{\"events\":[" + teamEvent + "]}"));
    QCOMPARE(teamRequest.header("content-type"),
             QByteArray("application/vnd.docker.distribution.events.v1+json"));
    QVERIFY(teamRequest.header("webhook-signature").isEmpty()); // no secret, no signature

    // The signed webhook's requests verify with its secret and carry its static header.
    QByteArray key;
    QVERIFY(WebhookSignature::decodeSecret(allPushes.secret, &key));
    QSet<QByteArray> messageIds;
    for (const CapturedRequest &request : all.requests()) {
        QCOMPARE(request.header("x-env"), QByteArray("test"));
        QCOMPARE(WebhookSignature::verify(
                     key, request.header("webhook-id"), request.header("webhook-timestamp"), request.body,
                     request.header("webhook-signature"), QDateTime::currentSecsSinceEpoch()),
                 WebhookSignature::Verdict::Valid);
        messageIds.insert(request.header("webhook-id"));
    }
    QCOMPARE(messageIds.size(), 2);

    // Each delivery is recorded as succeeded with its one attempt.
    const QList<DeliveryRecord> recorded = fixture.deliveriesOf(allPushes.id);
    QCOMPARE(recorded.size(), 2);
    for (const DeliveryRecord &delivery : recorded) {
        QVERIFY(fixture.waitForState(delivery.id, DeliveryState::Succeeded));
        const QList<AttemptRecord> attempts = fixture.store().attempts(delivery.id);
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.first().responseStatus, 200);
        QVERIFY(messageIds.contains(delivery.messageId.toLatin1()));
    }
}

void TestDelivery::deliversAtOnceNotAtTheNextPoll()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    fixture.addWebhook(webhookFor(QStringLiteral("hook"), sink));
    // A one-minute poll: only the wake-up on commit can explain a delivery within a second.
    QVERIFY2(fixture.start(fixture.config(60000)), qPrintable(fixture.lastError()));
    IntakeClient registry(fixture.intakeUrl());
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 1000);
    qInfo("intake POST to delivery at the sink: %lld ms", clock.elapsed());
}

void TestDelivery::failingEndpointIsRetriedUntilItSucceeds()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour behaviour;
    behaviour.failFirst = 2;
    behaviour.failStatus = 503;
    sink.setBehaviour(behaviour);
    WebhookConfig webhook = webhookFor(QStringLiteral("flaky"), sink);
    webhook.retryScheduleSeconds = {0, 1, 1, 1};
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());

    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, 8000);
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(webhook.id);
    QCOMPARE(deliveries.size(), 1);
    QVERIFY(fixture.waitForState(deliveries.first().id, DeliveryState::Succeeded));
    QTest::qWait(1500);
    QCOMPARE(sink.count(), 3); // no attempt after the success

    // The same webhook-id on every attempt: the receiver's idempotency key.
    const QList<CapturedRequest> requests = sink.requests();
    QCOMPARE(requests.at(0).header("webhook-id"), requests.at(2).header("webhook-id"));
    const QList<AttemptRecord> attempts = fixture.store().attempts(deliveries.first().id);
    QCOMPARE(attempts.size(), 3);
    QCOMPARE(attempts.at(0).responseStatus, 503);
    QCOMPARE(attempts.at(0).errorClass, QStringLiteral("http"));
    QCOMPARE(attempts.at(1).responseStatus, 503);
    QCOMPARE(attempts.at(2).responseStatus, 200);
    QCOMPARE(attempts.at(2).errorClass, QString());
    // Retries wait for their schedule: 1 s ± 20 % between attempts.
    const qint64 gap = attempts.at(0).startedAt.msecsTo(attempts.at(1).startedAt);
    QVERIFY2(gap >= 750 && gap < 2500, qPrintable(QString::number(gap)));
    QCOMPARE(fixture.store().delivery(deliveries.first().id)->attempts, 3);
}

void TestDelivery::retryAfterIsHonoured()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour behaviour;
    behaviour.failFirst = 1;
    behaviour.failStatus = 429;
    behaviour.retryAfter = "2";
    sink.setBehaviour(behaviour);
    WebhookConfig webhook = webhookFor(QStringLiteral("limited"), sink);
    webhook.retryScheduleSeconds = {0, 0, 0}; // the schedule alone would retry at once
    fixture.addWebhook(webhook);
    QVERIFY(fixture.start());

    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 2, 6000);
    const qint64 gap = sink.requests().at(0).receivedAt.msecsTo(sink.requests().at(1).receivedAt);
    QVERIFY2(gap >= 1900, qPrintable(QStringLiteral("second attempt after %1 ms").arg(gap)));
}

void TestDelivery::deadEndpointDoesNotDelayHealthyOne()
{
    EngineFixture fixture;
    HttpSink dead, healthy;
    QVERIFY(dead.start() && healthy.start());
    HttpSink::Behaviour silent;
    silent.neverAnswer = true;
    dead.setBehaviour(silent);
    WebhookConfig stuck = webhookFor(QStringLiteral("stuck"), dead);
    stuck.timeoutMs = 5000;
    stuck.concurrency = 2;
    fixture.addWebhook(stuck);
    fixture.addWebhook(webhookFor(QStringLiteral("healthy"), healthy));
    QVERIFY(fixture.start());

    IntakeClient registry(fixture.intakeUrl());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 20; ++i)
        QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(healthy.count(), 20, 3000);
    // All 20 went out while the stuck endpoint still held its two slots with unanswered requests.
    QVERIFY2(clock.elapsed() < 4000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(dead.count(), 2);
}

void TestDelivery::refusingEndpointIsPausedThenProbed()
{
    EngineFixture fixture;
    HttpSink healthy;
    QVERIFY(healthy.start());
    RefusingPort closedPort;
    QVERIFY(closedPort.isValid());
    WebhookConfig down;
    down.name = QStringLiteral("down");
    down.url = QStringLiteral("http://127.0.0.1:%1/hook").arg(closedPort.port());
    down.concurrency = 4;
    down.retryScheduleSeconds = {0, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    down = fixture.addWebhook(down);
    fixture.addWebhook(webhookFor(QStringLiteral("healthy"), healthy));
    QVERIFY(fixture.start());

    const int events = 40;
    IntakeClient registry(fixture.intakeUrl());
    for (int i = 0; i < events; ++i)
        QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(healthy.count(), events, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.deliveriesOf(down.id).size(), events, 5000);
    QTest::qWait(1000);

    // Without the pause each of the 40 deliveries would have spent its first attempt on the refused port by
    // now. With it: the 5 failures that tripped it, plus at most the 3 others already in flight.
    auto attemptsMade = [&] {
        int attempts = 0;
        int untouched = 0;
        for (const DeliveryRecord &delivery : fixture.deliveriesOf(down.id)) {
            attempts += delivery.totalAttempts;
            untouched += delivery.totalAttempts == 0 ? 1 : 0;
        }
        return std::pair{attempts, untouched};
    };
    const auto [paused, untouched] = attemptsMade();
    QVERIFY2(paused >= EndpointBackoff::failureThreshold && paused <= EndpointBackoff::failureThreshold + 3,
             qPrintable(QStringLiteral("%1 attempts during the pause").arg(paused)));
    QCOMPARE(untouched, events - paused);

    // The pause ends with the failed deliveries' retry (4 s ± 20 %): one probe at a time, and each failed
    // probe pauses again. Over the next 5 s that is one or two attempts, not 40 more.
    QTest::qWait(5000);
    const int probed = attemptsMade().first - paused;
    QVERIFY2(probed >= 1 && probed <= 3, qPrintable(QStringLiteral("%1 probes in 5 s").arg(probed)));

    // The endpoint comes back on its port: the next probe succeeds and everything drains, each delivery
    // exactly once.
    HttpSink back;
    closedPort.release();
    QVERIFY(back.start(closedPort.port()));
    QTRY_COMPARE_WITH_TIMEOUT(back.count(), events, 15000);
    QTest::qWait(300);
    QCOMPARE(back.count(), events);
    for (const DeliveryRecord &delivery : fixture.deliveriesOf(down.id))
        QCOMPARE(delivery.state, DeliveryState::Succeeded);
    QCOMPARE(healthy.count(), events);
}

void TestDelivery::replayEndsTheEndpointsPause()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 503;
    sink.setBehaviour(failing);
    WebhookConfig webhook = webhookFor(QStringLiteral("broken"), sink);
    webhook.retryScheduleSeconds = {0, 3600};
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());

    // Five 503s in a row pause the webhook for the next delay of its schedule, an hour, bounded to 60 s.
    IntakeClient registry(fixture.intakeUrl());
    const int events = EndpointBackoff::failureThreshold;
    for (int i = 0; i < events; ++i)
        QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.deliveriesOf(webhook.id).size(), events, 5000);
    QList<qint64> ids;
    for (const DeliveryRecord &delivery : fixture.deliveriesOf(webhook.id)) {
        QVERIFY(fixture.waitForState(delivery.id, DeliveryState::Failed, 5000));
        ids.append(delivery.id);
    }
    QCOMPARE(sink.count(), events);

    // The receiver is fixed and someone replays: that means "try now", not in a minute. The first replay is
    // the probe; its answer gives the webhook its concurrency back and the others follow.
    sink.setBehaviour({});
    QElapsedTimer clock;
    clock.start();
    fixture.engine()->replay(ids);
    for (qint64 id : std::as_const(ids))
        QVERIFY(fixture.waitForState(id, DeliveryState::Succeeded, 5000));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(sink.count(), 2 * events);
}

void TestDelivery::goneDisablesTheWebhook()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour gone;
    gone.status = 410;
    sink.setBehaviour(gone);
    const WebhookConfig webhook = fixture.addWebhook(webhookFor(QStringLiteral("gone"), sink));
    QVERIFY(fixture.start());
    QSignalSpy disabled(fixture.engine(), &Engine::webhookDisabled);

    IntakeClient registry(fixture.intakeUrl());
    QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(disabled.size(), 1, 5000);
    QCOMPARE(disabled.first().at(0).toLongLong(), webhook.id);
    const WebhookConfig stored = *fixture.store().webhook(webhook.id);
    QVERIFY(!stored.enabled);
    QVERIFY2(stored.disabledReason.contains(QStringLiteral("410")), qPrintable(stored.disabledReason));
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(webhook.id);
    QCOMPARE(deliveries.size(), 1);
    QCOMPARE(deliveries.first().state, DeliveryState::Failed); // no retries against a gone endpoint

    // Later events are not sent to it.
    QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{}))
                 .json()
                 .value(QStringLiteral("deliveries"))
                 .toInt(),
             0);
    QTest::qWait(500);
    QCOMPARE(sink.count(), 1);
}

void TestDelivery::redirectIsAFailureNotFollowed()
{
    EngineFixture fixture;
    HttpSink redirecting, target;
    QVERIFY(redirecting.start() && target.start());
    HttpSink::Behaviour behaviour;
    behaviour.status = 302;
    redirecting.setBehaviour(behaviour);
    WebhookConfig webhook = webhookFor(QStringLiteral("moved"), redirecting);
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());

    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.deliveriesOf(webhook.id).size(), 1, 3000);
    const qint64 id = fixture.deliveriesOf(webhook.id).first().id;
    QVERIFY(fixture.waitForState(id, DeliveryState::Failed));
    const AttemptRecord attempt = fixture.store().attempts(id).first();
    QCOMPARE(attempt.responseStatus, 302);
    QCOMPARE(attempt.errorClass, QStringLiteral("redirect"));
    QCOMPARE(redirecting.count(), 1);
}

void TestDelivery::errorClassesWithoutResponse()
{
    EngineFixture fixture;
    HttpSink silent;
    QVERIFY(silent.start());
    HttpSink::Behaviour neverAnswer;
    neverAnswer.neverAnswer = true;
    silent.setBehaviour(neverAnswer);
    WebhookConfig slow = webhookFor(QStringLiteral("slow"), silent);
    slow.timeoutMs = 700;
    slow.maxAttempts = 1;
    slow = fixture.addWebhook(slow);
    RefusingPort closedPort;
    QVERIFY(closedPort.isValid());
    WebhookConfig refused;
    refused.name = QStringLiteral("refused");
    refused.url = QStringLiteral("http://127.0.0.1:%1/hook").arg(closedPort.port());
    refused.maxAttempts = 1;
    refused = fixture.addWebhook(refused);
    QVERIFY(fixture.start());

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.deliveriesOf(slow.id).size(), 1, 3000);
    QVERIFY(fixture.waitForState(fixture.deliveriesOf(slow.id).first().id, DeliveryState::Failed, 5000));
    QVERIFY(fixture.waitForState(fixture.deliveriesOf(refused.id).first().id, DeliveryState::Failed, 5000));
    const AttemptRecord timedOut = fixture.store().attempts(fixture.deliveriesOf(slow.id).first().id).first();
    QCOMPARE(timedOut.errorClass, QStringLiteral("timeout"));
    QCOMPARE(timedOut.responseStatus, 0);
    // The deadline is a total deadline: it fired at ~700 ms, not at some later inactivity timeout.
    QVERIFY2(timedOut.durationMs >= 650 && timedOut.durationMs < 3000,
             qPrintable(QString::number(timedOut.durationMs)));
    const AttemptRecord connectFailed =
        fixture.store().attempts(fixture.deliveriesOf(refused.id).first().id).first();
    QCOMPARE(connectFailed.errorClass, QStringLiteral("connect"));
    QVERIFY(!connectFailed.errorMessage.isEmpty());
}

void TestDelivery::replayStartsAManualSeriesWithTheSameMessageId()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    sink.setBehaviour(failing);
    WebhookConfig webhook = webhookFor(QStringLiteral("replayed"), sink);
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());

    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.deliveriesOf(webhook.id).size(), 1, 3000);
    const qint64 id = fixture.deliveriesOf(webhook.id).first().id;
    QVERIFY(fixture.waitForState(id, DeliveryState::Failed));

    sink.setBehaviour(HttpSink::Behaviour{});
    QSignalSpy changes(fixture.engine(), &Engine::deliveryChanged);
    fixture.engine()->replay({id});
    QVERIFY(fixture.waitForState(id, DeliveryState::Succeeded));
    QCOMPARE(sink.count(), 2);
    QCOMPARE(sink.requests().at(0).header("webhook-id"), sink.requests().at(1).header("webhook-id"));
    const QList<AttemptRecord> attempts = fixture.store().attempts(id);
    QCOMPARE(attempts.size(), 2);
    QVERIFY(!attempts.at(0).manual);
    QVERIFY(attempts.at(1).manual);
    QCOMPARE(attempts.at(1).number, 2);
    const DeliveryRecord delivery = *fixture.store().delivery(id);
    QVERIFY(delivery.manual);
    QCOMPARE(delivery.attempts, 1);      // the replay series
    QCOMPARE(delivery.totalAttempts, 2); // the whole history
    QVERIFY(!changes.isEmpty());
}

void TestDelivery::pendingDeliveriesGoOutAfterRestart()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour silent;
    silent.neverAnswer = true;
    sink.setBehaviour(silent);
    const WebhookConfig webhook = fixture.addWebhook(webhookFor(QStringLiteral("restart"), sink));
    QVERIFY(fixture.start());
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 3000);

    // A graceful stop with an attempt still unanswered hands the delivery back to the queue.
    QVERIFY(fixture.stop());
    const DeliveryRecord handedBack = fixture.deliveriesOf(webhook.id).first();
    QCOMPARE(handedBack.state, DeliveryState::Pending);
    QVERIFY(handedBack.leaseOwner.isEmpty());

    sink.setBehaviour(HttpSink::Behaviour{});
    QVERIFY(fixture.start());
    QVERIFY(fixture.waitForState(handedBack.id, DeliveryState::Succeeded));
    QCOMPARE(sink.count(), 2);
    QCOMPARE(sink.requests().at(0).header("webhook-id"), sink.requests().at(1).header("webhook-id"));
}

void TestDelivery::expiredLeaseOfAKilledProcessIsClaimedAgain()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    const WebhookConfig webhook = fixture.addWebhook(webhookFor(QStringLiteral("orphan"), sink));

    // What a process killed mid-attempt leaves behind: a delivery in flight under its lease.
    Store &store = fixture.store();
    RegistryEvent event;
    event.eventId = QStringLiteral("orphaned-event");
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("team/app");
    event.receivedAt = QDateTime::currentDateTimeUtc();
    event.contentType = "application/vnd.docker.distribution.events.v1+json";
    event.rawJson = EventFactory::event(EventFactory::Spec{});
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(store.beginWrite());
    const qint64 eventRow = store.insertEvent(event);
    const qint64 deliveryId = store.insertDelivery(eventRow, webhook.id, QStringLiteral("msg_orphan"), now);
    QVERIFY(store.commit());
    QVERIFY(store.claimDelivery(deliveryId, QStringLiteral("killed-process"), now, now + 1500).has_value());

    // Poll every 200 ms: the engine notices the lease expiry on a tick, without any new commit to wake it.
    QVERIFY(fixture.start(fixture.config(200)));
    QTest::qWait(800);
    QCOMPARE(sink.count(), 0); // the lease still holds
    QVERIFY(fixture.waitForState(deliveryId, DeliveryState::Succeeded, 5000));
    QCOMPARE(sink.count(), 1);
    QCOMPARE(sink.requests().first().header("webhook-id"), QByteArray("msg_orphan"));
}

void TestDelivery::duplicateEventIdIsFannedOutOnce()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    fixture.addWebhook(webhookFor(QStringLiteral("once"), sink));
    QVERIFY(fixture.start());
    IntakeClient registry(fixture.intakeUrl());
    const QByteArray envelope = EventFactory::sample(QStringLiteral("03-push-manifest.json"));
    const IntakeClient::Answer first = registry.post(envelope);
    QCOMPARE(first.status, 202);
    QCOMPARE(first.json().value(QStringLiteral("accepted")).toInt(), 1);
    // The registry timed out waiting and sends the same event again: acknowledged, not fanned out twice.
    const IntakeClient::Answer again = registry.post(envelope);
    QCOMPARE(again.status, 202);
    QCOMPARE(again.json().value(QStringLiteral("accepted")).toInt(), 0);
    QCOMPARE(again.json().value(QStringLiteral("duplicates")).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 3000);
    QTest::qWait(500);
    QCOMPARE(sink.count(), 1);
    QCOMPARE(firstEvent(sink.requests().first().body).value(QStringLiteral("id")).toString(),
             QStringLiteral("c23898ed-87ca-498e-8f04-277d89c31ee7"));
}

void TestDelivery::cloudEventsFormat()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook = webhookFor(QStringLiteral("ce"), sink);
    webhook.payloadFormat = WebhookConfig::PayloadFormat::CloudEvents;
    fixture.addWebhook(webhook);
    QVERIFY(fixture.start());
    QCOMPARE(IntakeClient(fixture.intakeUrl())
                 .post(EventFactory::sample(QStringLiteral("03-push-manifest.json")))
                 .status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 3000);
    const CapturedRequest request = sink.requests().first();
    QCOMPARE(request.header("content-type"), QByteArray("application/cloudevents+json"));
    const QJsonObject cloudEvent = QJsonDocument::fromJson(request.body).object();
    QCOMPARE(cloudEvent.value(QStringLiteral("specversion")).toString(), QStringLiteral("1.0"));
    QCOMPARE(cloudEvent.value(QStringLiteral("id")).toString(),
             QStringLiteral("c23898ed-87ca-498e-8f04-277d89c31ee7"));
    QCOMPARE(cloudEvent.value(QStringLiteral("type")).toString(),
             QStringLiteral("dev.tidings.registry.push"));
    QCOMPARE(cloudEvent.value(QStringLiteral("subject")).toString(), QStringLiteral("nginx:1.23-alpine"));
    QCOMPARE(cloudEvent.value(QStringLiteral("source")).toString(), QStringLiteral("/registry/vm:5055"));
    QCOMPARE(cloudEvent.value(QStringLiteral("time")).toString(), QStringLiteral("2026-11-26T04:18:28.322Z"));
    const QJsonObject data = cloudEvent.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("target")).toObject().value(QStringLiteral("tag")).toString(),
             QStringLiteral("1.23-alpine"));
}

void TestDelivery::webhookChangedByAnotherProcessRoutesTheNextEvent()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    QVERIFY(fixture.start(fixture.config(60000)));
    IntakeClient registry(fixture.intakeUrl());
    // The fixture's own connection plays the CLI: the very next event must see the new webhook, not one
    // routed with the list from before (the engine's once-a-second check would be too late).
    const WebhookConfig added = fixture.addWebhook(webhookFor(QStringLiteral("added"), sink));
    QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{}))
                 .json()
                 .value(QStringLiteral("deliveries"))
                 .toInt(),
             1);
    QVERIFY(fixture.store().setWebhookEnabled(added.id, false, QStringLiteral("test")));
    QCOMPARE(registry.post(EventFactory::envelopeOf(EventFactory::Spec{}))
                 .json()
                 .value(QStringLiteral("deliveries"))
                 .toInt(),
             0);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 3000);
}

QTEST_GUILESS_MAIN(TestDelivery)
#include "tst_delivery.moc"
