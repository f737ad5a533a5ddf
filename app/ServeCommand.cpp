#include "ServeCommand.h"

#include "CommandContext.h"
#include "Engine.h"
#include "UnixSignalWatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QRegularExpression>

namespace {
const QString serveUsage =
    QStringLiteral("usage: tidings serve [--listen HOST:PORT] [--intake-token TOKEN] [--admin-token TOKEN]\n"
                   "                     [--poll-interval SECONDS]\n"
                   "                     [--body-limit BYTES] [--retention AGE] [--retention-per-webhook N]\n"
                   "                     [--destination-guard auto|on|off] [--allow-destination CIDR]...\n"
                   "                     [--durability full|normal]\n"
                   "                     [--lease-margin SECONDS]\n"
                   "environment: TIDINGS_LISTEN, TIDINGS_INTAKE_TOKEN, TIDINGS_ADMIN_TOKEN, "
                   "TIDINGS_POLL_INTERVAL, TIDINGS_LEASE_MARGIN, "
                   "TIDINGS_DB");
}

bool ServeCommand::parseListen(const QString &text, QHostAddress *address, quint16 *port)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(?:\\[([^\\]]+)\\]|([^:\\[\\]]*))?:?(\\d{1,5})$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return false;
    const QString host = match.captured(1).isEmpty() ? match.captured(2) : match.captured(1);
    const int number = match.captured(3).toInt();
    if (number > 65535)
        return false;
    if (host.isEmpty() && text.contains(QLatin1Char(':'))) {
        *address = QHostAddress(QHostAddress::Any);
    } else if (host.isEmpty()) {
        *address = QHostAddress(QHostAddress::LocalHost);
    } else if (host == QLatin1String("localhost")) {
        *address = QHostAddress(QHostAddress::LocalHost);
    } else if (!address->setAddress(host)) {
        return false;
    }
    *port = quint16(number);
    return true;
}

QString ServeCommand::configure(const QStringList &arguments, const QString &databaseLocation,
                                EngineConfig *config)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(
        {{QStringLiteral("listen"), QStringLiteral("Intake address."), QStringLiteral("HOST:PORT")},
         {QStringLiteral("intake-token"), QStringLiteral("Bearer token registries send."),
          QStringLiteral("TOKEN")},
         {QStringLiteral("admin-token"),
          QStringLiteral("Bearer token of the admin API under /v1/admin/ (off without one)."),
          QStringLiteral("TOKEN")},
         {QStringLiteral("poll-interval"), QStringLiteral("Fallback poll, seconds."),
          QStringLiteral("SECONDS")},
         {QStringLiteral("body-limit"), QStringLiteral("Largest notification body."),
          QStringLiteral("BYTES")},
         {QStringLiteral("retention"), QStringLiteral("Keep finished history this long."),
          QStringLiteral("AGE")},
         {QStringLiteral("durability"), QStringLiteral("full (survives power loss) or normal (faster)."),
          QStringLiteral("MODE")},
         {QStringLiteral("destination-guard"), QStringLiteral("Block private destinations: auto, on, off."),
          QStringLiteral("MODE")},
         {QStringLiteral("allow-destination"), QStringLiteral("Address or subnet the guard lets through."),
          QStringLiteral("CIDR")},
         {QStringLiteral("retention-per-webhook"), QStringLiteral("Finished deliveries kept per webhook."),
          QStringLiteral("N")},
         {QStringLiteral("lease-margin"),
          QStringLiteral(
              "Seconds a claim outlives the attempt's deadline; after a crash, in-flight deliveries "
              "are sent again once it runs out."),
          QStringLiteral("SECONDS")}});
    if (!parser.parse(QStringList{QStringLiteral("tidings")} + arguments))
        return parser.errorText() + QLatin1Char('\n') + serveUsage;
    if (!parser.positionalArguments().isEmpty())
        return QStringLiteral("unexpected argument \"%1\"\n%2")
            .arg(parser.positionalArguments().first(), serveUsage);

    auto setting = [&parser](const char *option, const char *environment) {
        const QString name = QString::fromLatin1(option);
        return parser.isSet(name) ? parser.value(name) : qEnvironmentVariable(environment);
    };
    config->databaseLocation = databaseLocation;
    const QString listen = setting("listen", "TIDINGS_LISTEN");
    if (!listen.isEmpty() && !parseListen(listen, &config->listenAddress, &config->listenPort))
        return QStringLiteral("--listen \"%1\" is not HOST:PORT (for example 127.0.0.1:8765 or 0.0.0.0:8765)")
            .arg(listen);
    config->intakeToken = setting("intake-token", "TIDINGS_INTAKE_TOKEN").toUtf8();
    config->adminToken = setting("admin-token", "TIDINGS_ADMIN_TOKEN").toUtf8();
    const QString poll = setting("poll-interval", "TIDINGS_POLL_INTERVAL");
    if (!poll.isEmpty()) {
        bool ok = false;
        const double seconds = poll.toDouble(&ok);
        if (!ok || seconds < 0.05 || seconds > 3600)
            return QStringLiteral("--poll-interval must be from 0.05 to 3600 seconds");
        config->pollIntervalMs = int(seconds * 1000);
    }
    const QString leaseMargin = setting("lease-margin", "TIDINGS_LEASE_MARGIN");
    if (!leaseMargin.isEmpty()) {
        bool ok = false;
        const double seconds = leaseMargin.toDouble(&ok);
        if (!ok || seconds < 1 || seconds > 86400)
            return QStringLiteral("--lease-margin must be from 1 to 86400 seconds");
        config->leaseMarginMs = int(seconds * 1000);
    }
    if (parser.isSet(QStringLiteral("body-limit"))) {
        bool ok = false;
        config->maxBodyBytes = parser.value(QStringLiteral("body-limit")).toLongLong(&ok);
        if (!ok || config->maxBodyBytes < 1024 || config->maxBodyBytes > 64 * 1024 * 1024)
            return QStringLiteral("--body-limit must be from 1024 to 67108864 bytes");
    }
    const QString durability = setting("durability", "TIDINGS_DURABILITY").toLower();
    if (durability == QLatin1String("normal"))
        config->durability = EngineConfig::Durability::Normal;
    else if (!durability.isEmpty() && durability != QLatin1String("full"))
        return QStringLiteral("--durability must be full or normal, not \"%1\"").arg(durability);
    const QString guard = setting("destination-guard", "TIDINGS_DESTINATION_GUARD").toLower();
    if (guard == QLatin1String("on"))
        config->destinationGuard = EngineConfig::DestinationGuard::On;
    else if (guard == QLatin1String("off"))
        config->destinationGuard = EngineConfig::DestinationGuard::Off;
    else if (!guard.isEmpty() && guard != QLatin1String("auto"))
        return QStringLiteral("--destination-guard must be auto, on or off, not \"%1\"").arg(guard);
    config->allowedDestinations =
        parser.isSet(QStringLiteral("allow-destination"))
            ? parser.values(QStringLiteral("allow-destination"))
            : qEnvironmentVariable("TIDINGS_ALLOW_DESTINATIONS").split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QString retention = setting("retention", "TIDINGS_RETENTION");
    if (!retention.isEmpty()) {
        config->retention.maxAgeMs = parseAgeMs(retention);
        if (config->retention.maxAgeMs < 0)
            return QStringLiteral("--retention \"%1\" is not an age like 30d, 12h, 90m or 0 (keep forever)")
                .arg(retention);
    }
    const QString perWebhook = setting("retention-per-webhook", "TIDINGS_RETENTION_PER_WEBHOOK");
    if (!perWebhook.isEmpty()) {
        bool ok = false;
        config->retention.maxPerWebhook = perWebhook.toInt(&ok);
        if (!ok || config->retention.maxPerWebhook < 0)
            return QStringLiteral("--retention-per-webhook must be a whole number, 0 for no limit");
    }
    return config->validate();
}

