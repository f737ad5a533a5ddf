// Secret rotation with a grace period, end to end over loopback: during the grace period every delivery
// carries two Standard Webhooks signatures (new and previous secret), each verifying as a receiver checks
// it; once it is over only the new one. Through the engine facade, the REST admin API and the CLI.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"
#include "WebhookSignature.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

namespace {

const QByteArray kAdminToken = QByteArrayLiteral("admin-token-for-rotation-tests");

WebhookSignature::Verdict verdictOf(const CapturedRequest &request, const QString &secret)
{
    QByteArray key;
    if (!WebhookSignature::decodeSecret(secret, &key))
        return WebhookSignature::Verdict::MalformedHeader;
    return WebhookSignature::verify(key, request.header("webhook-id"), request.header("webhook-timestamp"),
                                    request.body, request.header("webhook-signature"),
                                    QDateTime::currentSecsSinceEpoch());
}

qsizetype signatureCount(const CapturedRequest &request)
{
    return request.header("webhook-signature").simplified().split(' ').size();
}

} // namespace

class TestSecretRotation : public QObject
{
    Q_OBJECT

private:
    static WebhookConfig signedWebhook(EngineFixture &fixture, const HttpSink &sink)
    {
        WebhookConfig webhook;
        webhook.name = QStringLiteral("rotating");
        webhook.url = sink.url().toString();
        webhook.secret = WebhookSignature::generateSecret();
        return fixture.addWebhook(webhook);
    }
    static bool deliverOne(EngineFixture &fixture, HttpSink &sink)
    {
        const int before = sink.count();
        if (IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf({})).status != 202)
            return false;
        QElapsedTimer clock;
        clock.start();
        while (sink.count() == before && clock.elapsed() < 10000)
            QTest::qWait(20);
        return sink.count() == before + 1;
    }
    static WebhookConfig rotate(EngineFixture &fixture, qint64 webhookId, qint64 graceSeconds)
    {
        QSignalSpy rotated(fixture.engine(), &Engine::secretRotated);
        fixture.engine()->rotateSecret(webhookId, graceSeconds);
        if (!rotated.wait(5000) && rotated.isEmpty())
            return {};
        if (!rotated.at(0).at(1).toString().isEmpty())
            qWarning() << rotated.at(0).at(1).toString();
        return rotated.at(0).at(0).value<WebhookConfig>();
    }
    static IntakeClient::Answer admin(EngineFixture &fixture, const QByteArray &method, const QString &path,
                                      const QByteArray &body = {})
    {
        QUrl url = fixture.intakeUrl();
        url.setPath(path.section(QLatin1Char('?'), 0, 0));
        url.setQuery(path.section(QLatin1Char('?'), 1));
        return IntakeClient(fixture.intakeUrl(), kAdminToken)
            .send(method, url, body, body.isEmpty() ? QByteArray() : QByteArrayLiteral("application/json"));
    }

private slots:
    void bothSignaturesDuringTheGracePeriodThenOnlyTheNewOne();
    void zeroGraceAndHandSetSecretsStopTheOldSecretAtOnce();
    void restRotateSecret();
    void cliRotateSecret();
};

void TestSecretRotation::bothSignaturesDuringTheGracePeriodThenOnlyTheNewOne()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    const WebhookConfig original = signedWebhook(fixture, sink);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    const WebhookConfig rotated = rotate(fixture, original.id, 2);
    QVERIFY(!rotated.secret.isEmpty());
    QVERIFY(rotated.secret != original.secret);
    QCOMPARE(rotated.previousSecret, original.secret);
    QVERIFY(rotated.previousSecretExpiresAt > QDateTime::currentDateTimeUtc());
    QVERIFY(rotated.previousSecretExpiresAt <= QDateTime::currentDateTimeUtc().addSecs(2));

    // During the grace period: "v1,<new> v1,<old>", each verifying with its own secret.
    QVERIFY(deliverOne(fixture, sink));
    CapturedRequest request = sink.requests().constLast();
    if (request.receivedAt < rotated.previousSecretExpiresAt) {
        QCOMPARE(signatureCount(request), 2);
        QCOMPARE(verdictOf(request, rotated.secret), WebhookSignature::Verdict::Valid);
        QCOMPARE(verdictOf(request, original.secret), WebhookSignature::Verdict::Valid);
        QByteArray newKey;
        QVERIFY(WebhookSignature::decodeSecret(rotated.secret, &newKey));
        QCOMPARE(request.header("webhook-signature").split(' ').at(0),
                 WebhookSignature::sign(newKey, request.header("webhook-id"),
                                        request.header("webhook-timestamp").toLongLong(), request.body));
    } else {
        QWARN("the machine was too slow to deliver within the 2 s grace period; checking the end only");
    }

    // After it: the new signature only; the old secret no longer verifies.
    QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentDateTimeUtc() > rotated.previousSecretExpiresAt, 5000);
    QVERIFY(deliverOne(fixture, sink));
    request = sink.requests().constLast();
    QCOMPARE(signatureCount(request), 1);
    QCOMPARE(verdictOf(request, rotated.secret), WebhookSignature::Verdict::Valid);
    QCOMPARE(verdictOf(request, original.secret), WebhookSignature::Verdict::NoMatchingSignature);
}

