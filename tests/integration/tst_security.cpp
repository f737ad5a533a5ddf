// Security of outgoing deliveries: the SSRF guard against real loopback endpoints, TLS verification against a
// real TLS server with a self-signed certificate, and secrets kept out of the attempt log.
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "WebhookSignature.h"

#include <QFile>
#include <QProcess>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTest>

namespace {

// A minimal HTTPS endpoint: answers every request with 200 once the TLS handshake is through.
class TlsSink : public QObject
{
public:
    bool start(const QString &certificatePath, const QString &keyPath)
    {
        QFile certificateFile(certificatePath);
        QFile keyFile(keyPath);
        if (!certificateFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
            return false;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(certificateFile.readAll(), QSsl::Pem));
        tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa, QSsl::Pem));
        m_server.setSslConfiguration(tls);
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_buffer += socket->readAll();
                    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    ++requests;
                    m_buffer.clear();
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    int requests = 0;

private:
    QSslServer m_server;
    QByteArray m_buffer;
};

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

private:
    static EngineConfig guarded(EngineFixture &fixture, const QStringList &allow = {})
    {
        EngineConfig config = fixture.config();
        config.destinationGuard = EngineConfig::DestinationGuard::On;
        config.allowedDestinations = allow;
        return config;
    }
    static AttemptRecord onlyAttempt(EngineFixture &fixture, qint64 webhookId, DeliveryState state)
    {
        QList<DeliveryRecord> deliveries;
        for (int i = 0; i < 300 && deliveries.isEmpty(); ++i) {
            deliveries = fixture.deliveriesOf(webhookId);
            QTest::qWait(10);
        }
        if (deliveries.isEmpty() || !fixture.waitForState(deliveries.first().id, state))
            return {};
        const QList<AttemptRecord> attempts = fixture.store().attempts(deliveries.first().id);
        return attempts.isEmpty() ? AttemptRecord() : attempts.first();
    }
    // The request headers as the attempt log stored them, one "Name: value" line each.
    static QByteArray storedHeaders(const AttemptRecord &attempt)
    {
        QByteArray stored;
        for (const auto &header : attempt.requestHeaders)
            stored += header.first + ": " + header.second + "\n";
        return stored;
    }

private slots:
    void guardBlocksLoopbackAndPrivateDestinations();
    void guardJudgesTheResolvedAddressOfAName();
    void allowlistLetsTrustedTargetsThroughPinnedToTheCheckedAddress();
    void guardIsAutomaticForPublicListenersOnly();
    void tlsIsVerifiedUnlessTheWebhookSaysOtherwise();
    void secretsStayOutOfTheAttemptLog();
    void credentialsInTheUrlAreSentAsBasicAuthAndKeptOutOfTheLog();
};

void TestSecurity::guardBlocksLoopbackAndPrivateDestinations()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig loopback;
    loopback.name = QStringLiteral("loopback");
    loopback.url = sink.url().toString();
    loopback = fixture.addWebhook(loopback);
    WebhookConfig metadata;
    metadata.name = QStringLiteral("metadata");
    metadata.url = QStringLiteral("http://169.254.169.254/latest/meta-data/");
    metadata = fixture.addWebhook(metadata);
    QVERIFY(fixture.start(guarded(fixture)));
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    for (const WebhookConfig &webhook : {loopback, metadata}) {
        const AttemptRecord attempt = onlyAttempt(fixture, webhook.id, DeliveryState::Failed);
        QCOMPARE(attempt.errorClass, QStringLiteral("blocked"));
        QCOMPARE(attempt.responseStatus, 0);
        QVERIFY2(attempt.errorMessage.contains(QStringLiteral("blocked")), qPrintable(attempt.errorMessage));
    }
    QVERIFY(onlyAttempt(fixture, loopback.id, DeliveryState::Failed)
                .errorMessage.contains(QStringLiteral("loopback")));
    QVERIFY(onlyAttempt(fixture, metadata.id, DeliveryState::Failed)
                .errorMessage.contains(QStringLiteral("metadata")));
    // Refused without a single byte sent, and not retried: only the allowlist can change the answer.
    QCOMPARE(sink.count(), 0);
    QCOMPARE(fixture.store().attempts(fixture.deliveriesOf(loopback.id).first().id).size(), 1);
}

