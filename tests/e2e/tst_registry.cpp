// End to end with the real thing: docker-registry sends its notifications to a running `tidings serve`,
// skopeo pushes and deletes an image, and two loopback subscribers check what Tidings redelivered to them.

#include "HttpSink.h"
#include "OciImageBuilder.h"
#include "RegistryProcess.h"
#include "TidingsProcess.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace {

QByteArray randomBytes(int count)
{
    QByteArray bytes;
    while (bytes.size() < count) {
        const quint32 word = QRandomGenerator::system()->generate();
        bytes.append(reinterpret_cast<const char *>(&word), sizeof word);
    }
    bytes.truncate(count);
    return bytes;
}

QString randomHex(int bytes)
{
    return QString::fromLatin1(randomBytes(bytes).toHex());
}

// RFC 3339 with nanoseconds ("2026-11-26T04:18:28.322554338Z"): Qt keeps milliseconds, so cut the fraction
// to three digits before parsing.
QDateTime parseRfc3339(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d+))?(Z|[+-]\\d\\d:\\d\\d)$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return {};
    const QString millis = QString(match.captured(2) + QStringLiteral("000")).left(3);
    return QDateTime::fromString(match.captured(1) + u'.' + millis + match.captured(3), Qt::ISODateWithMs);
}

QJsonArray eventsOf(const CapturedRequest &request)
{
    return QJsonDocument::fromJson(request.body).object().value(QStringLiteral("events")).toArray();
}

// Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")); the header may
// carry several space-separated signatures (secret rotation), one matching is enough. Empty when it verifies.
QString signatureProblem(const QString &secret, const CapturedRequest &request)
{
    const QByteArray id = request.header("webhook-id");
    const QByteArray timestamp = request.header("webhook-timestamp");
    const QByteArray signatures = request.header("webhook-signature");
    if (id.isEmpty() || timestamp.isEmpty() || signatures.isEmpty())
        return QStringLiteral("webhook-id, webhook-timestamp or webhook-signature missing");
    bool numeric = false;
    const qint64 seconds = timestamp.toLongLong(&numeric);
    if (!numeric || qAbs(QDateTime::currentSecsSinceEpoch() - seconds) > 300)
        return QStringLiteral("webhook-timestamp %1 is not unix seconds within 5 minutes of now")
            .arg(QString::fromLatin1(timestamp));
    const QByteArray key = QByteArray::fromBase64(secret.mid(int(qstrlen("whsec_"))).toLatin1());
    const QByteArray expected = QMessageAuthenticationCode::hash(id + '.' + timestamp + '.' + request.body,
                                                                 key, QCryptographicHash::Sha256)
                                    .toBase64();
    const QList<QByteArray> entries = signatures.split(' ');
    for (const QByteArray &entry : entries) {
        if (entry == "v1," + expected)
            return {};
    }
    return QStringLiteral("no v1 signature matches: got \"%1\", expected \"v1,%2\"")
        .arg(QString::fromLatin1(signatures), QString::fromLatin1(expected));
}

} // namespace

class TestRegistry : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void pushAndDeleteReachOnlyTheirSubscribers();

private:
    QJsonArray listDeliveries();
    int deliveriesIn(const QString &webhook, const QString &state);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HttpSink> m_pushSink;
    std::unique_ptr<HttpSink> m_deleteSink;
    std::unique_ptr<TidingsProcess> m_tidings;
    std::unique_ptr<RegistryProcess> m_registry;
};

void TestRegistry::initTestCase()
{
    // Missing tools fail rather than skip: a skipped e2e test reads as green in CI and proves nothing.
    if (RegistryProcess::registryBinary().isEmpty())
        QFAIL("docker-registry is not installed; `make test` installs it (apt-get install docker-registry "
              "skopeo)");
    if (RegistryProcess::skopeoBinary().isEmpty())
        QFAIL("skopeo is not installed; `make test` installs it (apt-get install docker-registry skopeo)");
    const QString tidings = QStringLiteral(TIDINGS_BINARY);
    QVERIFY2(QFileInfo(tidings).isExecutable(), qPrintable(tidings + QStringLiteral(" is not built")));
}

