#include "EngineConfig.h"

#include "DestinationPolicy.h"

#include <QDir>
#include <QStandardPaths>
#include <QUrl>

QString EngineConfig::defaultDatabaseLocation()
{
    const QString fromEnvironment = qEnvironmentVariable("TIDINGS_DB");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    QString dataDir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (dataDir.isEmpty())
        dataDir = QDir::homePath() + QStringLiteral("/.local/share");
    return dataDir + QStringLiteral("/tidings/tidings.db");
}

QString EngineConfig::validate() const
{
    if (databaseLocation.isEmpty())
        return QStringLiteral("no database location given; pass --db PATH or set TIDINGS_DB");
    if (listen && !listenAddress.isLoopback() && intakeToken.isEmpty()) {
        return QStringLiteral(
                   "refusing to listen on %1 without an intake token: anyone who reaches the port could "
                   "inject events. Pass --intake-token TOKEN (or set TIDINGS_INTAKE_TOKEN), or listen on "
                   "127.0.0.1")
            .arg(listenAddress.toString());
    }
    QList<DestinationPolicy::Subnet> subnets;
    QString allowlistError;
    if (!DestinationPolicy::parseAllowlist(allowedDestinations, &subnets, &allowlistError))
        return QStringLiteral("--allow-destination: %1").arg(allowlistError);
    if (!adminToken.isEmpty() && adminToken == intakeToken)
        return QStringLiteral("the admin token must differ from the intake token: registries hold the intake "
                              "token, and they must not be able to change webhooks");
    if (pollIntervalMs < 50)
        return QStringLiteral("the poll interval must be at least 50 ms");
    if (maxBodyBytes < 1024)
        return QStringLiteral("the body limit must be at least 1 KiB");
    if (disableAfterMs < 0)
        return QStringLiteral("--disable-after must not be negative");
    return opsWebhookProblem(opsWebhookUrl);
}

QString EngineConfig::opsWebhookProblem(const QString &text)
{
    if (text.isEmpty())
        return {};
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return QStringLiteral("--ops-webhook \"%1\" is not an http:// or https:// URL with a host").arg(text);
    return {};
}

bool EngineConfig::destinationGuardEnabled() const
{
    switch (destinationGuard) {
    case DestinationGuard::On:
        return true;
    case DestinationGuard::Off:
        return false;
    case DestinationGuard::Automatic:
        break;
    }
    return listen && !listenAddress.isLoopback();
}
