#include "intake/EnvelopeFastReader.h"
#include "intake/EnvelopeParser.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

// JSON written with single quotes, which become double quotes: moc 6.4 mis-tokenizes raw string literals that
// contain an odd number of '"' and then silently finds no test class.
QByteArray json(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

QByteArray readSample(const QString &name)
{
    QFile file(QString::fromUtf8(TIDINGS_TEST_DATA_DIR) + u'/' + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open sample %s", qPrintable(file.fileName()));
    return file.readAll();
}

const QByteArray v1ContentType("application/vnd.docker.distribution.events.v1+json");

QDateTime receivedTime()
{
    return QDateTime(QDate(2026, 11, 26), QTime(5, 0, 0), Qt::UTC);
}

QDateTime utc(int y, int mo, int d, int h, int mi, int s, int ms)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC);
}

// A minimal valid event object, as text, with the given id.
QByteArray eventText(const QByteArray &id)
{
    return json("{'id':'") + id + json("','action':'push','target':{'repository':'r'}}");
}

} // namespace

class TestEnvelope : public QObject
{
    Q_OBJECT

private slots:
    void samples_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("eventId");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("digest");
        QTest::addColumn<QString>("mediaType");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<QDateTime>("timestamp");

        const QString manifestDigest =
            QStringLiteral("sha256:5f71e537ad052bd770c8d4eb2130a9738b6a882c3e818bc366c931538c180f31");
        const QString oci = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
        const QString octet = QStringLiteral("application/octet-stream");

