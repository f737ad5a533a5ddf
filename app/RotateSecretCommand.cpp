#include "RotateSecretCommand.h"

#include "AdminClient.h"
#include "AdminJson.h"
#include "CommandContext.h"
#include "SecretRotation.h"
#include "Store.h"
#include "WebhookCommand.h"

#include <QCommandLineParser>
#include <QUrl>

namespace {

const QString usage =
    QStringLiteral("usage: tidings webhook rotate-secret NAME|ID [--grace DURATION]\n"
                   "       DURATION: seconds or 90m, 24h, 2d; 0 stops the old secret at once (default 24h)");

void printRotation(CommandContext &context, const QString &name, const QString &secret,
                   const QString &previousExpiresAt)
{
    context.out() << "New secret of webhook \"" << name << "\": " << secret << "\n";
    if (previousExpiresAt.isEmpty())
        context.out() << "The previous secret no longer signs deliveries.\n";
    else
        context.out() << "The previous secret keeps signing deliveries (next to the new one) until "
                      << previousExpiresAt << "\n";
}

} // namespace

int RotateSecretCommand::run(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("grace"),
                      QStringLiteral("How long the previous secret keeps signing (default 24h)."),
                      QStringLiteral("DURATION")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    qint64 grace = SecretRotation::defaultGraceSeconds;
    if (parser.isSet(QStringLiteral("grace"))) {
        grace = SecretRotation::parseDuration(parser.value(QStringLiteral("grace")));
        if (grace < 0)
            return context.fail(
                QStringLiteral("--grace \"%1\" is not a duration like 0, 3600, 90m, 24h or 2d")
                    .arg(parser.value(QStringLiteral("grace"))),
                CommandContext::UsageError);
    }
    if (const QString error = SecretRotation::checkGrace(grace); !error.isEmpty())
        return context.fail(QStringLiteral("--grace: %1").arg(error), CommandContext::UsageError);
    if (const QString error = WebhookCommand::referenceError(parser.positionalArguments()); !error.isEmpty())
        return context.fail(error + QLatin1Char('\n') + usage, CommandContext::UsageError);

    if (AdminClient *remote = context.remote()) {
        const QString path =
            QStringLiteral("/v1/admin/webhooks/") +
            QString::fromLatin1(QUrl::toPercentEncoding(parser.positionalArguments().first())) +
            QStringLiteral("/rotate-secret");
        const AdminClient::Reply reply =
            remote->call("POST", path, {}, QJsonObject{{QStringLiteral("gracePeriodSeconds"), grace}});
        if (!reply.ok())
            return context.fail(reply.problem(remote->server()),
                                reply.status == 400 ? CommandContext::UsageError : CommandContext::Failure);
        printRotation(context, reply.json.value(QStringLiteral("name")).toString(),
                      reply.json.value(QStringLiteral("secret")).toString(),
                      reply.json.value(QStringLiteral("previousSecretExpiresAt")).toString());
        return CommandContext::Success;
    }
    const std::optional<WebhookConfig> webhook =
        WebhookCommand::namedWebhook(context, parser.positionalArguments(), &exitCode);
    if (!webhook)
        return exitCode;
    QString error;
    const std::optional<WebhookConfig> rotated =
        SecretRotation::rotate(*context.store(), webhook->id, grace, &error);
    if (!rotated)
        return context.fail(QStringLiteral("cannot rotate the secret: %1").arg(error));
    const QJsonObject json = AdminJson::webhook(*rotated, true);
    printRotation(context, rotated->name, rotated->secret,
                  json.value(QStringLiteral("previousSecretExpiresAt")).toString());
    return CommandContext::Success;
}
