#pragma once

#include "EngineConfig.h"

class QSettings;

// The engine settings a person can change in the console (Settings screen). Kept in QSettings and applied
// when the console starts its engine.
struct ConsoleSettings
{
    int listenPort = EngineConfig::defaultPort;
    int pollIntervalSeconds = 10;
    int retentionDays = 30; // 0: keep everything
    // The database the console opens at its next start; empty: the default (or --db / TIDINGS_DB).
    QString databaseLocation;

    static ConsoleSettings fromConfig(const EngineConfig &config);
    static ConsoleSettings load(QSettings &settings, const EngineConfig &defaults);
    void save(QSettings &settings) const;
    void applyTo(EngineConfig *config) const;
    // The database to open: --db or TIDINGS_DB when given (`given` and `explicitlyGiven`), else the one
    // saved here, else `given` (the default location).
    QString databaseFor(const QString &given, bool explicitlyGiven) const;
};
