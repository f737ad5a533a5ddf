#pragma once

#include "RetentionSweeper.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

// Everything the engine needs to start. Filled by the command line (serve) or the desktop console.
struct EngineConfig
{
    static constexpr quint16 defaultPort = 8765;

    QString databaseLocation; // a SQLite file path
    bool listen = true;       // false: dispatch only, no intake
    QHostAddress listenAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 listenPort = defaultPort; // 0: any free port
    QByteArray intakeToken;           // required unless listening on loopback
    QByteArray metricsToken;          // GET /metrics wants it as a bearer token when set; open when empty
    // Bearer token of the admin API (/v1/admin/...). Empty: the admin API is off (404 with how to turn it
    // on). Must differ from the intake token: a registry holding that one must not manage webhooks.
    QByteArray adminToken;
    // A recovery job replays this many failed deliveries per transaction, then lets the engine serve the
    // intake and the dispatcher for recoveryIntervalMs before the next batch.
    int recoveryBatchSize = 200;
    int recoveryIntervalMs = 0;
    int pollIntervalMs = 10000; // fallback poll; commits wake the poller at once
    qsizetype maxBodyBytes = 1024 * 1024;
    // Intake connections (see HttpServerLimits): how many are served at once (more get a 503 and are closed),
    // how long a client may take to send a request head or body (then 408), and how long an unused keep-alive
    // connection stays open.
    int maxConnections = 1024;
    int headerTimeoutMs = 10000;
    int bodyTimeoutMs = 30000;
    int idleTimeoutMs = 60000;
    int externalChangeCheckMs = 1000; // how often to look for commits by the CLI
    int gracefulStopMs = 5000;        // in-flight attempts get this long to finish on stop
    // A claim holds a delivery for the attempt's deadline plus this margin. After a crash, the deliveries
    // that were in flight are sent again once their lease runs out, so a shorter margin resends sooner; it
    // must stay well above the time it takes to record an attempt (at least 1 s is enforced).
    int leaseMarginMs = 30000;
    // Full: WAL with synchronous=FULL, every acknowledged event survives a power loss. Normal:
    // synchronous=NORMAL, several times the commit rate; survives a crash of the process, may lose the last
    // commits on power loss.
    enum class Durability
    {
        Full,
        Normal
    };
    Durability durability = Durability::Full;
    // How long a write of the engine waits for another process's lock. Short: the engine thread also serves
    // the intake, and a registry would rather get a quick 503 than a timeout. (The CLI waits 5 s.)
    int busyTimeoutMs = 1000;
    RetentionPolicy retention; // how long finished history is kept
    // The SSRF guard (see DestinationPolicy). Automatic: on when the intake listens on a non-loopback address
    // (a server), off on loopback (the desktop console, where localhost targets are the point).
    enum class DestinationGuard
    {
        Automatic,
        On,
        Off
    };
    DestinationGuard destinationGuard = DestinationGuard::Automatic;
    QStringList allowedDestinations; // addresses or subnets the guard lets through
    bool destinationGuardEnabled() const;
    QString instanceId; // lease owner; generated when empty
    // Disable a webhook whose attempts have all failed for this long (see WebhookHealthMonitor); 0: never
    // (only a 410 Gone disables).
    qint64 disableAfterMs = 0;
    // Where operational events (a webhook was disabled) are POSTed as CloudEvents; empty: only logged.
    QString opsWebhookUrl;
    // Several instances on one PostgreSQL database: how often an instance that does not run housekeeping
    // (retention) tries to take it over, and the leader checks it still holds it (see HousekeepingLeader).
    int housekeepingCheckMs = 5000;

    // $TIDINGS_DB, else tidings.db under the user's data directory (~/.local/share/tidings).
    static QString defaultDatabaseLocation();

    // Why an operations webhook URL is unusable, or empty (an empty URL is fine: no operations webhook).
    static QString opsWebhookProblem(const QString &url);

    // Why this configuration cannot start, or empty. A non-loopback listener without a token is refused.
    QString validate() const;
};
