#include "WebhookCommand.h"

#include "AdminClient.h"
#include "AdminJson.h"
#include "WebhookSettings.h"

#include "CommandContext.h"
#include "Dispatcher.h"
#include "RetryPolicy.h"
#include "RotateSecretCommand.h"
#include "Store.h"
#include "TextTable.h"
#include "WebhookFilter.h"
#include "WebhookSignature.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

namespace {

const QString usage = QStringLiteral(
    "usage: tidings webhook add --name NAME --url URL [settings]\n"
    "       tidings webhook update NAME|ID [settings]\n"
    "       tidings webhook list [--json]\n"
    "       tidings webhook show NAME|ID [--json] [--reveal-secret]\n"
    "       tidings webhook remove NAME|ID\n"
    "       tidings webhook enable NAME|ID\n"
    "       tidings webhook disable NAME|ID [--reason TEXT]\n"
    "       tidings webhook rotate-secret NAME|ID [--grace 24h]   (0: the old secret stops at once)\n"
    "settings: --name N --url U --secret whsec_... | --generate-secret | --no-secret\n"
    "          --actions push,delete --repository GLOB... --tag GLOB... --media-type TYPE...\n"
    "          --header 'Name: value'... --format registry|cloudevents --retry-schedule 0,5,300\n"
    "          --max-attempts N --timeout SECONDS --concurrency N --enabled | --disabled");

QStringList splitList(const QStringList &values)
{
    QStringList items;
    for (const QString &value : values) {
        for (const QString &part : value.split(QLatin1Char(','), Qt::SkipEmptyParts))
            items.append(part.trimmed());
    }
    return items;
}

QString joined(const QStringList &list, const QString &whenEmpty)
{
    return list.isEmpty() ? whenEmpty : list.join(QLatin1Char(','));
}

void warnAboutTls(CommandContext &context, const WebhookConfig &webhook)
{
    if (webhook.tlsSkipVerify)
        context.err()
            << "warning: webhook \"" << webhook.name
            << "\" accepts any TLS certificate; anyone on the path can read and change its deliveries\n";
}

void warnAboutTls(CommandContext &context, const QJsonObject &webhook)
{
    if (webhook.value(QStringLiteral("tlsSkipVerify")).toBool())
        context.err()
            << "warning: webhook \"" << webhook.value(QStringLiteral("name")).toString()
            << "\" accepts any TLS certificate; anyone on the path can read and change its deliveries\n";
}

QString webhookPath(const QString &reference)
{
    return QStringLiteral("/v1/admin/webhooks/") + QString::fromLatin1(QUrl::toPercentEncoding(reference));
}

// A failed admin API call as an exit: refused input is a usage error, as it is without --server.
int remoteFailure(CommandContext &context, const AdminClient::Reply &reply)
{
    return context.fail(reply.problem(context.remote()->server()),
                        reply.status == 400 ? CommandContext::UsageError : CommandContext::Failure);
}

} // namespace

int WebhookCommand::run(CommandContext &context, const QStringList &arguments)
{
    const QString verb = arguments.value(0);
    const QStringList rest = arguments.mid(1);
    if (verb == QLatin1String("add"))
        return add(context, rest);
    if (verb == QLatin1String("update"))
        return update(context, rest);
    if (verb == QLatin1String("list"))
        return list(context, rest);
    if (verb == QLatin1String("show"))
        return show(context, rest);
    if (verb == QLatin1String("remove"))
        return remove(context, rest);
    if (verb == QLatin1String("enable"))
        return setEnabled(context, rest, true);
    if (verb == QLatin1String("disable"))
        return setEnabled(context, rest, false);
    if (verb == QLatin1String("rotate-secret"))
        return RotateSecretCommand::run(context, rest);
    return context.fail(
        verb.isEmpty() ? usage : QStringLiteral("unknown webhook command \"%1\"\n%2").arg(verb, usage),
        CommandContext::UsageError);
}

