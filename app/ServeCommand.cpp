#include "ServeCommand.h"

#include "CommandContext.h"
#include "DestinationPolicy.h"
#include "Engine.h"
#include "GrpcAdminServer.h"
#include "LogOutput.h"
#include "PostgresDialect.h"
#include "ServeSettings.h"
#include "UnixSignalWatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QUuid>

namespace {
const QString serveUsage = QStringLiteral(
    "usage: tidings serve [--config FILE] [--listen HOST:PORT] [--intake-token TOKEN]\n"
    "                     [--admin-token TOKEN] [--grpc-listen HOST:PORT] [--metrics-token TOKEN]\n"
    "                     [--poll-interval SECONDS] [--body-limit BYTES]\n"
    "                     [--retention AGE] [--retention-per-webhook N]\n"
    "                     [--destination-guard auto|on|off] [--allow-destination CIDR]...\n"
    "                     [--durability full|normal] [--lease-margin SECONDS] [--log-format plain|json]\n"
    "                     [--disable-after AGE] [--ops-webhook URL]\n"
    "Each setting is also an environment variable (TIDINGS_LISTEN, TIDINGS_INTAKE_TOKEN, ...; "
    "TIDINGS_CONFIG\n"
    "for the file) and a key of the INI file; a flag beats the environment, which beats the file.\n"
    "See docs/deployment.md.");
} // namespace

