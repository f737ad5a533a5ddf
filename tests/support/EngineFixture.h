#pragma once

#include "Engine.h"
#include "Store.h"

#include <QTemporaryDir>

#include <memory>

// A real engine on a fresh database (a SQLite file in a temporary directory, or a database on a private
// PostgreSQL cluster when TIDINGS_TEST_BACKEND=postgresql), listening on a free loopback port, plus a
// second store connection for the test to arrange and inspect data the way the CLI would.
class EngineFixture
{
public:
    EngineFixture();
    ~EngineFixture();

    bool isValid() const { return m_dir.isValid() && m_store && m_store->isOpen(); }
    // The SQLite file (tests that look at the file itself run on SQLite only).
    QString databasePath() const { return m_dir.filePath(QStringLiteral("tidings.db")); }
    // What the engine opens: the file path or a postgresql:// URL.
    QString databaseLocation() const { return m_location; }
    // "sqlite" or "postgresql", from TIDINGS_TEST_BACKEND.
    static QString backend();
    // For tests that hand a database to the `tidings` binary: `sqlitePath` on SQLite, a new database on the
    // test process's private cluster on PostgreSQL (empty, with `error` set, when that cannot start).
    static QString freshLocation(const QString &sqlitePath, QString *error = nullptr);
    Store &store() { return *m_store; }
    Engine *engine() { return m_engine.get(); }
    QUrl intakeUrl() const { return m_engine ? m_engine->intakeUrl() : QUrl(); }

    // A config for this fixture's database: loopback, port 0, the given poll interval.
    EngineConfig config(int pollIntervalMs = 10000) const;
    // Starts an engine and waits until it listens (or fails: then returns false and sets lastError).
    bool start(const EngineConfig &config);
    bool start() { return start(config()); }
    bool stop();
    QString lastError() const { return m_lastError; }

    // Adds a webhook through the test's own connection; returns it with its id.
    WebhookConfig addWebhook(WebhookConfig webhook);
    // Waits (running the event loop) until the delivery reaches `state`, or the time is up.
    bool waitForState(qint64 deliveryId, DeliveryState state, int timeoutMs = 10000);
    QList<DeliveryRecord> deliveriesOf(qint64 webhookId);

private:
    QTemporaryDir m_dir;
    QString m_location;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Engine> m_engine;
    QString m_lastError;
};