void TestSecurity::guardJudgesTheResolvedAddressOfAName()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig byName;
    byName.name = QStringLiteral("by-name");
    byName.url = QStringLiteral("http://localhost:%1/hook").arg(sink.port());
    byName = fixture.addWebhook(byName);
    QVERIFY(fixture.start(guarded(fixture)));
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    const AttemptRecord attempt = onlyAttempt(fixture, byName.id, DeliveryState::Failed);
    QCOMPARE(attempt.errorClass, QStringLiteral("blocked"));
    QVERIFY2(attempt.errorMessage.contains(QStringLiteral("localhost resolves to")),
             qPrintable(attempt.errorMessage));
    QCOMPARE(sink.count(), 0);
}

void TestSecurity::allowlistLetsTrustedTargetsThroughPinnedToTheCheckedAddress()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig trusted;
    trusted.name = QStringLiteral("trusted");
    trusted.url = QStringLiteral("http://localhost:%1/hook").arg(sink.port());
    trusted = fixture.addWebhook(trusted);
    QVERIFY(fixture.start(guarded(fixture, {QStringLiteral("127.0.0.0/8"), QStringLiteral("::1")})));
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    QCOMPARE(onlyAttempt(fixture, trusted.id, DeliveryState::Succeeded).responseStatus, 200);
    QCOMPARE(sink.count(), 1);
    // The connection went to the checked address, and the server still saw the name it was configured with.
    QCOMPARE(sink.requests().first().header("host"),
             QByteArray("localhost:") + QByteArray::number(sink.port()));
}

void TestSecurity::guardIsAutomaticForPublicListenersOnly()
{
    EngineFixture fixture;
    EngineConfig local = fixture.config();
    QVERIFY(
        !local.destinationGuardEnabled()); // the desktop console's loopback intake: localhost targets allowed
    EngineConfig server = local;
    server.listenAddress = QHostAddress(QHostAddress::AnyIPv4);
    QVERIFY(server.destinationGuardEnabled());
    server.destinationGuard = EngineConfig::DestinationGuard::Off;
    QVERIFY(!server.destinationGuardEnabled());
    EngineConfig badAllowlist = local;
    badAllowlist.allowedDestinations = {QStringLiteral("not-an-address")};
    QVERIFY(badAllowlist.validate().contains(QStringLiteral("--allow-destination")));
}