qint64 ServeCommand::parseAgeMs(const QString &text)
{
    static const QRegularExpression age(QStringLiteral("^(\\d+)([smhd]?)$"));
    const QRegularExpressionMatch match = age.match(text.trimmed());
    if (!match.hasMatch())
        return -1;
    const qint64 amount = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    const qint64 seconds = unit == QLatin1String("m")   ? amount * 60
                           : unit == QLatin1String("h") ? amount * 3600
                           : unit == QLatin1String("d") ? amount * 86400
                                                        : amount;
    return seconds * 1000;
}

QString ServeCommand::registrySnippet(const QUrl &intakeUrl, bool withToken)
{
    QString snippet = QStringLiteral("notifications:\n"
                                     "  endpoints:\n"
                                     "    - name: tidings\n"
                                     "      url: %1\n")
                          .arg(intakeUrl.toString());
    if (withToken)
        snippet += QStringLiteral("      headers:\n"
                                  "        Authorization: [Bearer <your intake token>]\n");
    snippet += QStringLiteral("      timeout: 5s\n"
                              "      threshold: 5\n"
                              "      backoff: 1s\n");
    return snippet;
}

int ServeCommand::run(CommandContext &context, const QStringList &arguments)
{
    EngineConfig config;
    const QString error = configure(arguments, context.databaseLocation(), &config);
    if (!error.isEmpty())
        return context.fail(error, CommandContext::UsageError);

    Engine engine(config);
    UnixSignalWatcher signalWatcher;
    int exitCode = CommandContext::Success;
    QObject::connect(&engine, &Engine::started, &engine, [&](const QUrl &intakeUrl) {
        context.out() << "Tidings is running on database " << config.databaseLocation << "\n"
                      << "Intake: " << intakeUrl.toString() << "\n";
        QUrl adminUrl = intakeUrl;
        adminUrl.setPath(QStringLiteral("/v1/admin/"));
        if (config.adminToken.isEmpty())
            context.out() << "Admin API: off (start with --admin-token or TIDINGS_ADMIN_TOKEN to manage "
                             "webhooks over HTTP)\n\n";
        else
            context.out() << "Admin API: " << adminUrl.toString() << "\n\n";
        context.out() << "Point a registry at it (docker-registry config.yml):\n"
                      << registrySnippet(intakeUrl, !config.intakeToken.isEmpty()) << "\n"
                      << "Add a subscriber: tidings webhook add --name NAME --url URL\n";
        context.out().flush();
    });
    QObject::connect(&engine, &Engine::failed, &engine, [&](const QString &reason) {
        context.fail(reason);
        exitCode = CommandContext::Failure;
    });
    QObject::connect(&engine, &Engine::problem, &engine,
                     [&](const QString &message) { context.err() << "tidings: " << message << Qt::endl; });
    QObject::connect(&engine, &Engine::webhookDisabled, &engine, [&](qint64 id, const QString &reason) {
        context.err() << "tidings: webhook " << id << " disabled: " << reason << Qt::endl;
    });
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &engine, [&](int) {
        context.err() << "tidings: stopping" << Qt::endl;
        engine.stop();
    });
    QObject::connect(&engine, &Engine::stopped, QCoreApplication::instance(), &QCoreApplication::quit);
    engine.start();
    QCoreApplication::exec();
    return exitCode;
}
