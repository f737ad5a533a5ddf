// CloudEventParser: structured, batch and binary mode, the normalisation into registry events, and the
// requests it must refuse.
#include "intake/CloudEventParser.h"
#include "routing/WebhookFilter.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

QByteArray json(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

QByteArray readSample(const QString &name)
{
    QFile file(QString::fromUtf8(TIDINGS_TEST_DATA_DIR) + QStringLiteral("/cloudevents/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open sample %s", qPrintable(file.fileName()));
    return file.readAll();
}

QDateTime receivedTime()
{
    return QDateTime(QDate(2026, 11, 26), QTime(9, 0, 0), Qt::UTC);
}

HttpRequest binaryRequest(const QByteArray &contentType, const QByteArray &body,
                          const QList<QPair<QByteArray, QByteArray>> &ceHeaders)
{
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/notify/cloudevents";
    if (!contentType.isEmpty())
        request.headers.append({"content-type", contentType});
    request.headers.append(ceHeaders);
    request.body = body;
    return request;
}

const QList<QPair<QByteArray, QByteArray>> requiredHeaders{
    {"ce-specversion", "1.0"},
    {"ce-id", "evt-1"},
    {"ce-source", "/registry/registry.internal:5000"},
    {"ce-type", "dev.tidings.registry.push"},
};

} // namespace

class TestCloudEvents : public QObject
{
    Q_OBJECT

private slots:
    void structured_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("eventId");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("mediaType");
        QTest::addColumn<QString>("actor");
        QTest::addColumn<QDateTime>("timestamp");

        QTest::newRow("tidings push")
            << QStringLiteral("structured-tidings-push.json")
            << QStringLiteral("/registry/registry.internal:5000#9f1c2e7a-3b5d-4e80-a6c4-0d2b8f7e1a93")
            << QStringLiteral("push") << QStringLiteral("team/api") << QStringLiteral("1.8.0")
            << QStringLiteral("application/vnd.oci.image.manifest.v1+json") << QStringLiteral("builder")
            << QDateTime(QDate(2026, 11, 26), QTime(7, 50, 12, 418), Qt::UTC);
        const QString acrSource = QStringLiteral(
            "/subscriptions/3c6e1f0a-2b4d-4e8f-9a7c-5d1b0e3f6a28/resourceGroups/shop/providers/"
            "Microsoft.ContainerRegistry/registries/shopacr");
        QTest::newRow("acr image pushed")
            << QStringLiteral("structured-acr-image-pushed.json")
            << acrSource + QStringLiteral("#831e1650-001e-001b-66ab-eeb76e069631") << QStringLiteral("push")
            << QStringLiteral("payments") << QStringLiteral("3.2.0")
            << QStringLiteral("application/vnd.docker.distribution.manifest.v2+json") << QString()
            << QDateTime(QDate(2026, 11, 26), QTime(7, 55, 31, 708), Qt::UTC);
        QTest::newRow("acr image deleted")
            << QStringLiteral("structured-acr-image-deleted.json")
            << acrSource + QStringLiteral("#a47d02c9-6e31-4f5b-8d2a-9c0e7b1f4d63") << QStringLiteral("delete")
            << QStringLiteral("payments") << QString()
            << QStringLiteral("application/vnd.docker.distribution.manifest.v2+json") << QString()
            << QDateTime(QDate(2026, 11, 26), QTime(7, 55, 31, 708), Qt::UTC);
        QTest::newRow("other type, subject only")
            << QStringLiteral("structured-subject-only.json")
            << QStringLiteral("https://signer.example/cosign#sig-20261126-0042")
            << QStringLiteral("com.example.image.signed") << QStringLiteral("registry.example:5000/team/web")
            << QString() << QString() << QString()
            << QDateTime(QDate(2026, 11, 26), QTime(7, 3, 44), Qt::UTC);
    }

    void structured()
    {
        QFETCH(QString, file);
        QFETCH(QString, eventId);
        QFETCH(QString, action);
        QFETCH(QString, repository);
        QFETCH(QString, tag);
        QFETCH(QString, mediaType);
        QFETCH(QString, actor);
        QFETCH(QDateTime, timestamp);

        const QByteArray body = readSample(file);
        const EnvelopeParseResult result = CloudEventParser::parseStructured(body, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), 1);
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.eventId, eventId);
        QCOMPARE(event.action, action);
        QCOMPARE(event.repository, repository);
        QCOMPARE(event.tag, tag);
        QCOMPARE(event.mediaType, mediaType);
        QCOMPARE(event.actor, actor);
        QCOMPARE(event.timestamp, timestamp);
        QVERIFY(event.digest.startsWith(QLatin1StringView("sha256:")));
        QCOMPARE(event.rawJson, body);
        QCOMPARE(event.contentType, QByteArray("application/cloudevents+json"));
        QCOMPARE(event.sourceFormat, QStringLiteral("cloudevents"));
        QVERIFY(WebhookFilter::isAcceptedAction(event.action));
    }

    void batchKeepsEachEventsBytes()
    {
        const QByteArray body = readSample(QStringLiteral("batch.json"));
        const EnvelopeParseResult result = CloudEventParser::parseBatch(body, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), 2);
        const QJsonArray events = QJsonDocument::fromJson(body).array();
        for (qsizetype i = 0; i < events.size(); ++i) {
            const RegistryEvent &event = result.events.at(i);
            QVERIFY(body.contains(event.rawJson));
            QCOMPARE(QJsonDocument::fromJson(event.rawJson).object(), events.at(i).toObject());
        }
        QCOMPARE(result.events.at(0).action, QStringLiteral("push"));
        QCOMPARE(result.events.at(1).action, QStringLiteral("com.example.image.signed"));
    }

    void emptyBatchIsValid()
    {
        const EnvelopeParseResult result = CloudEventParser::parseBatch(" [ ] ", receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(result.events.isEmpty());
    }

    void binaryJsonData()
    {
        const QByteArray data = readSample(QStringLiteral("binary-data.json"));
        QList<QPair<QByteArray, QByteArray>> headers = requiredHeaders;
        headers.append(QPair<QByteArray, QByteArray>("ce-time", "2026-11-26T07:50:12.418Z"));
        headers.append(QPair<QByteArray, QByteArray>("ce-subject", "team/api:1.8.0"));
        headers.append(QPair<QByteArray, QByteArray>(
            "ce-comexampleteam", "caf%C3%A9%20ops")); // an extension, percent-encoded UTF-8
        const HttpRequest request = binaryRequest("application/json; charset=utf-8", data, headers);
        QVERIFY(CloudEventParser::isBinaryMode(request));
        const EnvelopeParseResult result =
            CloudEventParser::parse(request, "application/json", receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.eventId, QStringLiteral("/registry/registry.internal:5000#evt-1"));
        QCOMPARE(event.action, QStringLiteral("push"));
        QCOMPARE(event.repository, QStringLiteral("team/api"));
        QCOMPARE(event.tag, QStringLiteral("1.8.0"));
        QCOMPARE(event.mediaType, QStringLiteral("application/vnd.oci.image.manifest.v1+json"));
        QCOMPARE(event.timestamp, QDateTime(QDate(2026, 11, 26), QTime(7, 50, 12, 418), Qt::UTC));
        QCOMPARE(event.contentType, QByteArray("application/cloudevents+json"));
        // Stored as the structured equivalent.
        const QJsonObject stored = QJsonDocument::fromJson(event.rawJson).object();
        QCOMPARE(stored.value(QLatin1StringView("specversion")).toString(), QStringLiteral("1.0"));
        QCOMPARE(stored.value(QLatin1StringView("id")).toString(), QStringLiteral("evt-1"));
        QCOMPARE(stored.value(QLatin1StringView("datacontenttype")).toString(),
                 QStringLiteral("application/json; charset=utf-8"));
        QCOMPARE(stored.value(QLatin1StringView("comexampleteam")).toString(), QStringLiteral("café ops"));
        QCOMPARE(stored.value(QLatin1StringView("data")).toObject(), QJsonDocument::fromJson(data).object());
    }

    void binaryJsonScalarData()
    {
        QList<QPair<QByteArray, QByteArray>> headers = requiredHeaders;
        headers.append(QPair<QByteArray, QByteArray>("ce-subject", "team/api:2.0"));
        const EnvelopeParseResult result = CloudEventParser::parse(
            binaryRequest("application/json", "\"rebuilt\"", headers), "application/json", receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        const QJsonObject stored = QJsonDocument::fromJson(result.events.constFirst().rawJson).object();
        QCOMPARE(stored.value(QLatin1StringView("data")).toString(), QStringLiteral("rebuilt"));
        QCOMPARE(result.events.constFirst().tag, QStringLiteral("2.0"));
    }

    void binaryOpaqueData()
    {
        QList<QPair<QByteArray, QByteArray>> headers = requiredHeaders;
        headers.append(QPair<QByteArray, QByteArray>("ce-subject", "team/api@sha256:abc"));
        const QByteArray bytes("\x00\x01\xfe\xff", 4);
        const EnvelopeParseResult result =
            CloudEventParser::parse(binaryRequest("application/octet-stream", bytes, headers),
                                    "application/octet-stream", receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.repository, QStringLiteral("team/api"));
        QCOMPARE(event.digest, QStringLiteral("sha256:abc"));
        QVERIFY(event.tag.isEmpty());
        const QJsonObject stored = QJsonDocument::fromJson(event.rawJson).object();
        QCOMPARE(QByteArray::fromBase64(stored.value(QLatin1StringView("data_base64")).toString().toLatin1()),
                 bytes);
        QVERIFY(!stored.contains(QLatin1StringView("data")));
    }

    void refusedStructured_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");

        QTest::newRow("empty") << QByteArray() << QStringLiteral("the body is empty");
        QTest::newRow("not json") << QByteArray("{specversion") << QStringLiteral("not valid JSON");
        QTest::newRow("array") << json("[]") << QStringLiteral("not a JSON object");
        QTest::newRow("no specversion") << json("{'id':'1','source':'/s','type':'t','subject':'r:1'}")
                                        << QStringLiteral("specversion is missing");
        QTest::newRow("old specversion") << json("{'specversion':'0.3','id':'1','source':'/s','type':'t'}")
                                         << QStringLiteral("only CloudEvents 1.0");
        QTest::newRow("no id") << json("{'specversion':'1.0','source':'/s','type':'t'}")
                               << QStringLiteral("id is missing");
        QTest::newRow("empty source") << json("{'specversion':'1.0','id':'1','source':'','type':'t'}")
                                      << QStringLiteral("source is empty");
        QTest::newRow("type not string") << json("{'specversion':'1.0','id':'1','source':'/s','type':3}")
                                         << QStringLiteral("type is a number, not a string");
        QTest::newRow("data and data_base64")
            << json("{'specversion':'1.0','id':'1','source':'/"
                    "s','type':'t','subject':'r:1','data':{},'data_base64':''}")
            << QStringLiteral("both present");
        QTest::newRow("no repository")
            << json("{'specversion':'1.0','id':'1','source':'/s','type':'t','data':{}}")
            << QStringLiteral("does not say which repository");
    }

    void refusedStructured()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const EnvelopeParseResult result = CloudEventParser::parseStructured(body, receivedTime());
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
    }

    void refusedBatch_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");
        QTest::newRow("object") << json("{'specversion':'1.0'}") << QStringLiteral("not a JSON array");
        QTest::newRow("element not object")
            << json("[1]") << QStringLiteral("[0] is a number, not an object");
        QTest::newRow("second element bad")
            << json("[{'specversion':'1.0','id':'1','source':'/s','type':'t','subject':'r:1'},"
                    "{'specversion':'1.0','source':'/s','type':'t'}]")
            << QStringLiteral("[1].id is missing");
    }

    void refusedBatch()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const EnvelopeParseResult result = CloudEventParser::parseBatch(body, receivedTime());
        QVERIFY(!result.ok);
        QVERIFY(result.events.isEmpty()); // all or nothing
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
    }

    void refusedBinary_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("dropHeader");
        QTest::addColumn<QString>("error");
        QTest::newRow("no ce-id") << QByteArray("application/json") << json("{'target':{'repository':'r'}}")
                                  << QByteArray("ce-id") << QStringLiteral("header ce-id is missing");
        QTest::newRow("no ce-type") << QByteArray("application/json") << json("{'target':{'repository':'r'}}")
                                    << QByteArray("ce-type") << QStringLiteral("header ce-type is missing");
        QTest::newRow("bad json data")
            << QByteArray("application/json") << QByteArray("{oops") << QByteArray()
            << QStringLiteral("the content type says the data is JSON");
        QTest::newRow("two json values") << QByteArray("application/json") << QByteArray("1,2")
                                         << QByteArray() << QStringLiteral("not one JSON value");
        QTest::newRow("no repository") << QByteArray("text/plain") << QByteArray("hello") << QByteArray()
                                       << QStringLiteral("does not say which repository");
    }

    void refusedBinary()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, dropHeader);
        QFETCH(QString, error);
        QList<QPair<QByteArray, QByteArray>> headers;
        for (const auto &header : requiredHeaders) {
            if (header.first != dropHeader)
                headers.append(header);
        }
        // Without ce-specversion the request is not binary mode at all; keep it for every row.
        const EnvelopeParseResult result =
            CloudEventParser::parseBinary(binaryRequest(contentType, body, headers), receivedTime());
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
    }

    void actionMapping_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("action");
        QTest::newRow("harbor push") << QStringLiteral("harbor.artifact.pushed") << QByteArray("{}")
                                     << QStringLiteral("push");
        QTest::newRow("harbor scan") << QStringLiteral("harbor.scan.failed") << QByteArray("{}")
                                     << QStringLiteral("scan_failed");
        QTest::newRow("harbor unsupported")
            << QStringLiteral("harbor.tag_retention.finished") << QByteArray("{}") << QString();
        QTest::newRow("tidings") << QStringLiteral("dev.tidings.registry.mount") << QByteArray("{}")
                                 << QStringLiteral("mount");
        QTest::newRow("data action") << QStringLiteral("com.example.registry.event")
                                     << json("{'action':'PULL','target':{'repository':'r'}}")
                                     << QStringLiteral("pull");
        QTest::newRow("suffix") << QStringLiteral("Microsoft.ContainerRegistry.ChartPushed")
                                << QByteArray("{}") << QStringLiteral("push");
        QTest::newRow("verbatim") << QStringLiteral("Com.Example.Image.Signed") << QByteArray("{}")
                                  << QStringLiteral("com.example.image.signed");
    }

    void actionMapping()
    {
        QFETCH(QString, type);
        QFETCH(QByteArray, data);
        QFETCH(QString, action);
        QCOMPARE(CloudEventParser::actionFor(type, QJsonDocument::fromJson(data).object()), action);
    }
};

QTEST_GUILESS_MAIN(TestCloudEvents)
#include "tst_cloudevents.moc"