Q_LOGGING_CATEGORY(lcServe, "tidings.serve")

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
                                bool databaseGiven, EngineConfig *config, LogOutput::Format *logFormat,
                                QString *grpcAddress)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(ServeSettings::options());
    parser.addOption(
        {QStringLiteral("config"), QStringLiteral("INI file with the settings."), QStringLiteral("FILE")});
    if (!parser.parse(QStringList{QStringLiteral("tidings")} + arguments))
        return parser.errorText() + QLatin1Char('\n') + serveUsage;
    if (!parser.positionalArguments().isEmpty())
        return QStringLiteral("unexpected argument \"%1\"\n%2")
            .arg(parser.positionalArguments().first(), serveUsage);

    ServeSettings settings;
    const QString configFile = parser.isSet(QStringLiteral("config"))
                                   ? parser.value(QStringLiteral("config"))
                                   : qEnvironmentVariable("TIDINGS_CONFIG");
    QString error;
    if (!configFile.isEmpty() && !settings.loadFile(configFile, &error))
        return error;
    auto setting = [&](const char *key) {
        return settings.value(parser, QString::fromLatin1(key));
    };

    // The database: --db, then TIDINGS_DB, then the file's "db", then the default.
    config->databaseLocation = databaseLocation;
    const ServeSettings::Value database = settings.fileValue(QStringLiteral("db"));
    if (!databaseGiven && qEnvironmentVariable("TIDINGS_DB").isEmpty() && database.isSet())
        config->databaseLocation = database.text();

    const ServeSettings::Value listen = setting("listen");
    if (listen.isSet() && !parseListen(listen.text(), &config->listenAddress, &config->listenPort))
        return QStringLiteral("%1 \"%2\" is not HOST:PORT (for example 127.0.0.1:8765 or 0.0.0.0:8765)")
            .arg(listen.origin, listen.text());
    config->intakeToken = setting("intake-token").text().toUtf8();
    config->adminToken = setting("admin-token").text().toUtf8();
    const ServeSettings::Value grpcListen = setting("grpc-listen");
    if (grpcListen.isSet()) {
        QHostAddress address;
        quint16 port = 0;
        if (!parseListen(grpcListen.text(), &address, &port))
            return QStringLiteral("%1 \"%2\" is not HOST:PORT (for example 127.0.0.1:50051)")
                .arg(grpcListen.origin, grpcListen.text());
        if (grpcAddress)
            *grpcAddress = grpcTarget(address, port);
    }
    config->metricsToken = setting("metrics-token").text().toUtf8();
    auto seconds = [](const ServeSettings::Value &value, double lowest, double highest, int *milliseconds) {
        bool ok = false;
        const double number = value.text().toDouble(&ok);
        if (!ok || number < lowest || number > highest)
            return QStringLiteral("%1 \"%2\" must be from %3 to %4 seconds")
                .arg(value.origin, value.text(), QString::number(lowest), QString::number(highest));
        *milliseconds = int(number * 1000);
        return QString();
    };
    const ServeSettings::Value poll = setting("poll-interval");
    if (poll.isSet() && !(error = seconds(poll, 0.05, 3600, &config->pollIntervalMs)).isEmpty())
        return error;
    const ServeSettings::Value leaseMargin = setting("lease-margin");
    if (leaseMargin.isSet() && !(error = seconds(leaseMargin, 1, 86400, &config->leaseMarginMs)).isEmpty())
        return error;
    const ServeSettings::Value bodyLimit = setting("body-limit");
    if (bodyLimit.isSet()) {
        bool ok = false;
        config->maxBodyBytes = bodyLimit.text().toLongLong(&ok);
        if (!ok || config->maxBodyBytes < 1024 || config->maxBodyBytes > 64 * 1024 * 1024)
            return QStringLiteral("%1 \"%2\" must be from 1024 to 67108864 bytes")
                .arg(bodyLimit.origin, bodyLimit.text());
    }
    const ServeSettings::Value durability = setting("durability");
    if (durability.text().toLower() == QLatin1String("normal"))
        config->durability = EngineConfig::Durability::Normal;
    else if (durability.isSet() && durability.text().toLower() != QLatin1String("full"))
        return QStringLiteral("%1 must be full or normal, not \"%2\"")
            .arg(durability.origin, durability.text());
    const ServeSettings::Value guard = setting("destination-guard");
    const QString guardMode = guard.text().toLower();
    if (guardMode == QLatin1String("on"))
        config->destinationGuard = EngineConfig::DestinationGuard::On;
    else if (guardMode == QLatin1String("off"))
        config->destinationGuard = EngineConfig::DestinationGuard::Off;
    else if (guard.isSet() && guardMode != QLatin1String("auto"))
        return QStringLiteral("%1 must be auto, on or off, not \"%2\"").arg(guard.origin, guard.text());
    const ServeSettings::Value allowed = setting("allow-destination");
    config->allowedDestinations = allowed.values;
    if (allowed.isSet()) {
        QList<DestinationPolicy::Subnet> subnets;
        if (!DestinationPolicy::parseAllowlist(allowed.values, &subnets, &error))
            return QStringLiteral("%1: %2").arg(allowed.origin, error);
    }
    const ServeSettings::Value disableAfter = setting("disable-after");
    if (disableAfter.isSet()) {
        config->disableAfterMs = parseAgeMs(disableAfter.text());
        if (config->disableAfterMs < 0)
            return QStringLiteral("%1 \"%2\" is not an age like 24h, 90m, 2d or 0 (never)")
                .arg(disableAfter.origin, disableAfter.text());
    }
    config->opsWebhookUrl = setting("ops-webhook").text();
    const QString opsProblem = EngineConfig::opsWebhookProblem(config->opsWebhookUrl);
    if (!opsProblem.isEmpty())
        return opsProblem;
    const ServeSettings::Value retention = setting("retention");
    if (retention.isSet()) {
        config->retention.maxAgeMs = parseAgeMs(retention.text());
        if (config->retention.maxAgeMs < 0)
            return QStringLiteral("%1 \"%2\" is not an age like 30d, 12h, 90m or 0 (keep forever)")
                .arg(retention.origin, retention.text());
    }
    const ServeSettings::Value perWebhook = setting("retention-per-webhook");
    if (perWebhook.isSet()) {
        bool ok = false;
        config->retention.maxPerWebhook = perWebhook.text().toInt(&ok);
        if (!ok || config->retention.maxPerWebhook < 0)
            return QStringLiteral("%1 \"%2\" must be a whole number, 0 for no limit")
                .arg(perWebhook.origin, perWebhook.text());
    }
    const ServeSettings::Value format = setting("log-format");
    if (format.isSet() && !LogOutput::formatFromName(format.text().toLower(), logFormat))
        return QStringLiteral("%1 must be plain or json, not \"%2\"").arg(format.origin, format.text());
    return config->validate();
}

