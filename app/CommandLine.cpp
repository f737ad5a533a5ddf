#include "CommandLine.h"

#include "AdminClient.h"
#include "CommandContext.h"
#include "DeliveryCommand.h"
#include "EngineConfig.h"
#include "ServeCommand.h"
#include "WebhookCommand.h"

#include <QCoreApplication>

QString CommandLine::usage()
{
    return QStringLiteral(
               "Tidings: durable, signed, retried webhooks for container registries.\n\n"
               "usage: tidings [--db PATH] [COMMAND ...]\n\n"
               "  serve                      run the engine headless (intake, queue, delivery)\n"
               "  console                    open the desktop console (the default where a display exists)\n"
               "  webhook add|list|show|update|remove|enable|disable|rotate-secret\n"
               "  deliveries list|show       the delivery log\n"
               "  replay ID... | --failed    send deliveries again (a new, manual series)\n"
               "  replay ID --url U --payload-file F   one attempt now to another URL / with edited JSON\n"
               "  send-test --webhook W      send a synthetic tag push now and show the result\n\n"
               "--db PATH (or TIDINGS_DB) picks the database; default %1\n"
               "--server URL --token T (or TIDINGS_SERVER, TIDINGS_ADMIN_TOKEN): webhook, deliveries and "
               "replay\n"
               "manage that running `tidings serve` through its admin API instead of a database\n"
               "Run a command without arguments, or with --help, for its options.")
        .arg(EngineConfig::defaultDatabaseLocation());
}

CommandLine::Invocation CommandLine::classify(const QStringList &argv, bool guiAvailable)
{
    Invocation invocation;
    invocation.databaseLocation = EngineConfig::defaultDatabaseLocation();
    invocation.server = qEnvironmentVariable("TIDINGS_SERVER");
    invocation.adminToken = qgetenv("TIDINGS_ADMIN_TOKEN");
    // --db, --server and --token are global: accepted before or after the command words.
    QStringList rest;
    for (qsizetype i = 1; i < argv.size(); ++i) {
        const QString &argument = argv.at(i);
        bool consumed = false;
        for (const char *option : {"--server", "--token"}) {
            const QString name = QLatin1String(option);
            QString value;
            if (argument == name) {
                if (i + 1 >= argv.size()) {
                    invocation.error = QStringLiteral("%1 needs a value").arg(name);
                    return invocation;
                }
                value = argv.at(++i);
            } else if (argument.startsWith(name + QLatin1Char('='))) {
                value = argument.mid(name.size() + 1);
            } else {
                continue;
            }
            consumed = true;
            if (name == QLatin1String("--server")) {
                invocation.server = value;
                invocation.serverGiven = true;
            } else {
                invocation.adminToken = value.toUtf8();
            }
        }
        if (consumed)
            continue;
        if (argument == QLatin1String("--db")) {
            if (i + 1 >= argv.size()) {
                invocation.error = QStringLiteral("--db needs a path");
                return invocation;
            }
            invocation.databaseLocation = argv.at(++i);
            invocation.databaseGiven = true;
        } else if (argument.startsWith(QLatin1String("--db="))) {
            invocation.databaseLocation = argument.mid(5);
            invocation.databaseGiven = true;
        } else {
            rest.append(argument);
        }
    }
    if (!rest.isEmpty() && !rest.first().startsWith(QLatin1Char('-'))) {
        invocation.command = rest.takeFirst();
    }
    invocation.arguments = rest;
    if (invocation.command.isEmpty() && rest.isEmpty()) {
        // No command: the console where a display exists, otherwise the engine headless.
        if (guiAvailable)
            invocation.wantsConsole = true;
        else
            invocation.command = QStringLiteral("serve");
    }
    if (invocation.command == QLatin1String("console")) {
        if (!guiAvailable)
            invocation.error =
                QStringLiteral("the desktop console needs a display and a build with TIDINGS_GUI=ON; "
                               "use `tidings serve` for the headless engine");
        invocation.wantsConsole = true;
    }
    return invocation;
}

int CommandLine::run(const Invocation &invocation)
{
    CommandContext context(invocation.databaseLocation);
    context.setDatabaseGiven(invocation.databaseGiven);
    if (!invocation.error.isEmpty())
        return context.fail(invocation.error, CommandContext::UsageError);
    const QString &command = invocation.command;
    const bool managesOverApi = command == QLatin1String("webhook") || command == QLatin1String("webhooks") ||
                                command == QLatin1String("deliveries") ||
                                command == QLatin1String("delivery") || command == QLatin1String("replay");
    if (invocation.serverGiven && !managesOverApi && !command.isEmpty() && command != QLatin1String("help"))
        return context.fail(
            QStringLiteral("--server works with webhook, deliveries and replay, not with %1").arg(command),
            CommandContext::UsageError);
    if (managesOverApi && !invocation.server.isEmpty()) {
        const QString problem = AdminClient::check(invocation.server, invocation.adminToken);
        if (!problem.isEmpty())
            return context.fail(problem, CommandContext::UsageError);
        context.setServer(invocation.server, invocation.adminToken);
    }
    if (invocation.arguments.contains(QLatin1String("--help")) ||
        invocation.arguments.contains(QLatin1String("-h")) || command == QLatin1String("help") ||
        (command.isEmpty() && !invocation.arguments.isEmpty() &&
         (invocation.arguments.first() == QLatin1String("--help") ||
          invocation.arguments.first() == QLatin1String("-h")))) {
        context.out() << usage() << "\n";
        return CommandContext::Success;
    }
    if (command == QLatin1String("--version") || invocation.arguments.contains(QLatin1String("--version"))) {
        context.out() << "tidings " << QCoreApplication::applicationVersion() << "\n";
        return CommandContext::Success;
    }
    if (command == QLatin1String("serve"))
        return ServeCommand::run(context, invocation.arguments);
    if (command == QLatin1String("webhook") || command == QLatin1String("webhooks"))
        return WebhookCommand::run(context, invocation.arguments);
    if (command == QLatin1String("deliveries") || command == QLatin1String("delivery"))
        return DeliveryCommand::runDeliveries(context, invocation.arguments);
    if (command == QLatin1String("replay"))
        return DeliveryCommand::runReplay(context, invocation.arguments);
    if (command == QLatin1String("send-test"))
        return DeliveryCommand::runSendTest(context, invocation.arguments);
    return context.fail(QStringLiteral("unknown command \"%1\"\n\n%2")
                            .arg(command.isEmpty() ? invocation.arguments.value(0) : command, usage()),
                        CommandContext::UsageError);
}
