#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>

// Everything the engine needs to start. Filled by the command line (serve) or the desktop console.
struct EngineConfig
{
    static constexpr quint16 defaultPort = 8765;

    QString databaseLocation; // a SQLite file path
    bool listen = true;       // false: dispatch only, no intake
    QHostAddress listenAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 listenPort = defaultPort; // 0: any free port
    QByteArray intakeToken;           // required unless listening on loopback
    int pollIntervalMs = 10000;       // fallback poll; commits wake the poller at once
    qsizetype maxBodyBytes = 1024 * 1024;
    int externalChangeCheckMs = 1000; // how often to look for commits by the CLI
    int gracefulStopMs = 5000;        // in-flight attempts get this long to finish on stop
    QString instanceId;               // lease owner; generated when empty

    // $TIDINGS_DB, else tidings.db under the user's data directory (~/.local/share/tidings).
    static QString defaultDatabaseLocation();

    // Why this configuration cannot start, or empty. A non-loopback listener without a token is refused.
    QString validate() const;
};