        QTest::newRow("01 blob push")
            << QStringLiteral("01-push-blob.json") << QStringLiteral("19c56695-1353-4d7b-a7cc-ec4fc6e52469")
            << QStringLiteral("push") << QString()
            << QStringLiteral("sha256:996731f0ff198f23a25becfca0c1e32a9287374b751f2151f0c2c63e04ef6380")
            << octet << qint64(127) << utc(2026, 11, 26, 4, 18, 28, 292);
        QTest::newRow("02 blob push")
            << QStringLiteral("02-push-blob.json") << QStringLiteral("d825dcd6-2dbc-4295-8ba9-d2a8798d9aed")
            << QStringLiteral("push") << QString()
            << QStringLiteral("sha256:e5b7a109ec2ab7921322e8ec27b106fb5065ce322347418256b9cbe8d4034e34")
            << octet << qint64(163) << utc(2026, 11, 26, 4, 18, 28, 314);
        QTest::newRow("03 manifest push")
            << QStringLiteral("03-push-manifest.json")
            << QStringLiteral("c23898ed-87ca-498e-8f04-277d89c31ee7") << QStringLiteral("push")
            << QStringLiteral("1.23-alpine") << manifestDigest << oci << qint64(401)
            << utc(2026, 11, 26, 4, 18, 28, 322);
        QTest::newRow("04 manifest pull")
            << QStringLiteral("04-pull-manifest.json")
            << QStringLiteral("815dae06-a73c-42f0-9771-f0c717561c82") << QStringLiteral("pull")
            << QStringLiteral("1.23-alpine") << manifestDigest << oci << qint64(401)
            << utc(2026, 11, 26, 4, 18, 34, 896);
        QTest::newRow("05 blob pull")
            << QStringLiteral("05-pull-blob.json") << QStringLiteral("c307a382-0df3-4f7b-92dd-db114f2143f7")
            << QStringLiteral("pull") << QString()
            << QStringLiteral("sha256:e5b7a109ec2ab7921322e8ec27b106fb5065ce322347418256b9cbe8d4034e34")
            << octet << qint64(163) << utc(2026, 11, 26, 4, 18, 34, 907);
        QTest::newRow("06 manifest pull")
            << QStringLiteral("06-pull-manifest.json")
            << QStringLiteral("f70c9b41-dd02-4a91-964d-9a326f583c46") << QStringLiteral("pull")
            << QStringLiteral("1.23-alpine") << manifestDigest << oci << qint64(401)
            << utc(2026, 11, 26, 4, 18, 34, 933);
        QTest::newRow("07 delete by digest")
            << QStringLiteral("07-delete-digest.json")
            << QStringLiteral("89588e74-65d9-4c97-be02-b0b2fad7ed80") << QStringLiteral("delete") << QString()
            << manifestDigest << QString() << qint64(0) << utc(2026, 11, 26, 4, 18, 34, 935);
        QTest::newRow("08 delete by tag")
            << QStringLiteral("08-delete-tag.json") << QStringLiteral("9dd554bc-1b5f-401f-a47c-d93de4d5cb22")
            << QStringLiteral("delete") << QStringLiteral("1.23-alpine") << QString() << QString()
            << qint64(0) << utc(2026, 11, 26, 4, 18, 34, 936);
    }

    void samples()
    {
        QFETCH(QString, file);
        QFETCH(QString, eventId);
        QFETCH(QString, action);
        QFETCH(QString, tag);
        QFETCH(QString, digest);
        QFETCH(QString, mediaType);
        QFETCH(qint64, size);
        QFETCH(QDateTime, timestamp);

        const QByteArray body = readSample(file);
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(result.error.isEmpty());
        QCOMPARE(result.events.size(), 1);

        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.rowId, 0);
        QCOMPARE(event.eventId, eventId);
        QCOMPARE(event.action, action);
        QCOMPARE(event.repository, QStringLiteral("nginx"));
        QCOMPARE(event.tag, tag);
        QCOMPARE(event.digest, digest);
        QCOMPARE(event.mediaType, mediaType);
        QCOMPARE(event.size, size);
        QCOMPARE(event.timestamp, timestamp);
        QCOMPARE(event.timestamp.timeSpec(), Qt::UTC);
        QCOMPARE(event.sourceAddr, QStringLiteral("vm:5055"));
        QCOMPARE(event.sourceInstance, QStringLiteral("da979505-5c5c-441c-bbc9-41f9c320543a"));
        QCOMPARE(event.actor, QString()); // "actor": {} is anonymous
        QCOMPARE(event.contentType, v1ContentType);
        QCOMPARE(event.receivedAt, receivedTime());

        // rawJson is the registry's own bytes: the pretty-printed object exactly as it sits in the envelope.
        const qsizetype begin = body.indexOf("{\n         \"id\"");
        const qsizetype end = body.lastIndexOf("\n      }") + 8;
        QVERIFY(begin > 0 && end > begin);
        QCOMPARE(event.rawJson, body.mid(begin, end - begin));
        QVERIFY(event.rawJson.startsWith('{') && event.rawJson.endsWith('}'));
        QCOMPARE(QJsonDocument::fromJson(event.rawJson).object(), QJsonDocument::fromJson(body)
                                                                      .object()
                                                                      .value(QLatin1StringView("events"))
                                                                      .toArray()
                                                                      .at(0)
                                                                      .toObject());
    }

    void rawJsonSpans_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QList<QByteArray>>("expectedRaw");

        const QByteArray a = eventText("a");
        const QByteArray b = eventText("b");
        QTest::newRow("compact") << (json("{'events':[") + a + ',' + b + "]}") << QList<QByteArray>{a, b};
        QTest::newRow("whitespace everywhere")
            << ("\r\n\t {  \"events\" \t:\n [ \n" + a + " \n,\t" + b + " ] \n}\n ")
            << QList<QByteArray>{a, b};
        QTest::newRow("events not the first key")
            << (json("{'version':1,'meta':{'x':[1,2,{'y':'}'}]},'events':[") + a + "]}")
            << QList<QByteArray>{a};
        QTest::newRow("nested events key before")
            << (json("{'meta':{'events':[{'id':'decoy'}]},'events':[") + a + "]}") << QList<QByteArray>{a};
        QTest::newRow("nested events key after")
            << (json("{'events':[") + a + json("],'meta':{'events':[1,2,3]}}")) << QList<QByteArray>{a};
        QTest::newRow("string value named events")
            << (json("{'note':'events','events':[") + a + "]}") << QList<QByteArray>{a};

        const QByteArray tricky =
            json("{ 'id' : 't\\'}]{[' , "
                 "'action':'PUSH','target':{'repository':'r\\\\','tag':'\\u0041\\'x'},") +
            json("'request':{'useragent':'a,b]}'},'extra':[[],{},'',[{'events':[]}]],'n':-1.5e+3,'t':true,'f'"
                 ":null}");
        QTest::newRow("escapes and brackets inside strings")
            << (json("{'events':[") + tricky + "]}") << QList<QByteArray>{tricky};
        QTest::newRow("escaped key") << (json("{'\\u0065vents':[") + a + "]}") << QList<QByteArray>{a};
        QTest::newRow("byte order mark") << ("\xEF\xBB\xBF{\"events\":[" + a + "]}") << QList<QByteArray>{a};
        QTest::newRow("duplicate events key: last wins")
            << (json("{'events':[") + a + json("],'events':[") + b + "]}") << QList<QByteArray>{b};
        const QByteArray unicode = json("{'id':'ü','action':'push','target':{'repository':'équipe/画像'}}");
        QTest::newRow("non-ASCII UTF-8")
            << (json("{'events':[") + unicode + "]}") << QList<QByteArray>{unicode};
    }

    void rawJsonSpans()
    {
        QFETCH(QByteArray, body);
        QFETCH(QList<QByteArray>, expectedRaw);

        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), expectedRaw.size());
        const QJsonArray parsed =
            QJsonDocument::fromJson(body).object().value(QLatin1StringView("events")).toArray();
        for (qsizetype i = 0; i < expectedRaw.size(); ++i) {
            QCOMPARE(result.events.at(i).rawJson, expectedRaw.at(i));
            QCOMPARE(QJsonDocument::fromJson(result.events.at(i).rawJson).object(), parsed.at(i).toObject());
        }
    }

    void samplesInOneEnvelope()
    {
        // The registry batches when events queue up: several pretty-printed events in one envelope.
        QList<QByteArray> eventTexts;
        for (const char *name : {"01-push-blob.json", "03-push-manifest.json", "08-delete-tag.json"}) {
            const QByteArray sample = readSample(QString::fromLatin1(name));
            const EnvelopeParseResult single = EnvelopeParser::parse(sample, v1ContentType, receivedTime());
            QVERIFY2(single.ok, qPrintable(single.error));
            eventTexts.append(single.events.constFirst().rawJson);
        }
        const QByteArray body = "{\n   \"events\": [\n      " + eventTexts.join(",\n      ") + "\n   ]\n}\n";
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), 3);
        QCOMPARE(result.events.at(0).eventId, QStringLiteral("19c56695-1353-4d7b-a7cc-ec4fc6e52469"));
        QCOMPARE(result.events.at(1).eventId, QStringLiteral("c23898ed-87ca-498e-8f04-277d89c31ee7"));
        QCOMPARE(result.events.at(2).eventId, QStringLiteral("9dd554bc-1b5f-401f-a47c-d93de4d5cb22"));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(result.events.at(i).rawJson, eventTexts.at(i));
            QVERIFY(body.contains(result.events.at(i).rawJson));
        }
    }

    void trickyFields()
    {
        const QByteArray tricky =
            json("{'id':'t\\'}]{[','action':'PUSH','target':{'repository':'r\\\\','tag':'\\u0041\\'x'}}");
        const EnvelopeParseResult result =
            EnvelopeParser::parse(json("{'events':[") + tricky + "]}", v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.eventId, QStringLiteral("t\"}]{["));
        QCOMPARE(event.action, QStringLiteral("push")); // lower-cased
        QCOMPARE(event.repository, QStringLiteral("r\\"));
        QCOMPARE(event.tag, QStringLiteral("A\"x"));
    }

    void manyEvents()
    {
        // The format allows several events per envelope; they keep their order and their own bytes.
        QByteArray body = json("{'events':[");
        for (int i = 0; i < EnvelopeParser::maxEventsPerEnvelope; ++i) {
            if (i > 0)
                body += ",\n";
            body += eventText(QByteArray::number(i));
        }
        body += "]}";
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.size(), EnvelopeParser::maxEventsPerEnvelope);
        for (int i = 0; i < result.events.size(); ++i) {
            QCOMPARE(result.events.at(i).eventId, QString::number(i));
            QCOMPARE(result.events.at(i).rawJson, eventText(QByteArray::number(i)));
        }
    }

    void optionalFields()
    {
        const QByteArray body =
            json("{'events':[{'id':'x','action':'mount','timestamp':'2026-01-02T03:04:05+02:00',") +
            json("'target':{'repository':'team/app','length':77,'fromRepository':'base'},") +
            json("'actor':{'name':'ci-bot'},'source':{'addr':'reg:5000','instanceID':'inst-1'}}]}");
        const QByteArray v2 = "application/vnd.docker.distribution.events.v2+json";
        const EnvelopeParseResult result =
            EnvelopeParser::parse(body, v2, receivedTime().toOffsetFromUtc(3600));
        QVERIFY2(result.ok, qPrintable(result.error));
        const RegistryEvent &event = result.events.constFirst();
        QCOMPARE(event.action, QStringLiteral("mount"));
        QCOMPARE(event.repository, QStringLiteral("team/app"));
        QCOMPARE(event.size, 77); // from the older "length"
        QCOMPARE(event.actor, QStringLiteral("ci-bot"));
        QCOMPARE(event.sourceAddr, QStringLiteral("reg:5000"));
        QCOMPARE(event.sourceInstance, QStringLiteral("inst-1"));
        QCOMPARE(event.contentType, v2);
        QCOMPARE(event.timestamp, utc(2026, 1, 2, 1, 4, 5, 0));
        // receivedAt is stored in UTC whatever zone the caller used.
        QCOMPARE(event.receivedAt, receivedTime());
        QCOMPARE(event.receivedAt.timeSpec(), Qt::UTC);
    }

    void sizePrefersSize()
    {
        const EnvelopeParseResult result = EnvelopeParser::parse(
            json("{'events':[{'id':'x','action':'push','target':{'repository':'r','length':5,'size':9}}]}"),
            v1ContentType, receivedTime());
        QVERIFY(result.ok);
        QCOMPARE(result.events.constFirst().size, 9);
    }

    void unknownActionAccepted()
    {
        const EnvelopeParseResult result = EnvelopeParser::parse(
            json("{'events':[{'id':'x','action':'Replicate','target':{'repository':'r'}}]}"), v1ContentType,
            receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.constFirst().action, QStringLiteral("replicate"));
    }

    void timestamps_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDateTime>("expected"); // invalid: the parser must reject the text

        QTest::newRow("nanoseconds Z")
            << QStringLiteral("2026-11-26T04:18:28.322554338Z") << utc(2026, 11, 26, 4, 18, 28, 322);
        QTest::newRow("truncated, not rounded")
            << QStringLiteral("2026-11-26T04:18:28.999999999Z") << utc(2026, 11, 26, 4, 18, 28, 999);
        QTest::newRow("no fraction") << QStringLiteral("2026-11-26T04:18:28Z")
                                     << utc(2026, 11, 26, 4, 18, 28, 0);
        QTest::newRow("one fraction digit")
            << QStringLiteral("2026-11-26T04:18:28.5Z") << utc(2026, 11, 26, 4, 18, 28, 500);
        QTest::newRow("positive offset")
            << QStringLiteral("2026-11-26T04:18:28.123+02:00") << utc(2026, 11, 26, 2, 18, 28, 123);
        QTest::newRow("negative offset across midnight")
            << QStringLiteral("2026-12-31T23:30:00-05:30") << utc(2027, 1, 1, 5, 0, 0, 0);
        QTest::newRow("zero offset") << QStringLiteral("2026-11-26T04:18:28+00:00")
                                     << utc(2026, 11, 26, 4, 18, 28, 0);
        QTest::newRow("lower case t and z")
            << QStringLiteral("2026-11-26t04:18:28z") << utc(2026, 11, 26, 4, 18, 28, 0);
        QTest::newRow("space separator")
            << QStringLiteral("2026-11-26 04:18:28Z") << utc(2026, 11, 26, 4, 18, 28, 0);
        QTest::newRow("leap second") << QStringLiteral("2016-12-31T23:59:60Z")
                                     << utc(2016, 12, 31, 23, 59, 59, 999);
        QTest::newRow("leap day") << QStringLiteral("2024-02-29T00:00:00Z") << utc(2024, 2, 29, 0, 0, 0, 0);
        QTest::newRow("no zone") << QStringLiteral("2026-11-26T04:18:28") << QDateTime();
        QTest::newRow("empty fraction") << QStringLiteral("2026-11-26T04:18:28.Z") << QDateTime();
        QTest::newRow("not a leap day") << QStringLiteral("2026-02-29T00:00:00Z") << QDateTime();
        QTest::newRow("hour 24") << QStringLiteral("2026-11-26T24:00:00Z") << QDateTime();
        QTest::newRow("offset without colon") << QStringLiteral("2026-11-26T04:18:28+0200") << QDateTime();
        QTest::newRow("offset hours 24") << QStringLiteral("2026-11-26T04:18:28+24:00") << QDateTime();
        QTest::newRow("trailing text") << QStringLiteral("2026-11-26T04:18:28Z garbage") << QDateTime();
        QTest::newRow("date only") << QStringLiteral("2026-11-26") << QDateTime();
        QTest::newRow("unix seconds") << QStringLiteral("1795673908") << QDateTime();
        QTest::newRow("slashes") << QStringLiteral("2026/11/26T04:18:28Z") << QDateTime();
        QTest::newRow("empty") << QString() << QDateTime();
    }

    void timestamps()
    {
        QFETCH(QString, text);
        QFETCH(QDateTime, expected);
        const QDateTime parsed = EnvelopeParser::parseTimestamp(text);
        QCOMPARE(parsed.isValid(), expected.isValid());
        if (expected.isValid()) {
            QCOMPARE(parsed, expected);
            QCOMPARE(parsed.timeSpec(), Qt::UTC);
        }
    }

    void badTimestampFallsBackToReceivedAt_data()
    {
        QTest::addColumn<QByteArray>("timestampMember");
        QTest::newRow("missing") << QByteArray();
        QTest::newRow("garbage") << QByteArray(json("'timestamp':'yesterday',"));
        QTest::newRow("number") << QByteArray(json("'timestamp':1795673908,"));
        QTest::newRow("null") << QByteArray(json("'timestamp':null,"));
    }

    void badTimestampFallsBackToReceivedAt()
    {
        QFETCH(QByteArray, timestampMember);
        const QByteArray body = json("{'events':[{'id':'x',") + timestampMember +
                                json("'action':'push','target':{'repository':'r'}}]}");
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.events.constFirst().timestamp, receivedTime());
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expectedError");

        const QByteArray ok = eventText("ok");
        QTest::newRow("empty body") << QByteArray() << QStringLiteral("the body is empty");
        QTest::newRow("not JSON") << QByteArray("events=1")
                                  << QStringLiteral("the body is not valid JSON: illegal value at offset 1");
        QTest::newRow("truncated JSON")
            << QByteArray(json("{'events':[{'id':'x'"))
            << QStringLiteral("the body is not valid JSON: unterminated string at offset 20");
        QTest::newRow("garbage after")
            << (json("{'events':[") + ok + "]} x")
            << QStringLiteral("the body is not valid JSON: garbage at the end of the document at offset %1")
                   .arg(ok.size() + 14); // the offset of the "x"
        QTest::newRow("array body") << QByteArray("[1]")
                                    << QStringLiteral(
                                           "the body is not a JSON object (expected {\"events\": [...]})");
        QTest::newRow("no events") << QByteArray(json("{'event':[]}"))
                                   << QStringLiteral("the body has no \"events\" member");
        QTest::newRow("events is an object") << QByteArray(json("{'events':{'id':'x'}}"))
                                             << QStringLiteral("\"events\" is an object, not an array");
        QTest::newRow("events is null")
            << QByteArray(json("{'events':null}")) << QStringLiteral("\"events\" is null, not an array");
        QTest::newRow("empty events")
            << QByteArray(json("{'events':[]}")) << QStringLiteral("the \"events\" array is empty");
        QTest::newRow("event not an object") << (json("{'events':[") + ok + json(",'x']}"))
                                             << QStringLiteral("events[1] is a string, not an object");
        QTest::newRow("missing id") << QByteArray(
                                           json("{'events':[{'action':'push','target':{'repository':'r'}}]}"))
                                    << QStringLiteral("events[0].id is missing");
        QTest::newRow("empty id")
            << QByteArray(json("{'events':[{'id':'','action':'push','target':{'repository':'r'}}]}"))
            << QStringLiteral("events[0].id is empty");
        QTest::newRow("numeric id")
            << QByteArray(json("{'events':[{'id':7,'action':'push','target':{'repository':'r'}}]}"))
            << QStringLiteral("events[0].id is a number, not a string");
        QTest::newRow("missing action")
            << QByteArray(json("{'events':[{'id':'x','target':{'repository':'r'}}]}"))
            << QStringLiteral("events[0].action is missing");
        QTest::newRow("action not a string")
            << QByteArray(json("{'events':[{'id':'x','action':['push'],'target':{'repository':'r'}}]}"))
            << QStringLiteral("events[0].action is an array, not a string");
        QTest::newRow("missing target") << QByteArray(json("{'events':[{'id':'x','action':'push'}]}"))
                                        << QStringLiteral("events[0].target is missing");
        QTest::newRow("target not an object")
            << QByteArray(json("{'events':[{'id':'x','action':'push','target':'nginx'}]}"))
            << QStringLiteral("events[0].target is a string, not an object");
        QTest::newRow("missing repository in second event")
            << (json("{'events':[") + ok + json(",{'id':'y','action':'delete','target':{'tag':'v1'}}]}"))
            << QStringLiteral("events[1].target.repository is missing");
        QTest::newRow("empty repository")
            << QByteArray(json("{'events':[{'id':'x','action':'pull','target':{'repository':''}}]}"))
            << QStringLiteral("events[0].target.repository is empty");
        QTest::newRow("repository not a string")
            << QByteArray(json("{'events':[{'id':'x','action':'pull','target':{'repository':true}}]}"))
            << QStringLiteral("events[0].target.repository is a boolean, not a string");
        // Found by fuzz_envelope: Qt 6.4 lists this second key as "events" but looks it up as itself.
        const QByteArray markedKey = QByteArray("\"\xEF\xBB\xBF") + "events\"";
        QTest::newRow("member name that begins with a byte order mark")
            << (json("{'events':[") + ok + "]," + markedKey + ":[" + ok + "]}")
            << QStringLiteral("the \"events\" array could not be located in the body unambiguously (does a "
                              "member name begin with a byte order mark, U+FEFF?)");
    }

    void rejected()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expectedError);
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY(!result.ok);
        QCOMPARE(result.error, expectedError);
        QVERIFY(result.events.isEmpty());
        QList<RegistryEvent> fast;
        QVERIFY(!EnvelopeFastReader::read(body, v1ContentType, receivedTime(),
                                          EnvelopeParser::maxEventsPerEnvelope, &fast));
    }

    void tooManyEvents()
    {
        QByteArray body = json("{'events':[");
        for (int i = 0; i <= EnvelopeParser::maxEventsPerEnvelope; ++i) {
            if (i > 0)
                body += ',';
            body += eventText(QByteArray::number(i));
        }
        body += "]}";
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY(!result.ok);
        QCOMPARE(result.error,
                 QStringLiteral("the envelope holds 1001 events; at most 1000 are accepted in one request"));
        QVERIFY(result.events.isEmpty());
    }

    void deepNesting_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("100k arrays") << QByteArray(100000, '[');
        QTest::newRow("100k arrays, closed") << (QByteArray(100000, '[') + QByteArray(100000, ']'));
        QByteArray objects;
        for (int i = 0; i < 100000; ++i)
            objects += json("{'a':");
        QTest::newRow("100k objects") << objects;
        QTest::newRow("100k inside an event")
            << (json("{'events':[{'id':'x','action':'push','target':{'repository':'r'},'x':") +
                QByteArray(100000, '['));
    }

    void deepNesting()
    {
        QFETCH(QByteArray, body);
        QElapsedTimer timer;
        timer.start();
        const EnvelopeParseResult result = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY(!result.ok);
        QVERIFY2(result.error.startsWith(
                     QLatin1StringView("the body is not valid JSON: too deeply nested document")),
                 qPrintable(result.error));
        QVERIFY(timer.elapsed() < 2000);
    }

    // Bodies the single-pass reader takes, with what it has to get right: it must give the events the
    // QJsonDocument path gives, field for field.
    void fastReaderAgrees_data()
    {
        QTest::addColumn<QByteArray>("body");
        for (const char *name :
             {"01-push-blob.json", "02-push-blob.json", "03-push-manifest.json", "04-pull-manifest.json",
              "05-pull-blob.json", "06-pull-manifest.json", "07-delete-digest.json", "08-delete-tag.json"})
            QTest::newRow(name) << readSample(QString::fromLatin1(name));
        const QByteArray target = json("'target':{'repository':'r'}");
        QTest::newRow("escapes in values")
            << json("{'events':[{'id':'a\\u00e9\\ud83d\\ude00\\/\\n\\t\\b\\f\\r\\\\x',"
                    "'action':'PuSh','target':{'repository':'r\\u0000','tag':'\\u0041'}}]}");
        QTest::newRow("lone surrogate escape")
            << (json("{'events':[{'id':'\\ud800x','action':'push',") + target + "}]}");
        QTest::newRow("UTF-8 text") << json("{'events':[{'id':'caf\xc3\xa9 \xf0\x9f\x90\xb3','action':'push',"
                                            "'target':{'repository':'\xe6\x97\xa5'}}]}");
        QTest::newRow("unknown members of every kind")
            << json("{'x':[1,-2.5,0,true,false,null,{'a':[]},''],'events':[{'id':'x','action':'push',"
                    "'n':{'deep':[[[{}]]]},'target':{'repository':'r','size':-12,'annotations':{'k':'v'}},"
                    "'actor':{'name':'bot','extra':1},'source':{'addr':'a','instanceID':'i','z':null},"
                    "'timestamp':'2026-01-02T03:04:05.5Z'}],'y':{}}");
        QTest::newRow("length only") << json(
            "{'events':[{'id':'x','action':'push','target':{'repository':'r','length':5}}]}");
        QTest::newRow("length before size") << json(
            "{'events':[{'id':'x','action':'push','target':{'repository':'r','length':5,'size':9}}]}");
        QTest::newRow("unreadable timestamp") << json(
            "{'events':[{'id':'x','action':'push','timestamp':'yesterday','target':{'repository':'r'}}]}");
        QTest::newRow("whitespace everywhere")
            << json(" \t\r\n{ 'events' :\n[ { 'id' : 'x' , 'action' : 'push' , 'target' : { 'repository' "
                    ": 'r' , 'size' : 3 } , 'actor' : { } } ,\n{'id':'y','action':'pull','target':{"
                    "'repository':'q'}} ] } \n");
    }

    void fastReaderAgrees()
    {
        QFETCH(QByteArray, body);
        QList<RegistryEvent> fast;
        QVERIFY(EnvelopeFastReader::read(body, v1ContentType, receivedTime(),
                                         EnvelopeParser::maxEventsPerEnvelope, &fast));
        const EnvelopeParseResult full =
            EnvelopeParser::parseThroughDocument(body, v1ContentType, receivedTime());
        QVERIFY2(full.ok, qPrintable(full.error));
        QCOMPARE(fast.size(), full.events.size());
        for (qsizetype i = 0; i < fast.size(); ++i) {
            const RegistryEvent &a = fast.at(i);
            const RegistryEvent &b = full.events.at(i);
            QCOMPARE(a.eventId, b.eventId); // field by field first, for a message that names the field
            QCOMPARE(a.action, b.action);
            QCOMPARE(a.repository, b.repository);
            QCOMPARE(a.tag, b.tag);
            QCOMPARE(a.size, b.size);
            QCOMPARE(a.timestamp, b.timestamp);
            QCOMPARE(a.actor, b.actor);
            QCOMPARE(a.rawJson, b.rawJson);
            QVERIFY(a == b);
        }
    }

    // Bodies Qt takes but the reader leaves to it: it must decline, and parse() must still give Qt's reading.
    void fastReaderDeclines_data()
    {
        QTest::addColumn<QByteArray>("body");
        const QByteArray target = json("'target':{'repository':'r'}");
        const auto event = [](const char *members) -> QByteArray {
            return json("{'events':[{'id':'x','action':'push',") + json(members) + "}]}";
        };
        QTest::newRow("duplicate id")
            << (json("{'events':[{'id':'a','id':'b','action':'push',") + target + "}]}");
        QTest::newRow("duplicate events")
            << (json("{'events':[") + eventText("a") + json("],'events':[") + eventText("b") + "]}");
        QTest::newRow("key spelled with an escape") << (json("{'\\u0065vents':[") + eventText("a") + "]}");
        QTest::newRow("size with an exponent") << event("'target':{'repository':'r','size':1e3}");
        QTest::newRow("size with a fraction") << event("'target':{'repository':'r','size':2.0}");
        QTest::newRow("size as a string") << event("'target':{'repository':'r','size':'7'}");
        QTest::newRow("16-digit number elsewhere")
            << event("'target':{'repository':'r'},'n':1234567890123456");
        QTest::newRow("unknown escape")
            << (json("{'events':[{'id':'a\\qb','action':'push',") + target + "}]}");
        QTest::newRow("raw tab in a string")
            << (json("{'events':[{'id':'a\tb','action':'push',") + target + "}]}");
        QTest::newRow("byte order mark")
            << ("\xEF\xBB\xBF" + eventText("a").prepend(json("{'events':[")) + "]}");
        // Found by fuzz_envelope: a raw U+FEFF that begins a string (or the run after an escape) would be
        // dropped by QString::fromUtf8 but kept by Qt's parser.
        QTest::newRow("byte order mark inside a string") << (json("{'events':[{'id':'\xef\xbb\xbf"
                                                                  "caf\\u00e9','action':'push',") +
                                                             target + "}]}");
        QTest::newRow("byte order mark after an escape") << (json("{'events':[{'id':'a\\n\xef\xbb\xbf"
                                                                  "b','action':'push',") +
                                                             target + "}]}");
        QTest::newRow("noncharacter")
            << (json("{'events':[{'id':'a\xef\xbf\xbe','action':'push',") + target + "}]}");
        QTest::newRow("empty tag") << event("'target':{'repository':'r','tag':''}");
        QTest::newRow("tag is a number") << event("'target':{'repository':'r','tag':5}");
        QTest::newRow("actor is a string") << event("'target':{'repository':'r'},'actor':'bob'");
        QTest::newRow("deeper than the reader goes") << event(
            QByteArray("'target':{'repository':'r'},'n':" + QByteArray(70, '[') + QByteArray(70, ']'))
                .constData());
    }

    void fastReaderDeclines()
    {
        QFETCH(QByteArray, body);
        QList<RegistryEvent> fast;
        QVERIFY(!EnvelopeFastReader::read(body, v1ContentType, receivedTime(),
                                          EnvelopeParser::maxEventsPerEnvelope, &fast));
        const EnvelopeParseResult full =
            EnvelopeParser::parseThroughDocument(body, v1ContentType, receivedTime());
        QVERIFY2(full.ok, qPrintable(full.error));
        const EnvelopeParseResult parsed = EnvelopeParser::parse(body, v1ContentType, receivedTime());
        QVERIFY2(parsed.ok, qPrintable(parsed.error));
        QCOMPARE(parsed.events.size(), full.events.size());
        for (qsizetype i = 0; i < parsed.events.size(); ++i)
            QVERIFY(parsed.events.at(i) == full.events.at(i));
    }
};

QTEST_APPLESS_MAIN(TestEnvelope)
#include "tst_envelope.moc"