QString ServeCommand::grpcTarget(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return host + QLatin1Char(':') + QString::number(port);
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
    LogOutput::Format logFormat = LogOutput::Format::Plain;
    QString grpcAddress;
    const QString error = configure(arguments, context.databaseLocation(), context.databaseGiven(), &config,
                                    &logFormat, &grpcAddress);
    if (!error.isEmpty())
        return context.fail(error, CommandContext::UsageError);
    // From here on every line on stderr is a log line of the chosen format, from whichever thread.
    LogOutput::install(logFormat);

    // Named here rather than by the engine, so the log says which instance holds which leases (several
    // instances on one PostgreSQL database).
    if (config.instanceId.isEmpty())
        config.instanceId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    // A PostgreSQL URL may carry a password: never print it.
    const QString shownLocation = PostgresDialect::isLocation(config.databaseLocation)
                                      ? PostgresDialect::redacted(config.databaseLocation)
                                      : config.databaseLocation;
    Engine engine(config);
    UnixSignalWatcher signalWatcher;
    int exitCode = CommandContext::Success;
    // Declared after the engine so it goes first: its calls are answered by the engine.
    std::unique_ptr<GrpcAdminServer> grpcServer;
    auto reportFailure = [&](const QString &reason) {
        // The reason serve stops: in plain mode the command line's usual "tidings: <reason>", in JSON mode a
        // log line like every other.
        if (logFormat == LogOutput::Format::Json)
            qCCritical(lcServe).noquote() << reason;
        else
            context.fail(reason);
        exitCode = CommandContext::Failure;
    };
    QObject::connect(&engine, &Engine::started, &engine, [&](const QUrl &intakeUrl) {
        QString grpcLine;
        if (!grpcAddress.isEmpty() && config.adminToken.isEmpty()) {
            grpcLine =
                QStringLiteral("gRPC admin API: off (--grpc-listen needs an admin token: --admin-token "
                               "or TIDINGS_ADMIN_TOKEN)");
            qCWarning(lcServe).noquote() << grpcLine;
        } else if (!grpcAddress.isEmpty()) {
            grpcServer = std::make_unique<GrpcAdminServer>(engine.adminGateway());
            QString grpcError;
            if (!grpcServer->start(grpcAddress, &grpcError)) {
                grpcServer.reset();
                reportFailure(grpcError);
                engine.stop();
                return;
            }
            grpcLine = QStringLiteral("gRPC admin API: %1:%2 (tidings.v1.Webhooks, Deliveries, Events)")
                           .arg(grpcAddress.left(grpcAddress.lastIndexOf(QLatin1Char(':'))))
                           .arg(grpcServer->port());
            qCInfo(lcServe).noquote() << grpcLine;
        }
        context.out() << "Tidings is running on database " << shownLocation << "\n"
                      << "Intake: " << intakeUrl.toString() << "\n";
        QUrl adminUrl = intakeUrl;
        adminUrl.setPath(QStringLiteral("/v1/admin/"));
        if (config.adminToken.isEmpty())
            context.out() << "Admin API: off (start with --admin-token or TIDINGS_ADMIN_TOKEN to manage "
                             "webhooks over HTTP)\n";
        else
            context.out() << "Admin API: " << adminUrl.toString() << "\n";
        if (!grpcLine.isEmpty())
            context.out() << grpcLine << "\n";
        context.out() << "\n";
        context.out() << "Point a registry at it (docker-registry config.yml):\n"
                      << registrySnippet(intakeUrl, !config.intakeToken.isEmpty()) << "\n"
                      << "Harbor (project > Webhooks, either payload format): " << intakeUrl.toString()
                      << "/harbor" << (config.intakeToken.isEmpty() ? "" : ", auth header \"Bearer <token>\"")
                      << "\nCloudEvents 1.0 (structured, batch, binary): " << intakeUrl.toString()
                      << "/cloudevents\n\n"
                      << "Add a subscriber: tidings webhook add --name NAME --url URL\n";
        context.out().flush();
        qCInfo(lcServe).noquote() << "listening; intake" << intakeUrl.toString() << "database"
                                  << shownLocation << "instance" << config.instanceId;
    });
    QObject::connect(&engine, &Engine::failed, &engine, reportFailure);
    // The engine logs webhooks it disables itself (tidings.engine); problems are only signalled.
    QObject::connect(&engine, &Engine::problem, &engine,
                     [&](const QString &message) { qCWarning(lcServe).noquote() << message; });
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &engine, [&](int) {
        qCInfo(lcServe) << "stopping";
        if (grpcServer) {
            // First, while the engine still answers: calls in flight get up to 5 s to finish.
            grpcServer->shutdown(5000);
            qCInfo(lcServe) << "gRPC admin API stopped";
        }
        engine.stop();
    });
    QObject::connect(&engine, &Engine::stopped, QCoreApplication::instance(), &QCoreApplication::quit);
    engine.start();
    QCoreApplication::exec();
    return exitCode;
}