void TestSecurity::tlsIsVerifiedUnlessTheWebhookSaysOtherwise()
{
    QTemporaryDir dir;
    const QString certificate = dir.filePath(QStringLiteral("cert.pem"));
    const QString key = dir.filePath(QStringLiteral("key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"), key,
                   QStringLiteral("-out"), certificate, QStringLiteral("-days"), QStringLiteral("1"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1")});
    QVERIFY2(openssl.waitForFinished(30000) && openssl.exitCode() == 0,
             "openssl could not make a test certificate; `make test` installs the openssl package");
    TlsSink sink;
    QVERIFY(sink.start(certificate, key));

    EngineFixture fixture;
    WebhookConfig verified;
    verified.name = QStringLiteral("verified");
    verified.url = QStringLiteral("https://localhost:%1/hook").arg(sink.port());
    verified.maxAttempts = 1;
    verified = fixture.addWebhook(verified);
    WebhookConfig insecure = verified;
    insecure.name = QStringLiteral("insecure");
    insecure.tlsSkipVerify = true;
    insecure = fixture.addWebhook(insecure);
    QVERIFY(fixture.start());
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    const AttemptRecord refused = onlyAttempt(fixture, verified.id, DeliveryState::Failed);
    QCOMPARE(refused.errorClass, QStringLiteral("tls"));
    const AttemptRecord accepted = onlyAttempt(fixture, insecure.id, DeliveryState::Succeeded);
    QVERIFY2(accepted.responseStatus == 200,
             qPrintable(accepted.errorClass + QLatin1Char(' ') + accepted.errorMessage));
    QCOMPARE(sink.requests, 1); // only the webhook that skips verification got through
    QVERIFY(fixture.store().webhook(insecure.id)->tlsSkipVerify);
}

void TestSecurity::secretsStayOutOfTheAttemptLog()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("secretive");
    webhook.url = sink.url().toString();
    webhook.secret = WebhookSignature::generateSecret();
    webhook.headers = {{QStringLiteral("Authorization"), QStringLiteral("Bearer hunter2-token")},
                       {QStringLiteral("X-Api-Token"), QStringLiteral("abc123secret")}};
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);
    const AttemptRecord attempt = onlyAttempt(fixture, webhook.id, DeliveryState::Succeeded);
    // The receiver gets the real values; the stored record does not hold them.
    QCOMPARE(sink.requests().first().header("authorization"), QByteArray("Bearer hunter2-token"));
    const QByteArray stored = storedHeaders(attempt);
    QVERIFY2(!stored.contains("hunter2"), stored.constData());
    QVERIFY2(!stored.contains("abc123secret"), stored.constData());
    QVERIFY2(stored.contains("Authorization: Bearer ********"), stored.constData());
    QVERIFY(!stored.contains(webhook.secret.toLatin1()));
    QVERIFY(!attempt.requestBody.contains(webhook.secret.toLatin1()));
}

void TestSecurity::credentialsInTheUrlAreSentAsBasicAuthAndKeptOutOfTheLog()
{
    EngineFixture fixture;
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig withCredentials;
    withCredentials.name = QStringLiteral("with-credentials");
    withCredentials.url = QStringLiteral("http://deploy:p%40ss-w0rd@127.0.0.1:%1/hook").arg(sink.port());
    withCredentials = fixture.addWebhook(withCredentials);
    // A webhook's own Authorization header is what it asked for: the URL's credentials do not replace it.
    WebhookConfig ownHeader = withCredentials;
    ownHeader.name = QStringLiteral("own-header");
    ownHeader.url = QStringLiteral("http://deploy:p%40ss-w0rd@127.0.0.1:%1/own").arg(sink.port());
    ownHeader.headers = {{QStringLiteral("Authorization"), QStringLiteral("Bearer abc")}};
    ownHeader = fixture.addWebhook(ownHeader);
    QVERIFY(fixture.start());
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(EventFactory::Spec{})).status,
             202);

    const AttemptRecord attempt = onlyAttempt(fixture, withCredentials.id, DeliveryState::Succeeded);
    QVERIFY(onlyAttempt(fixture, ownHeader.id, DeliveryState::Succeeded).id > 0);
    QCOMPARE(sink.count(), 2);
    QHash<QByteArray, QByteArray> authorizationByPath;
    for (const CapturedRequest &request : sink.requests())
        authorizationByPath.insert(request.path, request.header("authorization"));
    QCOMPARE(authorizationByPath.value("/hook"), "Basic " + QByteArray("deploy:p@ss-w0rd").toBase64());
    QCOMPARE(authorizationByPath.value("/own"), QByteArray("Bearer abc"));
    // The log keeps neither the password in the URL nor the header's value.
    QCOMPARE(attempt.url, QStringLiteral("http://deploy@127.0.0.1:%1/hook").arg(sink.port()));
    const QByteArray stored = storedHeaders(attempt);
    QVERIFY2(stored.contains("Authorization: Basic ********"), stored.constData());
    QVERIFY2(!stored.contains(QByteArray("deploy:p@ss-w0rd").toBase64()), stored.constData());
}

QTEST_GUILESS_MAIN(TestSecurity)
#include "tst_security.moc"