void WebhookCommand::addSettingOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("name"), QStringLiteral("Unique name."), QStringLiteral("NAME")},
        {QStringLiteral("url"), QStringLiteral("Endpoint URL (http or https)."), QStringLiteral("URL")},
        {QStringLiteral("secret"), QStringLiteral("Signing secret whsec_..."), QStringLiteral("SECRET")},
        {QStringLiteral("generate-secret"), QStringLiteral("Generate a new signing secret.")},
        {QStringLiteral("no-secret"), QStringLiteral("Send unsigned requests.")},
        {QStringLiteral("actions"),
         QStringLiteral("Actions to deliver (push,pull,mount,delete, Harbor's "
                        "scan_completed,scan_failed,scan_stopped,quota_exceeded,quota_warning, a CloudEvents "
                        "type, or *)."),
         QStringLiteral("LIST")},
        {QStringLiteral("repository"), QStringLiteral("Repository glob (repeatable)."),
         QStringLiteral("GLOB")},
        {QStringLiteral("tag"), QStringLiteral("Tag glob (repeatable)."), QStringLiteral("GLOB")},
        {QStringLiteral("media-type"), QStringLiteral("Media type or glob (repeatable)."),
         QStringLiteral("TYPE")},
        {QStringLiteral("header"), QStringLiteral("Static request header 'Name: value' (repeatable)."),
         QStringLiteral("HEADER")},
        {QStringLiteral("format"), QStringLiteral("Payload format: registry or cloudevents."),
         QStringLiteral("FORMAT")},
        {QStringLiteral("retry-schedule"), QStringLiteral("Delays in seconds before each attempt."),
         QStringLiteral("LIST")},
        {QStringLiteral("max-attempts"), QStringLiteral("Attempts before a delivery fails."),
         QStringLiteral("N")},
        {QStringLiteral("timeout"), QStringLiteral("Seconds allowed for one attempt."),
         QStringLiteral("SECONDS")},
        {QStringLiteral("concurrency"), QStringLiteral("Requests in flight at most."), QStringLiteral("N")},
        {QStringLiteral("insecure-skip-tls-verify"),
         QStringLiteral("Accept any TLS certificate (test endpoints only).")},
        {QStringLiteral("verify-tls"), QStringLiteral("Verify TLS certificates (the default).")},
        {QStringLiteral("enabled"), QStringLiteral("Enable the webhook.")},
        {QStringLiteral("disabled"), QStringLiteral("Disable the webhook.")},
    });
}

QString WebhookCommand::settingsFromOptions(const QCommandLineParser &parser, WebhookSettings *settings)
{
    // Only what is command-line syntax is checked here (flags that exclude each other); the values go
    // through WebhookSettings, the rules the admin API applies too.
    WebhookSettings &s = *settings;
    auto value = [&parser](const char *option) -> std::optional<QString> {
        const QString name = QString::fromLatin1(option);
        return parser.isSet(name) ? std::optional<QString>(parser.value(name)) : std::nullopt;
    };
    auto list = [&parser](const char *option) -> std::optional<QStringList> {
        const QString name = QString::fromLatin1(option);
        return parser.isSet(name) ? std::optional<QStringList>(splitList(parser.values(name))) : std::nullopt;
    };
    const int secretOptions = int(parser.isSet(QStringLiteral("secret"))) +
                              int(parser.isSet(QStringLiteral("generate-secret"))) +
                              int(parser.isSet(QStringLiteral("no-secret")));
    if (secretOptions > 1)
        return QStringLiteral("give only one of --secret, --generate-secret and --no-secret");
    if (parser.isSet(QStringLiteral("insecure-skip-tls-verify")) &&
        parser.isSet(QStringLiteral("verify-tls")))
        return QStringLiteral("give only one of --insecure-skip-tls-verify and --verify-tls");
    if (parser.isSet(QStringLiteral("enabled")) && parser.isSet(QStringLiteral("disabled")))
        return QStringLiteral("give only one of --enabled and --disabled");
    s.name = value("name");
    s.url = value("url");
    s.secret = value("secret");
    if (parser.isSet(QStringLiteral("no-secret")))
        s.secret = QString();
    s.generateSecret = parser.isSet(QStringLiteral("generate-secret"));
    s.actions = list("actions");
    s.repositories = list("repository");
    s.tags = list("tag");
    s.mediaTypes = list("media-type");
    if (parser.isSet(QStringLiteral("header")))
        s.headers = parser.values(QStringLiteral("header"));
    s.format = value("format");
    s.retrySchedule = list("retry-schedule");
    s.maxAttempts = value("max-attempts");
    s.timeoutSeconds = value("timeout");
    s.concurrency = value("concurrency");
    if (parser.isSet(QStringLiteral("insecure-skip-tls-verify")))
        s.tlsSkipVerify = true;
    if (parser.isSet(QStringLiteral("verify-tls")))
        s.tlsSkipVerify = false;
    if (parser.isSet(QStringLiteral("enabled")))
        s.enabled = true;
    if (parser.isSet(QStringLiteral("disabled")))
        s.enabled = false;
    return {};
}

