// Harbor and CloudEvents at the intake over real HTTP: what each route takes and refuses, and that their
// events are filtered, stored, deduplicated and delivered to real loopback subscribers like registry events.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

QByteArray readData(const QString &name)
{
    QFile file(QString::fromUtf8(TIDINGS_TEST_DATA_DIR) + u'/' + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open sample %s", qPrintable(file.fileName()));
    return file.readAll();
}

QUrl routeUrl(const EngineFixture &fixture, const QString &path)
{
    QUrl url = fixture.intakeUrl();
    url.setPath(path);
    return url;
}

WebhookConfig webhookFor(const QString &name, const HttpSink &sink, const QStringList &actions)
{
    WebhookConfig webhook;
    webhook.name = name;
    webhook.url = sink.url(QStringLiteral("/") + name).toString();
    webhook.actions = actions;
    return webhook;
}

int countDeliveries(Store &store)
{
    DeliveryFilter filter;
    filter.limit = 100000;
    return int(store.deliveries(filter).size());
}

const QByteArray json = QByteArrayLiteral("application/json");
const QByteArray structured = QByteArrayLiteral("application/cloudevents+json");

} // namespace

class TestIntakeFormats : public QObject
{
    Q_OBJECT

private slots:
    void answers_data();
    void answers();
    void everyHarborSampleIsStored();
    void harborEventsAreFilteredAndDelivered();
    void harborResendIsDeduplicated();
    void cloudEventsInEveryModeAreDelivered();
    void tokenGuardsEveryRoute();
};

void TestIntakeFormats::answers_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messageContains");

    const QByteArray harborPush = readData(QStringLiteral("harbor/default-push.json"));
    const QByteArray harborCe = readData(QStringLiteral("harbor/cloudevents-scan-failed.json"));
    const QByteArray ce = readData(QStringLiteral("cloudevents/structured-acr-image-pushed.json"));
    const QString harbor = QStringLiteral("/v1/notify/harbor");
    const QString cloudEvents = QStringLiteral("/v1/notify/cloudevents");

    QTest::newRow("harbor default") << harbor << json << harborPush << 202 << QString() << QString();
    QTest::newRow("harbor cloudevents") << harbor << structured << harborCe << 202 << QString() << QString();
    QTest::newRow("harbor cloudevents sent as json")
        << harbor << json << harborCe << 202 << QString() << QString();
    QTest::newRow("harbor text/plain")
        << harbor << QByteArray("text/plain") << harborPush << 415 << "unsupported_media_type"
        << "a Harbor webhook payload";
    QTest::newRow("harbor replication")
        << harbor << json << readData(QStringLiteral("harbor/default-replication.json")) << 400
        << "invalid_envelope"
        << "REPLICATION";
    QTest::newRow("harbor broken json")
        << harbor << json << QByteArray("{\"type\":") << 400 << "invalid_envelope"
        << "JSON";
    QTest::newRow("harbor registry envelope")
        << harbor << json << EventFactory::envelopeOf(EventFactory::Spec{}) << 400 << "invalid_envelope"
        << "type is missing";
    QTest::newRow("cloudevents structured")
        << cloudEvents << structured << ce << 202 << QString() << QString();
    QTest::newRow("cloudevents batch")
        << cloudEvents << QByteArray("application/cloudevents-batch+json")
        << readData(QStringLiteral("cloudevents/batch.json")) << 202 << QString() << QString();
    QTest::newRow("cloudevents plain json") << cloudEvents << json << ce << 415 << "unsupported_media_type"
                                            << "ce-specversion";
    QTest::newRow("cloudevents missing id")
        << cloudEvents << structured
        << QByteArray("{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"t\",\"subject\":\"a:1\"}") << 400
        << "invalid_envelope"
        << "id is missing";
    QTest::newRow("cloudevents get") << cloudEvents << QByteArray() << QByteArray() << 405
                                     << "method_not_allowed"
                                     << "POST";
}

void TestIntakeFormats::answers()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, messageContains);

    EngineFixture fixture;
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    const QUrl url = routeUrl(fixture, path);
    const QByteArray method = status == 405 ? QByteArray("GET") : QByteArray("POST");
    const IntakeClient::Answer answer = IntakeClient(url).send(method, url, body, contentType);
    QCOMPARE(answer.status, status);
    if (status >= 400) {
        const QJsonObject error = answer.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("status")).toInt(), status);
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(messageContains),
                 qPrintable(error.value(QStringLiteral("message")).toString()));
    } else {
        QVERIFY(answer.json().value(QStringLiteral("accepted")).toInt() >= 1);
    }
}