void TestSecretRotation::zeroGraceAndHandSetSecretsStopTheOldSecretAtOnce()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    const WebhookConfig original = signedWebhook(fixture, sink);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    const WebhookConfig immediate = rotate(fixture, original.id, 0);
    QVERIFY(!immediate.secret.isEmpty());
    QVERIFY(immediate.previousSecret.isEmpty());
    QVERIFY(!immediate.previousSecretExpiresAt.isValid());
    QVERIFY(deliverOne(fixture, sink));
    QCOMPARE(signatureCount(sink.requests().constLast()), 1);
    QCOMPARE(verdictOf(sink.requests().constLast(), original.secret),
             WebhookSignature::Verdict::NoMatchingSignature);

    // A long grace period, then a secret set by hand (the editor, PATCH): that replaces it outright.
    const WebhookConfig graced = rotate(fixture, original.id, 3600);
    QCOMPARE(graced.previousSecret, immediate.secret);
    WebhookConfig edited = *fixture.store().webhook(original.id);
    edited.secret = WebhookSignature::generateSecret();
    QSignalSpy saved(fixture.engine(), &Engine::webhookSaved);
    fixture.engine()->saveWebhook(edited);
    QVERIFY(saved.wait(5000));
    const WebhookConfig stored = *fixture.store().webhook(original.id);
    QCOMPARE(stored.secret, edited.secret);
    QVERIFY(stored.previousSecret.isEmpty());
    QVERIFY(!stored.previousSecretExpiresAt.isValid());
    // Saving other fields keeps a grace period running.
    const WebhookConfig regraced = rotate(fixture, original.id, 3600);
    WebhookConfig renamed = regraced;
    renamed.timeoutMs = 9000;
    fixture.engine()->saveWebhook(renamed);
    QVERIFY(saved.wait(5000));
    QCOMPARE(fixture.store().webhook(original.id)->previousSecret, edited.secret);

    // Out of range: refused with the reason, nothing changed.
    QSignalSpy refused(fixture.engine(), &Engine::secretRotated);
    fixture.engine()->rotateSecret(original.id, -5);
    QVERIFY(refused.wait(5000));
    QVERIFY2(refused.at(0).at(1).toString().contains(QLatin1String("grace period")),
             qPrintable(refused.at(0).at(1).toString()));
    QCOMPARE(fixture.store().webhook(original.id)->secret, regraced.secret);
}

void TestSecretRotation::restRotateSecret()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    const WebhookConfig original = signedWebhook(fixture, sink);
    EngineConfig config = fixture.config();
    config.adminToken = kAdminToken;
    QVERIFY2(fixture.start(config), qPrintable(fixture.lastError()));
    const QString path = QStringLiteral("/v1/admin/webhooks/%1/rotate-secret").arg(original.id);

    IntakeClient::Answer answer =
        admin(fixture, "POST", path, QByteArrayLiteral("{\"gracePeriodSeconds\": 3600}"));
    QVERIFY2(answer.status == 200, answer.body.constData());
    const QString newSecret = answer.json().value(QStringLiteral("secret")).toString();
    QVERIFY(newSecret.startsWith(QLatin1String("whsec_")) && newSecret != original.secret);
    const QDateTime until = QDateTime::fromString(
        answer.json().value(QStringLiteral("previousSecretExpiresAt")).toString(), Qt::ISODateWithMs);
    QVERIFY(until.isValid());
    QVERIFY(qAbs(until.secsTo(QDateTime::currentDateTimeUtc().addSecs(3600))) < 60);
    QVERIFY2(!answer.body.contains(original.secret.toUtf8()), "the previous secret must never be shown");

    // The webhook shows until when, never the old secret; the next delivery carries both signatures.
    answer =
        admin(fixture, "GET", QStringLiteral("/v1/admin/webhooks/%1?revealSecret=true").arg(original.id));
    QVERIFY(!answer.json().value(QStringLiteral("previousSecretExpiresAt")).toString().isEmpty());
    QVERIFY(!answer.body.contains(original.secret.toUtf8()));
    QVERIFY(deliverOne(fixture, sink));
    QCOMPARE(signatureCount(sink.requests().constLast()), 2);
    QCOMPARE(verdictOf(sink.requests().constLast(), original.secret), WebhookSignature::Verdict::Valid);
    QCOMPARE(verdictOf(sink.requests().constLast(), newSecret), WebhookSignature::Verdict::Valid);

    // 0: immediate; previousSecretExpiresAt is null.
    answer = admin(fixture, "POST", path, QByteArrayLiteral("{\"gracePeriodSeconds\": 0}"));
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.json().value(QStringLiteral("previousSecretExpiresAt")).isNull());

    // Bad bodies: 400 with the reason.
    for (const QByteArray &body :
         {QByteArrayLiteral("{\"gracePeriodSeconds\": -1}"),
          QByteArrayLiteral("{\"gracePeriodSeconds\": 1.5}"),
          QByteArrayLiteral("{\"gracePeriodSeconds\": \"24h\"}"), QByteArrayLiteral("{\"grace\": 60}")}) {
        answer = admin(fixture, "POST", path, body);
        QVERIFY2(answer.status == 400, body.constData());
    }
    // No body: the default grace period (24 h).
    answer = admin(fixture, "POST", path);
    QCOMPARE(answer.status, 200);
    const QDateTime defaultUntil = QDateTime::fromString(
        answer.json().value(QStringLiteral("previousSecretExpiresAt")).toString(), Qt::ISODateWithMs);
    QVERIFY(qAbs(defaultUntil.secsTo(QDateTime::currentDateTimeUtc().addSecs(86400))) < 60);
}