QString WebhookCommand::applySettingOptions(const QCommandLineParser &parser, WebhookConfig &w)
{
    WebhookSettings settings;
    const QString error = settingsFromOptions(parser, &settings);
    return error.isEmpty() ? settings.applyTo(w) : error;
}

QString WebhookCommand::validate(Store &store, const WebhookConfig &w)
{
    return WebhookSettings().validate(store, w);
}

QString WebhookCommand::referenceError(const QStringList &positional)
{
    if (positional.isEmpty() || positional.first().trimmed().isEmpty())
        return QStringLiteral("name the webhook (its name or id)");
    if (positional.size() > 1)
        return QStringLiteral("name exactly one webhook; unexpected \"%1\"").arg(positional.at(1));
    return {};
}

std::optional<WebhookConfig> WebhookCommand::namedWebhook(CommandContext &context,
                                                          const QStringList &positional, int *exitCode)
{
    if (const QString error = referenceError(positional); !error.isEmpty()) {
        *exitCode = context.fail(error, CommandContext::UsageError);
        return std::nullopt;
    }
    Store *store = context.store();
    std::optional<WebhookConfig> webhook =
        store ? resolve(context, *store, positional.first()) : std::nullopt;
    if (!webhook)
        *exitCode = CommandContext::Failure;
    return webhook;
}

std::optional<WebhookConfig> WebhookCommand::resolve(CommandContext &context, Store &store,
                                                     const QString &reference)
{
    if (reference.isEmpty()) {
        context.fail(QStringLiteral("name the webhook (its name or id)"), CommandContext::UsageError);
        return std::nullopt;
    }
    bool isNumber = false;
    const qint64 id = reference.toLongLong(&isNumber);
    std::optional<WebhookConfig> webhook = isNumber ? store.webhook(id) : store.webhookByName(reference);
    if (!webhook)
        context.fail(QStringLiteral("no webhook \"%1\"; `tidings webhook list` shows them").arg(reference));
    return webhook;
}

QJsonObject WebhookCommand::toJson(const WebhookConfig &w, bool revealSecret)
{
    return AdminJson::webhook(w, revealSecret);
}

int WebhookCommand::add(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    addSettingOptions(parser);
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return context.fail(
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()),
            CommandContext::UsageError);
    if (AdminClient *remote = context.remote()) {
        WebhookSettings settings;
        if (const QString error = settingsFromOptions(parser, &settings); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        const AdminClient::Reply reply =
            remote->call("POST", QStringLiteral("/v1/admin/webhooks"), {}, settings.toJson());
        if (!reply.ok())
            return remoteFailure(context, reply);
        context.out() << "Added webhook \"" << reply.json.value(QStringLiteral("name")).toString()
                      << "\" (id " << reply.json.value(QStringLiteral("id")).toInteger() << ") on "
                      << remote->server().toString() << "\n";
        warnAboutTls(context, reply.json);
        if (settings.generateSecret)
            context.out() << "Signing secret (shown once; `webhook show --reveal-secret` shows it again): "
                          << reply.json.value(QStringLiteral("secret")).toString() << "\n";
        return CommandContext::Success;
    }
    WebhookConfig webhook;
    QString error = applySettingOptions(parser, webhook);
    if (!error.isEmpty())
        return context.fail(error, CommandContext::UsageError);
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    error = validate(*store, webhook);
    if (!error.isEmpty())
        return context.fail(error, CommandContext::UsageError);
    webhook.id = store->insertWebhook(webhook);
    if (webhook.id <= 0)
        return context.fail(QStringLiteral("cannot add the webhook: %1").arg(store->lastError()));
    context.out() << "Added webhook \"" << webhook.name << "\" (id " << webhook.id << ")\n";
    warnAboutTls(context, webhook);
    if (parser.isSet(QStringLiteral("generate-secret")))
        context.out() << "Signing secret (shown once; `webhook show --reveal-secret` shows it again): "
                      << webhook.secret << "\n";
    return CommandContext::Success;
}

