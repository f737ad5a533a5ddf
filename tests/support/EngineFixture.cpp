#include "EngineFixture.h"

#include "PostgresCluster.h"
#include "SqliteDialect.h"

#include <QSignalSpy>
#include <QTest>

EngineFixture::EngineFixture()
{
    QString error;
    // The engine tests run once per backend: ctest sets TIDINGS_TEST_BACKEND=postgresql for the second run,
    // and each fixture then gets a fresh database on the test process's private cluster.
    if (backend() == QLatin1String("postgresql")) {
        if (PostgresCluster *cluster = PostgresCluster::shared(&error))
            m_location = cluster->createDatabase(&error);
    } else {
        m_location = databasePath();
    }
    if (m_location.isEmpty()) {
        m_lastError = error;
        return;
    }
    m_store = std::make_unique<Store>(Store::dialectFor(m_location, &error));
    if (!m_store->open(m_location, &error))
        m_lastError = error;
}

QString EngineFixture::backend()
{
    const QString name = qEnvironmentVariable("TIDINGS_TEST_BACKEND");
    return name.isEmpty() ? QStringLiteral("sqlite") : name;
}

QString EngineFixture::freshLocation(const QString &sqlitePath, QString *error)
{
    if (backend() != QLatin1String("postgresql"))
        return sqlitePath;
    QString reason;
    QString location;
    if (PostgresCluster *cluster = PostgresCluster::shared(&reason))
        location = cluster->createDatabase(&reason);
    if (location.isEmpty()) {
        qWarning().noquote() << "no PostgreSQL database for the test:" << reason;
        if (error)
            *error = reason;
    }
    return location;
}

EngineFixture::~EngineFixture()
{
    stop();
}

EngineConfig EngineFixture::config(int pollIntervalMs) const
{
    EngineConfig config;
    config.databaseLocation = m_location;
    config.listenPort = 0;
    config.pollIntervalMs = pollIntervalMs;
    config.gracefulStopMs = 1000;
    return config;
}

bool EngineFixture::start(const EngineConfig &config)
{
    stop();
    m_engine = std::make_unique<Engine>(config);
    QSignalSpy started(m_engine.get(), &Engine::started);
    QSignalSpy failed(m_engine.get(), &Engine::failed);
    m_engine->start();
    QElapsedTimer clock;
    clock.start();
    while (started.isEmpty() && failed.isEmpty() && clock.elapsed() < 10000)
        QTest::qWait(10);
    if (started.isEmpty() && failed.isEmpty()) {
        m_lastError = QStringLiteral("the engine neither started nor failed within 10 s");
        return false;
    }
    if (!failed.isEmpty()) {
        m_lastError = failed.first().first().toString();
        return false;
    }
    return true;
}

bool EngineFixture::stop()
{
    if (!m_engine)
        return true;
    const bool stopped = m_engine->stopAndWait(15000);
    m_engine.reset();
    return stopped;
}

WebhookConfig EngineFixture::addWebhook(WebhookConfig webhook)
{
    webhook.id = m_store->insertWebhook(webhook);
    return webhook;
}

bool EngineFixture::waitForState(qint64 deliveryId, DeliveryState state, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        const std::optional<DeliveryRecord> delivery = m_store->delivery(deliveryId);
        if (delivery && delivery->state == state)
            return true;
        QTest::qWait(20);
    }
    return false;
}

QList<DeliveryRecord> EngineFixture::deliveriesOf(qint64 webhookId)
{
    DeliveryFilter filter;
    filter.webhookId = webhookId;
    filter.limit = 100000;
    return m_store->deliveries(filter);
}
