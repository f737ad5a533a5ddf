// HarborPayloadParser on Harbor's two payload formats, one sample per supported event type, and the payloads
// it must refuse.
#include "intake/CloudEventParser.h"
#include "intake/HarborPayloadParser.h"
#include "routing/WebhookFilter.h"

#include <QFile>
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
    QFile file(QString::fromUtf8(TIDINGS_TEST_DATA_DIR) + QStringLiteral("/harbor/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open sample %s", qPrintable(file.fileName()));
    return file.readAll();
}

QDateTime receivedTime()
{
    return QDateTime(QDate(2026, 11, 26), QTime(9, 0, 0), Qt::UTC);
}

const QString pushDigest =
    QStringLiteral("sha256:57ca325cc40d13c1dac5d195dca32b5c8c1e522dda1e090d79726f5eadef7bb2");

} // namespace

class TestHarborPayload : public QObject
{
    Q_OBJECT

private slots:
    void samples_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("actor");
        QTest::addColumn<qint64>("occurredAt");

        struct Row
        {
            const char *name;
            const char *action;
            const char *tag;
            const char *actor;
            qint64 occurredAt;
        };
        const Row rows[] = {
            {"push", "push", "2.4.1", "ci-robot", 1764142842},
            {"push-by-digest", "push", "", "ci-robot", 1764142850},
            {"pull", "pull", "2.4.1", "robot$shop+deployer", 1764142901},
            {"delete", "delete", "2.3.0", "admin", 1764143000},
            {"scan-completed", "scan_completed", "", "auto", 1764142873},
            {"scan-failed", "scan_failed", "", "auto", 1764142990},
            {"scan-stopped", "scan_stopped", "", "auto", 1764142995},
            {"quota-exceeded", "quota_exceeded", "", "", 1764143100},
            {"quota-warning", "quota_warning", "", "", 1764143050},
        };
        for (const char *format : {"default", "cloudevents"}) {
            for (const Row &row : rows) {
                QTest::addRow("%s %s", format, row.name)
                    << QString::fromLatin1(format) << QString::fromLatin1(row.name)
                    << QString::fromLatin1(row.action) << QString::fromLatin1(row.tag)
                    << QString::fromLatin1(row.actor) << row.occurredAt;
            }
        }
    }

    void samples()
    {
        QFETCH(QString, format);
        QFETCH(QString, name);
        QFETCH(QString, action);
        QFETCH(QString, tag);
        QFETCH(QString, actor);
        QFETCH(qint64, occurredAt);

        const QByteArray body = readSample(format + u'-' + name + QStringLiteral(".json"));
        const bool cloudEvents = format == QLatin1StringView("cloudevents");
        const QByteArray mediaType = cloudEvents ? QByteArray(CloudEventParser::structuredMediaType)
                                                 : QByteArrayLiteral("application/json");
        const EnvelopeParseResult result = HarborPayloadParser::parse(body, mediaType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), 1);
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.action, action);
        QCOMPARE(event.repository, QStringLiteral("shop/checkout"));
        QCOMPARE(event.tag, tag);
        QVERIFY(event.digest.startsWith(QLatin1StringView("sha256:")));
        QCOMPARE(event.digest.size(), 71);
        QCOMPARE(event.actor, actor);
        QCOMPARE(event.timestamp, QDateTime::fromSecsSinceEpoch(occurredAt, Qt::UTC));
        QCOMPARE(event.receivedAt, receivedTime());
        QCOMPARE(event.rawJson, body); // the stored bytes are Harbor's, untouched
        QCOMPARE(event.contentType, mediaType);
        QVERIFY(event.mediaType.isEmpty()); // Harbor does not say; the default filter lets such events pass
        if (name == QLatin1StringView("quota-exceeded") || name == QLatin1StringView("quota-warning")) {
            // No resource_url in quota events: a CloudEvent's source stands in, the Default format has none.
            QCOMPARE(event.sourceAddr,
                     cloudEvents ? QStringLiteral("/projects/7/webhook/policies/3") : QString());
        } else {
            QCOMPARE(event.sourceAddr, QStringLiteral("harbor.corp.example"));
        }
        if (cloudEvents) {
            QCOMPARE(event.sourceFormat, QStringLiteral("cloudevents"));
            QVERIFY(event.eventId.startsWith(QLatin1StringView("/projects/7/webhook/policies/3#")));
            QCOMPARE(event.sourceInstance, QStringLiteral("/projects/7/webhook/policies/3"));
        } else {
            QCOMPARE(event.sourceFormat, QStringLiteral("harbor"));
            QVERIFY(event.eventId.startsWith(QLatin1StringView("harbor-")));
        }
    }

    void digestOfPush()
    {
        const EnvelopeParseResult result = HarborPayloadParser::parse(
            readSample(QStringLiteral("default-push.json")), "application/json", receivedTime());
        QVERIFY(result.ok);
        QCOMPARE(result.events.constFirst().digest, pushDigest);
    }

    // Harbor's Default payload has no id: the derived one must be the same for a resend (even re-indented)
    // and differ between events.
    void derivedIdIsStable()
    {
        const QByteArray push = readSample(QStringLiteral("default-push.json"));
        const QByteArray compact = QJsonDocument::fromJson(push).toJson(QJsonDocument::Compact);
        const auto idOf = [](const QByteArray &body) {
            const EnvelopeParseResult result =
                HarborPayloadParser::parse(body, "application/json", receivedTime());
            return result.ok ? result.events.constFirst().eventId : QString();
        };
        const QString first = idOf(push);
        QVERIFY(!first.isEmpty());
        QCOMPARE(idOf(push), first);
        QCOMPARE(idOf(compact), first);
        QVERIFY(idOf(readSample(QStringLiteral("default-pull.json"))) != first);
        QVERIFY(idOf(readSample(QStringLiteral("default-push-by-digest.json"))) != first);
        QCOMPARE(first.size(), 7 + 32);
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");

        QTest::newRow("empty") << QByteArray() << QStringLiteral("the body is empty");
        QTest::newRow("not json") << QByteArray("type=PUSH_ARTIFACT") << QStringLiteral("not valid JSON");
        QTest::newRow("array") << json("[{'type':'PUSH_ARTIFACT'}]") << QStringLiteral("not a JSON object");
        QTest::newRow("no type") << json("{'occur_at':1,'event_data':{}}")
                                 << QStringLiteral("type is missing");
        QTest::newRow("type not a string") << json("{'type':7}") << QStringLiteral("type is a number");
        QTest::newRow("replication") << readSample(QStringLiteral("default-replication.json"))
                                     << QStringLiteral("Harbor event type \"REPLICATION\" is not supported");
        QTest::newRow("tag retention") << json("{'type':'TAG_RETENTION','event_data':{'retention':{}}}")
                                       << QStringLiteral("\"TAG_RETENTION\" is not supported");
        QTest::newRow("no event_data")
            << json("{'type':'PUSH_ARTIFACT','occur_at':1}") << QStringLiteral("event_data is missing");
        QTest::newRow("event_data not object")
            << json("{'type':'PUSH_ARTIFACT','event_data':[]}") << QStringLiteral("event_data is an array");
        QTest::newRow("no repository") << json("{'type':'PUSH_ARTIFACT','event_data':{'resources':[]}}")
                                       << QStringLiteral("event_data.repository is missing");
        QTest::newRow("repository without name")
            << json("{'type':'PUSH_ARTIFACT','event_data':{'repository':{'namespace':'a'}}}")
            << QStringLiteral("event_data.repository.repo_full_name is missing");
        QTest::newRow("resources not array")
            << json("{'type':'PUSH_ARTIFACT','event_data':{'repository':{'repo_full_name':'a/"
                    "b'},'resources':{}}}")
            << QStringLiteral("event_data.resources is an object, not an array");
        QTest::newRow("cloudevent unsupported type")
            << json("{'specversion':'1.0','id':'x','source':'/projects/1/webhook/policies/1',"
                    "'type':'harbor.replication.status.changed','data':{}}")
            << QStringLiteral("is a Harbor event type Tidings does not take");
        QTest::newRow("cloudevent without repository")
            << json("{'specversion':'1.0','id':'x','source':'/p','type':'harbor.artifact.pushed','data':{}}")
            << QStringLiteral("data.repository is missing");
    }

    void refused()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const EnvelopeParseResult result =
            HarborPayloadParser::parse(body, "application/json", receivedTime());
        QVERIFY(!result.ok);
        QVERIFY(result.events.isEmpty());
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
    }

    // Older payloads without repo_full_name still name the repository.
    void namespaceAndName()
    {
        const EnvelopeParseResult result = HarborPayloadParser::parse(
            json("{'type':'PUSH_ARTIFACT','occur_at':1764142842,'operator':'x','event_data':{'resources':[{'"
                 "digest':"
                 "'sha256:aa','tag':'v1'}],'repository':{'name':'web','namespace':'team'}}}"),
            "application/json", receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.constFirst().repository, QStringLiteral("team/web"));
        QCOMPARE(result.events.constFirst().tag, QStringLiteral("v1"));
    }

    void actionsAreKnownToFilters()
    {
        for (const QString &action : HarborPayloadParser::actions())
            QVERIFY2(WebhookFilter::knownActions().contains(action) &&
                         WebhookFilter::isAcceptedAction(action),
                     qPrintable(action));
        QCOMPARE(HarborPayloadParser::actionForType(QStringLiteral("QUOTA_EXCEED")),
                 QStringLiteral("quota_exceeded"));
        QCOMPARE(HarborPayloadParser::actionForCloudEventType(QStringLiteral("harbor.quota.warned")),
                 QStringLiteral("quota_warning"));
        QVERIFY(HarborPayloadParser::actionForType(QStringLiteral("REPLICATION")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHarborPayload)
#include "tst_harborpayload.moc"