int WebhookCommand::update(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    addSettingOptions(parser);
    parser.addPositionalArgument(QStringLiteral("webhook"), QStringLiteral("Name or id."));
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    if (AdminClient *remote = context.remote()) {
        if (const QString error = referenceError(parser.positionalArguments()); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        WebhookSettings settings;
        if (const QString error = settingsFromOptions(parser, &settings); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        const AdminClient::Reply reply =
            remote->call("PATCH", webhookPath(parser.positionalArguments().first()), {}, settings.toJson());
        if (!reply.ok())
            return remoteFailure(context, reply);
        context.out() << "Updated webhook \"" << reply.json.value(QStringLiteral("name")).toString()
                      << "\" (id " << reply.json.value(QStringLiteral("id")).toInteger() << ")\n";
        warnAboutTls(context, reply.json);
        if (settings.generateSecret)
            context.out() << "New signing secret: " << reply.json.value(QStringLiteral("secret")).toString()
                          << "\n";
        return CommandContext::Success;
    }
    std::optional<WebhookConfig> webhook = namedWebhook(context, parser.positionalArguments(), &exitCode);
    if (!webhook)
        return exitCode;
    Store *store = context.store();
    QString error = applySettingOptions(parser, *webhook);
    if (error.isEmpty())
        error = validate(*store, *webhook);
    if (!error.isEmpty())
        return context.fail(error, CommandContext::UsageError);
    if (!store->updateWebhook(*webhook))
        return context.fail(QStringLiteral("cannot update the webhook: %1").arg(store->lastError()));
    context.out() << "Updated webhook \"" << webhook->name << "\" (id " << webhook->id << ")\n";
    warnAboutTls(context, *webhook);
    if (parser.isSet(QStringLiteral("generate-secret")))
        context.out() << "New signing secret: " << webhook->secret << "\n";
    return CommandContext::Success;
}

int WebhookCommand::list(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    QJsonArray webhooks;
    if (AdminClient *remote = context.remote()) {
        const AdminClient::Reply reply = remote->call("GET", QStringLiteral("/v1/admin/webhooks"));
        if (!reply.ok())
            return remoteFailure(context, reply);
        webhooks = reply.json.value(QStringLiteral("items")).toArray();
    } else {
        Store *store = context.store();
        if (!store)
            return CommandContext::Failure;
        for (const WebhookConfig &webhook : store->webhooks())
            webhooks.append(toJson(webhook, false));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        context.out() << QJsonDocument(webhooks).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    if (webhooks.isEmpty()) {
        context.out() << "No webhooks yet. Add one with: tidings webhook add --name NAME --url URL\n";
        return CommandContext::Success;
    }
    TextTable table({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("STATE"),
                     QStringLiteral("ACTIONS"), QStringLiteral("URL")});
    for (const QJsonValue &value : std::as_const(webhooks)) {
        const QJsonObject w = value.toObject();
        const bool enabled = w.value(QStringLiteral("enabled")).toBool();
        const QString reason = w.value(QStringLiteral("disabledReason")).toString();
        QString state = enabled ? QStringLiteral("enabled") : QStringLiteral("disabled");
        if (!enabled && !reason.isEmpty())
            state += QStringLiteral(" (") + reason + QLatin1Char(')');
        if (w.value(QStringLiteral("tlsSkipVerify")).toBool())
            state += QStringLiteral(", WARNING: TLS not verified");
        QStringList actions;
        for (const QJsonValue &action : w.value(QStringLiteral("actions")).toArray())
            actions.append(action.toString());
        table.addRow({QString::number(w.value(QStringLiteral("id")).toInteger()),
                      w.value(QStringLiteral("name")).toString(), state,
                      joined(actions, QStringLiteral("push")), w.value(QStringLiteral("url")).toString()});
    }
    table.print(context.out());
    return CommandContext::Success;
}

int WebhookCommand::show(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    parser.addOption({QStringLiteral("reveal-secret"), QStringLiteral("Print the signing secret.")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    QJsonObject json;
    if (AdminClient *remote = context.remote()) {
        if (const QString error = referenceError(parser.positionalArguments()); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        QUrlQuery query;
        if (parser.isSet(QStringLiteral("reveal-secret")))
            query.addQueryItem(QStringLiteral("revealSecret"), QStringLiteral("true"));
        const AdminClient::Reply reply =
            remote->call("GET", webhookPath(parser.positionalArguments().first()), query);
        if (!reply.ok())
            return remoteFailure(context, reply);
        json = reply.json;
    } else {
        const std::optional<WebhookConfig> webhook =
            namedWebhook(context, parser.positionalArguments(), &exitCode);
        if (!webhook)
            return exitCode;
        json = toJson(*webhook, parser.isSet(QStringLiteral("reveal-secret")));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        context.out() << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    warnAboutTls(context, json);
    for (auto it = json.begin(); it != json.end(); ++it) {
        QString value;
        if (it->isArray())
            value = QString::fromUtf8(QJsonDocument(it->toArray()).toJson(QJsonDocument::Compact));
        else
            value = it->toVariant().toString();
        context.out() << qSetFieldWidth(16) << Qt::left << (it.key() + QLatin1Char(':')) << qSetFieldWidth(0)
                      << value << "\n";
    }
    return CommandContext::Success;
}

int WebhookCommand::remove(CommandContext &context, const QStringList &arguments)
{
    int exitCode = 0;
    if (AdminClient *remote = context.remote()) {
        if (const QString error = referenceError(arguments); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        // Read first: the answer to DELETE is empty, and the message names the webhook.
        AdminClient::Reply reply = remote->call("GET", webhookPath(arguments.first()));
        const QString name = reply.json.value(QStringLiteral("name")).toString();
        if (reply.ok())
            reply = remote->call(
                "DELETE", webhookPath(QString::number(reply.json.value(QStringLiteral("id")).toInteger())));
        if (!reply.ok())
            return remoteFailure(context, reply);
        context.out() << "Removed webhook \"" << name << "\" and its delivery history\n";
        return CommandContext::Success;
    }
    const std::optional<WebhookConfig> webhook = namedWebhook(context, arguments, &exitCode);
    if (!webhook)
        return exitCode;
    Store *store = context.store();
    if (!store->deleteWebhook(webhook->id))
        return context.fail(QStringLiteral("cannot remove the webhook: %1").arg(store->lastError()));
    context.out() << "Removed webhook \"" << webhook->name << "\" and its delivery history\n";
    return CommandContext::Success;
}

int WebhookCommand::setEnabled(CommandContext &context, const QStringList &arguments, bool enabled)
{
    QCommandLineParser parser;
    parser.addOption(
        {QStringLiteral("reason"), QStringLiteral("Why it is disabled."), QStringLiteral("TEXT")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, usage, &exitCode))
        return exitCode;
    if (AdminClient *remote = context.remote()) {
        if (const QString error = referenceError(parser.positionalArguments()); !error.isEmpty())
            return context.fail(error, CommandContext::UsageError);
        QJsonObject body;
        if (!enabled && parser.isSet(QStringLiteral("reason")))
            body.insert(QStringLiteral("reason"), parser.value(QStringLiteral("reason")));
        const AdminClient::Reply reply =
            remote->call("POST",
                         webhookPath(parser.positionalArguments().first()) +
                             (enabled ? QStringLiteral("/enable") : QStringLiteral("/disable")),
                         {}, body);
        if (!reply.ok())
            return remoteFailure(context, reply);
        context.out() << (enabled ? "Enabled" : "Disabled") << " webhook \""
                      << reply.json.value(QStringLiteral("name")).toString() << "\"\n";
        return CommandContext::Success;
    }
    const std::optional<WebhookConfig> webhook =
        namedWebhook(context, parser.positionalArguments(), &exitCode);
    if (!webhook)
        return exitCode;
    Store *store = context.store();
    const QString reason = parser.isSet(QStringLiteral("reason")) ? parser.value(QStringLiteral("reason"))
                                                                  : QStringLiteral("disabled by an operator");
    if (!store->setWebhookEnabled(webhook->id, enabled, reason))
        return context.fail(QStringLiteral("cannot change the webhook: %1").arg(store->lastError()));
    context.out() << (enabled ? "Enabled" : "Disabled") << " webhook \"" << webhook->name << "\"\n";
    return CommandContext::Success;
}