void TestRegistry::cleanup()
{
    if (QTest::currentTestFailed()) {
        if (m_registry) {
            m_registry->keepFiles();
            qInfo().noquote() << "docker-registry warnings and errors (full log kept in" << m_registry->dir()
                              << "):\n"
                              << QString::fromLocal8Bit(m_registry->problems().right(8000));
        }
        if (m_tidings) {
            qInfo().noquote() << "tidings serve stdout:\n"
                              << QString::fromLocal8Bit(m_tidings->serveStdout());
            if (QFileInfo::exists(m_tidings->dbPath())) {
                const CliResult deliveries = m_tidings->runCli(
                    {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
                qInfo().noquote() << "deliveries:\n"
                                  << QString::fromLocal8Bit(deliveries.out + deliveries.err);
            }
        }
        if (m_dir) {
            // Keep the database and the OCI layout for a post-mortem.
            m_dir->setAutoRemove(false);
            qInfo().noquote() << "kept" << m_dir->path();
        }
    }
    // The registry first, so it stops retrying into a Tidings that is going away.
    m_registry.reset();
    if (m_tidings)
        m_tidings->stop();
    m_tidings.reset();
    m_pushSink.reset();
    m_deleteSink.reset();
    m_dir.reset();
}

QJsonArray TestRegistry::listDeliveries()
{
    const CliResult result =
        m_tidings->runCli({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
    if (result.exitCode != 0) {
        qWarning().noquote() << "deliveries list --json:" << result.describe();
        return {};
    }
    return QJsonDocument::fromJson(result.out).array();
}

int TestRegistry::deliveriesIn(const QString &webhook, const QString &state)
{
    const QJsonArray deliveries = listDeliveries();
    int count = 0;
    for (const QJsonValue &value : deliveries) {
        const QJsonObject delivery = value.toObject();
        if (delivery.value(QStringLiteral("webhook")).toString() == webhook &&
            (state.isEmpty() || delivery.value(QStringLiteral("state")).toString() == state)) {
            ++count;
        }
    }
    return count;
}

void TestRegistry::pushAndDeleteReachOnlyTheirSubscribers()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY2(m_dir->isValid(), qPrintable(m_dir->errorString()));
    m_pushSink = std::make_unique<HttpSink>();
    m_deleteSink = std::make_unique<HttpSink>();
    QVERIFY(m_pushSink->start());
    QVERIFY(m_deleteSink->start());

    // Subscribers.
    m_tidings = std::make_unique<TidingsProcess>(m_dir->filePath(QStringLiteral("tidings.db")));
    const QString secret = QStringLiteral("whsec_") + QString::fromLatin1(randomBytes(32).toBase64());
    CliResult cli =
        m_tidings->runCli({QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                           QStringLiteral("on-push"), QStringLiteral("--url"), m_pushSink->url().toString(),
                           QStringLiteral("--secret"), secret});
    QVERIFY2(cli.exitCode == 0, qPrintable(QStringLiteral("webhook add on-push: ") + cli.describe()));
    cli = m_tidings->runCli({QStringLiteral("webhook"), QStringLiteral("add"), QStringLiteral("--name"),
                             QStringLiteral("on-delete"), QStringLiteral("--url"),
                             m_deleteSink->url().toString(), QStringLiteral("--actions"),
                             QStringLiteral("delete")});
    QVERIFY2(cli.exitCode == 0, qPrintable(QStringLiteral("webhook add on-delete: ") + cli.describe()));

    // Tidings, then the registry pointed at its intake.
    const QByteArray token = randomHex(16).toLatin1();
    QString error;
    QVERIFY2(m_tidings->startServe({QStringLiteral("--intake-token"), QString::fromLatin1(token)}, &error),
             qPrintable(error));
    qInfo() << "intake" << m_tidings->intakeUrl().toString();
    m_registry = std::make_unique<RegistryProcess>();
    QVERIFY2(m_registry->start(m_tidings->intakeUrl(), token, &error), qPrintable(error));

    // Push a brand-new image.
    OciImageBuilder image;
    const QString ociDir = m_dir->filePath(QStringLiteral("oci"));
    QVERIFY2(image.build(ociDir, QStringLiteral("1.0"), &error), qPrintable(error));
    const QString repository = QStringLiteral("e2e/app-") + randomHex(4);
    const SkopeoResult copied =
        m_registry->copy(ociDir, QStringLiteral("1.0"), repository + QStringLiteral(":1.0"));
    QVERIFY2(copied.ok, qPrintable(copied.describe()));

    // Exactly one delivery to on-push: the manifest push with the tag. The two blob pushes go nowhere.
    QTRY_COMPARE_WITH_TIMEOUT(m_pushSink->count(), 1, 20000);
    QTest::qWait(3000); // a duplicate or a stray blob event would arrive right behind the first
    QCOMPARE(m_pushSink->count(), 1);
    QCOMPARE(m_deleteSink->count(), 0);

    const CapturedRequest pushed = m_pushSink->requests().constFirst();
    QCOMPARE(pushed.method, QByteArray("POST"));
    QCOMPARE(pushed.header("content-type"), QByteArray("application/vnd.docker.distribution.events.v1+json"));
    const QJsonArray pushEvents = eventsOf(pushed);
    QVERIFY2(pushEvents.size() == 1, pushed.body.constData());
    const QJsonObject pushEvent = pushEvents.at(0).toObject();
    const QJsonObject pushTarget = pushEvent.value(QStringLiteral("target")).toObject();
    QCOMPARE(pushEvent.value(QStringLiteral("action")).toString(), QStringLiteral("push"));
    QCOMPARE(pushTarget.value(QStringLiteral("repository")).toString(), repository);
    QCOMPARE(pushTarget.value(QStringLiteral("tag")).toString(), QStringLiteral("1.0"));
    QCOMPARE(pushTarget.value(QStringLiteral("digest")).toString(), image.manifestDigest());
    const QString problem = signatureProblem(secret, pushed);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const QDateTime eventTime = parseRfc3339(pushEvent.value(QStringLiteral("timestamp")).toString());
    QVERIFY2(eventTime.isValid(), qPrintable(pushEvent.value(QStringLiteral("timestamp")).toString()));
    qInfo().noquote() << QStringLiteral(
                             "push latency: registry event timestamp -> subscriber %1 ms; skopeo copy "
                             "exit -> subscriber %2 ms")
                             .arg(eventTime.msecsTo(pushed.receivedAt))
                             .arg(copied.finishedAt.msecsTo(pushed.receivedAt));

    // What Tidings recorded says the same: one succeeded delivery, nothing for on-delete, no blob events.
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesIn(QStringLiteral("on-push"), QStringLiteral("succeeded")), 1, 10000);
    const QJsonArray recorded = listDeliveries();
    QCOMPARE(recorded.size(), 1);
    const QJsonObject delivery = recorded.at(0).toObject();
    QCOMPARE(delivery.value(QStringLiteral("action")).toString(), QStringLiteral("push"));
    QCOMPARE(delivery.value(QStringLiteral("repository")).toString(), repository);
    QCOMPARE(delivery.value(QStringLiteral("tag")).toString(), QStringLiteral("1.0"));
    QCOMPARE(delivery.value(QStringLiteral("attempts")).toInt(), 1);
    QCOMPARE(delivery.value(QStringLiteral("lastStatus")).toInt(), 200);

    // Delete the tag: skopeo resolves it and deletes the manifest, and the registry reports the digest and
    // the tag as two delete events (its GET of the manifest also yields a pull event, which nobody wants).
    const SkopeoResult deleted = m_registry->deleteImage(repository + QStringLiteral(":1.0"));
    QVERIFY2(deleted.ok, qPrintable(deleted.describe()));
    QTRY_VERIFY_WITH_TIMEOUT(m_deleteSink->count() >= 1, 20000);
    QTest::qWait(3000);
    QCOMPARE(m_pushSink->count(), 1);
    bool namesTheImage = false;
    const QList<CapturedRequest> deletes = m_deleteSink->requests();
    for (const CapturedRequest &request : deletes) {
        const QJsonArray events = eventsOf(request);
        QVERIFY2(!events.isEmpty(), request.body.constData());
        for (const QJsonValue &value : events) {
            const QJsonObject event = value.toObject();
            const QJsonObject target = event.value(QStringLiteral("target")).toObject();
            QCOMPARE(event.value(QStringLiteral("action")).toString(), QStringLiteral("delete"));
            QCOMPARE(target.value(QStringLiteral("repository")).toString(), repository);
            if (target.value(QStringLiteral("tag")).toString() == QStringLiteral("1.0") ||
                target.value(QStringLiteral("digest")).toString() == image.manifestDigest()) {
                namesTheImage = true;
            }
        }
    }
    QVERIFY2(namesTheImage, "no delete event names tag 1.0 or the manifest digest");
    const QDateTime deleteTime = parseRfc3339(
        eventsOf(deletes.constFirst()).at(0).toObject().value(QStringLiteral("timestamp")).toString());
    qInfo().noquote() << QStringLiteral(
                             "delete: %1 deliveries; latency: registry event timestamp -> subscriber %2 "
                             "ms; skopeo delete exit -> subscriber %3 ms")
                             .arg(deletes.size())
                             .arg(deleteTime.msecsTo(deletes.constFirst().receivedAt))
                             .arg(deleted.finishedAt.msecsTo(deletes.constFirst().receivedAt));

    // Service managers stop Tidings with SIGTERM: it must finish in-flight work and exit 0.
    m_registry->stop();
    QVERIFY2(m_tidings->stop(), qPrintable(QStringLiteral("serve exit code %1 after SIGTERM; stderr: %2")
                                               .arg(m_tidings->serveExitCode())
                                               .arg(QString::fromLocal8Bit(m_tidings->serveStderr()))));
}

QTEST_GUILESS_MAIN(TestRegistry)
#include "tst_registry.moc"
