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

    static ConsoleSettings fromConfig(const EngineConfig &config);
    static ConsoleSettings load(QSettings &settings, const EngineConfig &defaults);
    void save(QSettings &settings) const;
    void applyTo(EngineConfig *config) const;
};
