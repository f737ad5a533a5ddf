#include "CommandLine.h"

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
               "  webhook add|list|show|update|remove|enable|disable\n"
               "  deliveries list|show       the delivery log\n"
               "  replay ID... | --failed    send deliveries again (a new, manual series)\n"
               "  send-test --webhook W      send a synthetic tag push now and show the result\n\n"
               "--db PATH (or TIDINGS_DB) picks the database; default %1\n"
               "Run a command without arguments, or with --help, for its options.")
        .arg(EngineConfig::defaultDatabaseLocation());
}

CommandLine::Invocation CommandLine::classify(const QStringList &argv, bool guiAvailable)
{
    Invocation invocation;
    invocation.databaseLocation = EngineConfig::defaultDatabaseLocation();
    // --db is global: accepted before or after the command words.
    QStringList rest;
    for (qsizetype i = 1; i < argv.size(); ++i) {
        const QString &argument = argv.at(i);
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