void TestIntakeFormats::everyHarborSampleIsStored()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    fixture.addWebhook(webhookFor(QStringLiteral("everything"), sink, {QStringLiteral("*")}));
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    IntakeClient harbor(routeUrl(fixture, QStringLiteral("/v1/notify/harbor")));
    const QList<QPair<QString, QString>> samples{
        {QStringLiteral("push"), QStringLiteral("push")},
        {QStringLiteral("push-by-digest"), QStringLiteral("push")},
        {QStringLiteral("pull"), QStringLiteral("pull")},
        {QStringLiteral("delete"), QStringLiteral("delete")},
        {QStringLiteral("scan-completed"), QStringLiteral("scan_completed")},
        {QStringLiteral("scan-failed"), QStringLiteral("scan_failed")},
        {QStringLiteral("scan-stopped"), QStringLiteral("scan_stopped")},
        {QStringLiteral("quota-exceeded"), QStringLiteral("quota_exceeded")},
        {QStringLiteral("quota-warning"), QStringLiteral("quota_warning")},
    };
    QStringList expected;
    for (const QString &format : {QStringLiteral("default"), QStringLiteral("cloudevents")}) {
        for (const auto &sample : samples) {
            const QString file = QStringLiteral("harbor/%1-%2.json").arg(format, sample.first);
            const IntakeClient::Answer answer =
                harbor.post(readData(file), format == QLatin1StringView("default") ? json : structured);
            QVERIFY2(answer.status == 202,
                     qPrintable(file + QStringLiteral(": ") + QString::fromUtf8(answer.body)));
            QCOMPARE(answer.json().value(QStringLiteral("accepted")).toInt(), 1);
            expected.append(sample.second);
        }
    }
    // Stored in order, each with its action, and each delivered once.
    QStringList stored;
    for (qint64 row = 1; row <= expected.size(); ++row) {
        const std::optional<RegistryEvent> event = fixture.store().event(row);
        QVERIFY(event);
        QCOMPARE(event->repository, QStringLiteral("shop/checkout"));
        stored.append(event->action);
    }
    QCOMPARE(stored, expected);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), int(expected.size()), 10000);
}