void TestSecretRotation::cliRotateSecret()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    HttpSink sink;
    QVERIFY(sink.start());
    const WebhookConfig original = signedWebhook(fixture, sink);

    // On the database.
    TidingsProcess cli(fixture.databaseLocation());
    CliResult result =
        cli.runCli({QStringLiteral("webhook"), QStringLiteral("rotate-secret"), QStringLiteral("rotating"),
                    QStringLiteral("--grace"), QStringLiteral("2h")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    WebhookConfig stored = *fixture.store().webhook(original.id);
    QVERIFY(result.out.contains(stored.secret.toUtf8()));
    QVERIFY(!result.out.contains(original.secret.toUtf8()));
    QVERIFY2(result.out.contains("until"), result.out.constData());
    QCOMPARE(stored.previousSecret, original.secret);
    QVERIFY(qAbs(stored.previousSecretExpiresAt.secsTo(QDateTime::currentDateTimeUtc().addSecs(7200))) < 60);
    result = cli.runCli({QStringLiteral("webhook"), QStringLiteral("rotate-secret"),
                         QStringLiteral("rotating"), QStringLiteral("--grace"), QStringLiteral("soon")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains("--grace"), result.err.constData());

    if (EngineFixture::backend() != QLatin1String("sqlite"))
        return; // serve on a private database file below
    // With --server.
    QTemporaryDir dir;
    TidingsProcess server(dir.filePath(QStringLiteral("server.db")));
    QString error;
    QVERIFY2(server.startServe({QStringLiteral("--admin-token"), QString::fromLatin1(kAdminToken)}, &error),
             qPrintable(error));
    QUrl base = server.intakeUrl();
    base.setPath(QString());
    const QStringList remote{QStringLiteral("--server"), base.toString(), QStringLiteral("--token"),
                             QString::fromLatin1(kAdminToken)};
    result = server.runCli(remote + QStringList{QStringLiteral("webhook"), QStringLiteral("add"),
                                                QStringLiteral("--name"), QStringLiteral("remote"),
                                                QStringLiteral("--url"), sink.url().toString(),
                                                QStringLiteral("--secret"), original.secret});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    result = server.runCli(remote + QStringList{QStringLiteral("webhook"), QStringLiteral("rotate-secret"),
                                                QStringLiteral("remote"), QStringLiteral("--grace"),
                                                QStringLiteral("24h")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("whsec_") && result.out.contains("until"), result.out.constData());
    QVERIFY(!result.out.contains(original.secret.toUtf8()));
    const QString newSecret = QString::fromUtf8(result.out)
                                  .section(QStringLiteral(": "), 1, 1)
                                  .section(QLatin1Char('\n'), 0, 0)
                                  .trimmed();
    QVERIFY2(newSecret.startsWith(QLatin1String("whsec_")), qPrintable(newSecret));
    QTest::qWait(1500); // serve routes with the webhook set of its last change check
    sink.clear();
    QCOMPARE(IntakeClient(server.intakeUrl()).post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 10000);
    QCOMPARE(signatureCount(sink.requests().constFirst()), 2);
    QCOMPARE(verdictOf(sink.requests().constFirst(), original.secret), WebhookSignature::Verdict::Valid);
    QCOMPARE(verdictOf(sink.requests().constFirst(), newSecret), WebhookSignature::Verdict::Valid);
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestSecretRotation)
#include "tst_secretrotation.moc"
