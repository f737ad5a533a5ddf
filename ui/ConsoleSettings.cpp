#include "ConsoleSettings.h"

#include <QSettings>

namespace {
constexpr qint64 dayMs = qint64(24) * 3600 * 1000;
}

ConsoleSettings ConsoleSettings::fromConfig(const EngineConfig &config)
{
    ConsoleSettings s;
    s.listenPort = config.listenPort;
    s.pollIntervalSeconds = std::max(1, config.pollIntervalMs / 1000);
    s.retentionDays = int(config.retention.maxAgeMs / dayMs);
    return s;
}

ConsoleSettings ConsoleSettings::load(QSettings &settings, const EngineConfig &defaults)
{
    ConsoleSettings s = fromConfig(defaults);
    settings.beginGroup(QStringLiteral("engine"));
    s.listenPort = settings.value(QStringLiteral("listenPort"), s.listenPort).toInt();
    s.pollIntervalSeconds =
        settings.value(QStringLiteral("pollIntervalSeconds"), s.pollIntervalSeconds).toInt();
    s.retentionDays = settings.value(QStringLiteral("retentionDays"), s.retentionDays).toInt();
    s.databaseLocation = settings.value(QStringLiteral("databaseLocation")).toString();
    settings.endGroup();
    return s;
}

void ConsoleSettings::save(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("engine"));
    settings.setValue(QStringLiteral("listenPort"), listenPort);
    settings.setValue(QStringLiteral("pollIntervalSeconds"), pollIntervalSeconds);
    settings.setValue(QStringLiteral("retentionDays"), retentionDays);
    if (databaseLocation.isEmpty())
        settings.remove(QStringLiteral("databaseLocation"));
    else
        settings.setValue(QStringLiteral("databaseLocation"), databaseLocation);
    settings.endGroup();
}

void ConsoleSettings::applyTo(EngineConfig *config) const
{
    if (listenPort >= 0 && listenPort <= 65535)
        config->listenPort = quint16(listenPort);
    if (pollIntervalSeconds > 0)
        config->pollIntervalMs = pollIntervalSeconds * 1000;
    if (retentionDays >= 0)
        config->retention.maxAgeMs = retentionDays * dayMs;
}

QString ConsoleSettings::databaseFor(const QString &given, bool explicitlyGiven) const
{
    if (explicitlyGiven || databaseLocation.isEmpty())
        return given;
    return databaseLocation;
}