void TestIntakeFormats::harborEventsAreFilteredAndDelivered()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink pushes, scans, cloud;
    QVERIFY(pushes.start() && scans.start() && cloud.start());
    WebhookConfig pushHook = webhookFor(QStringLiteral("pushes"), pushes, {QStringLiteral("push")});
    pushHook.tagGlobs = {QStringLiteral("2.*")};
    pushHook = fixture.addWebhook(pushHook);
    fixture.addWebhook(webhookFor(
        QStringLiteral("scans"), scans,
        {QStringLiteral("scan_completed"), QStringLiteral("scan_failed"), QStringLiteral("quota_exceeded")}));
    WebhookConfig cloudHook = webhookFor(QStringLiteral("cloud"), cloud, {QStringLiteral("push")});
    cloudHook.payloadFormat = WebhookConfig::PayloadFormat::CloudEvents;
    fixture.addWebhook(cloudHook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    IntakeClient harbor(routeUrl(fixture, QStringLiteral("/v1/notify/harbor")));
    const QByteArray push = readData(QStringLiteral("harbor/default-push.json"));
    for (const QString &name :
         {QStringLiteral("default-push.json"), QStringLiteral("default-pull.json"),
          QStringLiteral("default-scan-completed.json"), QStringLiteral("default-quota-exceeded.json"),
          QStringLiteral("default-push-by-digest.json")}) {
        const IntakeClient::Answer answer = harbor.post(readData(QStringLiteral("harbor/") + name), json);
        QCOMPARE(answer.status, 202);
        QCOMPARE(answer.json().value(QStringLiteral("accepted")).toInt(), 1);
    }
    const IntakeClient::Answer ce =
        harbor.post(readData(QStringLiteral("harbor/cloudevents-scan-failed.json")), structured);
    QCOMPARE(ce.status, 202);

    // pushes: the tagged push only (the by-digest push has no tag; the pull is not a push).
    QTRY_COMPARE_WITH_TIMEOUT(pushes.count(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(scans.count(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cloud.count(), 2, 5000);
    QTest::qWait(300);
    QCOMPARE(pushes.count(), 1);
    QCOMPARE(scans.count(), 3);

    // Registry format: Harbor's own bytes with Harbor's content type.
    const CapturedRequest delivered = pushes.requests().constFirst();
    QCOMPARE(delivered.body, push);
    QCOMPARE(delivered.header("content-type"), json);
    QVERIFY(!delivered.header("webhook-id").isEmpty());

    // The Harbor CloudEvent went out as it came; the Default payloads as Harbor JSON.
    QSet<QString> scanTypes;
    for (const CapturedRequest &request : scans.requests()) {
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        scanTypes.insert(body.value(QStringLiteral("type")).toString());
        if (request.header("content-type") == structured)
            QCOMPARE(request.body, readData(QStringLiteral("harbor/cloudevents-scan-failed.json")));
        else
            QCOMPARE(request.header("content-type"), json);
    }
    QCOMPARE(scanTypes, QSet<QString>({QStringLiteral("SCANNING_COMPLETED"), QStringLiteral("QUOTA_EXCEED"),
                                       QStringLiteral("harbor.scan.failed")}));

    // CloudEvents format: a Tidings CloudEvent whose data is Harbor's payload.
    bool sawTagged = false;
    for (const CapturedRequest &request : cloud.requests()) {
        QCOMPARE(request.header("content-type"), structured);
        const QJsonObject event = QJsonDocument::fromJson(request.body).object();
        QCOMPARE(event.value(QStringLiteral("type")).toString(), QStringLiteral("dev.tidings.registry.push"));
        QCOMPARE(event.value(QStringLiteral("data")).toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("PUSH_ARTIFACT"));
        if (event.value(QStringLiteral("subject")).toString() == QLatin1StringView("shop/checkout:2.4.1"))
            sawTagged = true;
    }
    QVERIFY(sawTagged);

    // The stored event reads back with its format and Harbor's fields.
    const QList<DeliveryRecord> recorded = fixture.deliveriesOf(pushHook.id);
    QVERIFY(!recorded.isEmpty());
    const std::optional<RegistryEvent> stored = fixture.store().event(recorded.constFirst().eventRowId);
    QVERIFY(stored);
    QCOMPARE(stored->sourceFormat, QStringLiteral("harbor"));
    QCOMPARE(stored->repository, QStringLiteral("shop/checkout"));
    QCOMPARE(stored->actor, QStringLiteral("ci-robot"));
    QCOMPARE(stored->sourceAddr, QStringLiteral("harbor.corp.example"));
    QCOMPARE(stored->rawJson, push);
}

void TestIntakeFormats::harborResendIsDeduplicated()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    fixture.addWebhook(webhookFor(QStringLiteral("all"), sink, {QStringLiteral("*")}));
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    IntakeClient harbor(routeUrl(fixture, QStringLiteral("/v1/notify/harbor")));
    const QByteArray push = readData(QStringLiteral("harbor/default-push.json"));
    QCOMPARE(harbor.post(push, json).json().value(QStringLiteral("accepted")).toInt(), 1);
    // Harbor's retry: the same payload (here re-serialised compactly) is acknowledged, not stored again.
    const IntakeClient::Answer again =
        harbor.post(QJsonDocument::fromJson(push).toJson(QJsonDocument::Compact), json);
    QCOMPARE(again.status, 202);
    QCOMPARE(again.json().value(QStringLiteral("accepted")).toInt(), 0);
    QCOMPARE(again.json().value(QStringLiteral("duplicates")).toInt(), 1);
    // So is a CloudEvent sent twice, on either route.
    const QByteArray ce = readData(QStringLiteral("harbor/cloudevents-push.json"));
    QCOMPARE(harbor.post(ce, structured).json().value(QStringLiteral("accepted")).toInt(), 1);
    IntakeClient generic(routeUrl(fixture, QStringLiteral("/v1/notify/cloudevents")));
    QCOMPARE(generic.post(ce, structured).json().value(QStringLiteral("duplicates")).toInt(), 1);

    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 2, 5000);
    QTest::qWait(300);
    QCOMPARE(sink.count(), 2);
    QCOMPARE(countDeliveries(fixture.store()), 2); // one per stored event
}

void TestIntakeFormats::cloudEventsInEveryModeAreDelivered()
{
    EngineFixture fixture;
    HttpSink registryFormat, cloudFormat, signedImages;
    QVERIFY(registryFormat.start() && cloudFormat.start() && signedImages.start());
    fixture.addWebhook(webhookFor(QStringLiteral("registry"), registryFormat, {QStringLiteral("push")}));
    WebhookConfig cloudHook = webhookFor(QStringLiteral("cloud"), cloudFormat, {QStringLiteral("push")});
    cloudHook.payloadFormat = WebhookConfig::PayloadFormat::CloudEvents;
    fixture.addWebhook(cloudHook);
    fixture.addWebhook(
        webhookFor(QStringLiteral("signed"), signedImages, {QStringLiteral("com.example.image.signed")}));
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    const QUrl url = routeUrl(fixture, QStringLiteral("/v1/notify/cloudevents"));
    IntakeClient client(url);

    // Structured: an Azure Container Registry push.
    const QByteArray acr = readData(QStringLiteral("cloudevents/structured-acr-image-pushed.json"));
    QCOMPARE(client.post(acr, structured).status, 202);
    // Batch: a Tidings push and a signature event.
    const IntakeClient::Answer batch =
        client.post(readData(QStringLiteral("cloudevents/batch.json")), "application/cloudevents-batch+json");
    QCOMPARE(batch.status, 202);
    QCOMPARE(batch.json().value(QStringLiteral("accepted")).toInt(), 2);
    // Binary: the attributes in headers, the data as the body.
    const QByteArray data = readData(QStringLiteral("cloudevents/binary-data.json"));
    const IntakeClient::Answer binary = client.send("POST", url, data, json,
                                                    {{"ce-specversion", "1.0"},
                                                     {"ce-id", "binary-1"},
                                                     {"ce-source", "/registry/registry.internal:5000"},
                                                     {"ce-type", "dev.tidings.registry.push"},
                                                     {"ce-subject", "team/api:1.8.0"},
                                                     {"ce-time", "2026-11-26T07:50:12.418Z"}});
    QCOMPARE(binary.status, 202);
    QCOMPARE(binary.json().value(QStringLiteral("accepted")).toInt(), 1);

    QTRY_COMPARE_WITH_TIMEOUT(registryFormat.count(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cloudFormat.count(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(signedImages.count(), 1, 5000);
    QTest::qWait(300);
    QCOMPARE(registryFormat.count(), 3);
    QCOMPARE(signedImages.count(), 1);

    // Every delivery is a CloudEvent, whatever the webhook's format: the structured one byte for byte, the
    // binary one as its structured equivalent.
    QSet<QString> ids;
    for (const CapturedRequest &request : registryFormat.requests()) {
        QCOMPARE(request.header("content-type"), structured);
        const QJsonObject event = QJsonDocument::fromJson(request.body).object();
        ids.insert(event.value(QStringLiteral("id")).toString());
        if (event.value(QStringLiteral("id")).toString() ==
            QLatin1StringView("831e1650-001e-001b-66ab-eeb76e069631"))
            QCOMPARE(request.body, acr);
        if (event.value(QStringLiteral("id")).toString() == QLatin1StringView("binary-1")) {
            QCOMPARE(event.value(QStringLiteral("data")).toObject(), QJsonDocument::fromJson(data).object());
            QCOMPARE(event.value(QStringLiteral("subject")).toString(), QStringLiteral("team/api:1.8.0"));
        }
    }
    QCOMPARE(ids, QSet<QString>({QStringLiteral("831e1650-001e-001b-66ab-eeb76e069631"),
                                 QStringLiteral("9f1c2e7a-3b5d-4e80-a6c4-0d2b8f7e1a93"),
                                 QStringLiteral("binary-1")}));
    QCOMPARE(QJsonDocument::fromJson(signedImages.requests().constFirst().body)
                 .object()
                 .value(QStringLiteral("type"))
                 .toString(),
             QStringLiteral("com.example.image.signed"));
}

void TestIntakeFormats::tokenGuardsEveryRoute()
{
    EngineFixture fixture;
    EngineConfig config = fixture.config();
    config.intakeToken = "harbor-token";
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    const QByteArray push = readData(QStringLiteral("harbor/default-push.json"));
    for (const QString &path :
         {QStringLiteral("/v1/notify/harbor"), QStringLiteral("/v1/notify/cloudevents")}) {
        const QUrl url = routeUrl(fixture, path);
        const IntakeClient::Answer refused = IntakeClient(url).post(push, json);
        QCOMPARE(refused.status, 401);
        QCOMPARE(
            refused.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
            QStringLiteral("unauthorized"));
        QCOMPARE(IntakeClient(url, "wrong").post(push, json).status, 401);
    }
    // With the token, as Harbor sends it (the policy's auth header "Bearer <token>").
    QCOMPARE(IntakeClient(routeUrl(fixture, QStringLiteral("/v1/notify/harbor")), "harbor-token")
                 .post(push, json)
                 .status,
             202);
    QCOMPARE(countDeliveries(fixture.store()), 0); // no webhook, so no deliveries; the event itself is stored
    QVERIFY(fixture.store().event(1).has_value());
}

QTEST_GUILESS_MAIN(TestIntakeFormats)
#include "tst_intakeformats.moc"
