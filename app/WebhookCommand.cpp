#include "WebhookCommand.h"

#include "CommandContext.h"
#include "Dispatcher.h"
#include "RetryPolicy.h"
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

QString WebhookCommand::applySettingOptions(const QCommandLineParser &parser, WebhookConfig &w)
{
    auto number = [&parser](const char *option, int min, int max, int *target) -> QString {
        const QString name = QString::fromLatin1(option);
        if (!parser.isSet(name))
            return {};
        bool ok = false;
        const int value = parser.value(name).toInt(&ok);
        if (!ok || value < min || value > max)
            return QStringLiteral("--%1 must be a whole number from %2 to %3").arg(name).arg(min).arg(max);
        *target = value;
        return {};
    };

    if (parser.isSet(QStringLiteral("name")))
        w.name = parser.value(QStringLiteral("name")).trimmed();
    if (parser.isSet(QStringLiteral("url")))
        w.url = parser.value(QStringLiteral("url")).trimmed();
    const int secretOptions = int(parser.isSet(QStringLiteral("secret"))) +
                              int(parser.isSet(QStringLiteral("generate-secret"))) +
                              int(parser.isSet(QStringLiteral("no-secret")));
    if (secretOptions > 1)
        return QStringLiteral("give only one of --secret, --generate-secret and --no-secret");
    if (parser.isSet(QStringLiteral("secret")))
        w.secret = parser.value(QStringLiteral("secret")).trimmed();
    if (parser.isSet(QStringLiteral("generate-secret")))
        w.secret = WebhookSignature::generateSecret();
    if (parser.isSet(QStringLiteral("no-secret")))
        w.secret.clear();
    if (parser.isSet(QStringLiteral("actions"))) {
        // A typo would silently never match; the registries' actions are a short, known list.
        w.actions.clear();
        for (const QString &action : splitList(parser.values(QStringLiteral("actions")))) {
            if (!WebhookFilter::isAcceptedAction(action))
                return QStringLiteral("--actions: \"%1\" is not an action; use %2, *, or a CloudEvents "
                                      "type such as com.example.image.scanned")
                    .arg(action, WebhookFilter::knownActions().join(QStringLiteral(", ")));
            w.actions.append(action.toLower());
        }
        if (w.actions.isEmpty())
            return QStringLiteral("--actions needs at least one action");
    }
    if (parser.isSet(QStringLiteral("repository")))
        w.repositoryGlobs = splitList(parser.values(QStringLiteral("repository")));
    if (parser.isSet(QStringLiteral("tag")))
        w.tagGlobs = splitList(parser.values(QStringLiteral("tag")));
    if (parser.isSet(QStringLiteral("media-type")))
        w.mediaTypes = splitList(parser.values(QStringLiteral("media-type")));
    if (parser.isSet(QStringLiteral("header"))) {
        w.headers.clear();
        static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
        for (const QString &header : parser.values(QStringLiteral("header"))) {
            const qsizetype colon = header.indexOf(QLatin1Char(':'));
            const QString name = header.left(colon).trimmed();
            const QString value = header.mid(colon + 1).trimmed();
            if (colon <= 0 || !token.match(name).hasMatch())
                return QStringLiteral("--header \"%1\" is not of the form 'Name: value'").arg(header);
            if (Dispatcher::isReservedHeader(name.toLower().toLatin1()))
                return QStringLiteral("--header \"%1\" is set by Tidings itself and cannot be replaced")
                    .arg(name);
            if (value.contains(QLatin1Char('\r')) || value.contains(QLatin1Char('\n')))
                return QStringLiteral("--header \"%1\" has a line break in its value").arg(name);
            w.headers.append({name, value});
        }
    }
    if (parser.isSet(QStringLiteral("format"))) {
        const QString format = parser.value(QStringLiteral("format")).toLower();
        if (format == QLatin1String("registry"))
            w.payloadFormat = WebhookConfig::PayloadFormat::Registry;
        else if (format == QLatin1String("cloudevents"))
            w.payloadFormat = WebhookConfig::PayloadFormat::CloudEvents;
        else
            return QStringLiteral("--format must be registry or cloudevents, not \"%1\"").arg(format);
    }
    if (parser.isSet(QStringLiteral("retry-schedule"))) {
        w.retryScheduleSeconds.clear();
        for (const QString &item : splitList(parser.values(QStringLiteral("retry-schedule")))) {
            bool ok = false;
            const int seconds = item.toInt(&ok);
            if (!ok)
                return QStringLiteral("--retry-schedule: \"%1\" is not a number of seconds").arg(item);
            w.retryScheduleSeconds.append(seconds);
        }
    }
    QString error = number("max-attempts", 1, 100, &w.maxAttempts);
    int timeoutSeconds = w.timeoutMs / 1000;
    if (error.isEmpty())
        error = number("timeout", 1, 300, &timeoutSeconds);
    w.timeoutMs = timeoutSeconds * 1000;
    if (error.isEmpty())
        error = number("concurrency", 1, 64, &w.concurrency);
    if (!error.isEmpty())
        return error;
    if (parser.isSet(QStringLiteral("insecure-skip-tls-verify")) &&
        parser.isSet(QStringLiteral("verify-tls")))
        return QStringLiteral("give only one of --insecure-skip-tls-verify and --verify-tls");
    if (parser.isSet(QStringLiteral("insecure-skip-tls-verify")))
        w.tlsSkipVerify = true;
    if (parser.isSet(QStringLiteral("verify-tls")))
        w.tlsSkipVerify = false;
    if (parser.isSet(QStringLiteral("enabled")) && parser.isSet(QStringLiteral("disabled")))
        return QStringLiteral("give only one of --enabled and --disabled");
    if (parser.isSet(QStringLiteral("enabled"))) {
        w.enabled = true;
        w.disabledReason.clear();
    }
    if (parser.isSet(QStringLiteral("disabled"))) {
        w.enabled = false;
        w.disabledReason = QStringLiteral("disabled by an operator");
    }
    return {};
}

QString WebhookCommand::validate(Store &store, const WebhookConfig &w)
{
    if (w.name.isEmpty())
        return QStringLiteral("a webhook needs a name (--name)");
    static const QRegularExpression digitsOnly(QStringLiteral("^[0-9]+$"));
    if (digitsOnly.match(w.name).hasMatch())
        return QStringLiteral("a webhook name cannot be only digits (those are ids)");
    if (const std::optional<WebhookConfig> other = store.webhookByName(w.name); other && other->id != w.id)
        return QStringLiteral("a webhook named \"%1\" exists already (id %2)").arg(w.name).arg(other->id);
    const QUrl url(w.url, QUrl::StrictMode);
    if (w.url.isEmpty())
        return QStringLiteral("a webhook needs a URL (--url)");
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty())
        return QStringLiteral("\"%1\" is not an http:// or https:// URL with a host").arg(w.url);
    QString error;
    if (!w.secret.isEmpty() && !WebhookSignature::isValidSecret(w.secret, &error))
        return QStringLiteral("the secret is not usable: %1 (use --generate-secret for a new one)")
            .arg(error);
    error = WebhookFilter::validate(w);
    if (!error.isEmpty())
        return error;
    error = RetryPolicy::validateSchedule(w.retryScheduleSeconds);
    if (!error.isEmpty())
        return QStringLiteral("--retry-schedule: %1").arg(error);
    return {};
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
    QJsonArray headers;
    for (const auto &header : w.headers)
        headers.append(QJsonArray{header.first, header.second});
    QJsonArray schedule;
    for (int seconds :
         w.retryScheduleSeconds.isEmpty() ? RetryPolicy::defaultScheduleSeconds() : w.retryScheduleSeconds)
        schedule.append(seconds);
    QString secret;
    if (!w.secret.isEmpty())
        secret = revealSecret ? w.secret : QStringLiteral("whsec_********");
    return QJsonObject{
        {QStringLiteral("id"), w.id},
        {QStringLiteral("name"), w.name},
        {QStringLiteral("url"), w.url},
        {QStringLiteral("secret"), secret},
        {QStringLiteral("actions"), QJsonArray::fromStringList(w.actions)},
        {QStringLiteral("repositories"), QJsonArray::fromStringList(w.repositoryGlobs)},
        {QStringLiteral("tags"), QJsonArray::fromStringList(w.tagGlobs)},
        {QStringLiteral("mediaTypes"),
         QJsonArray::fromStringList(w.mediaTypes.isEmpty() ? WebhookFilter::defaultMediaTypes()
                                                           : w.mediaTypes)},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("format"), w.payloadFormat == WebhookConfig::PayloadFormat::CloudEvents
                                       ? QStringLiteral("cloudevents")
                                       : QStringLiteral("registry")},
        {QStringLiteral("retrySchedule"), schedule},
        {QStringLiteral("maxAttempts"), RetryPolicy(w.retryScheduleSeconds, w.maxAttempts).maxAttempts()},
        {QStringLiteral("timeoutSeconds"), w.timeoutMs / 1000},
        {QStringLiteral("concurrency"), w.concurrency},
        {QStringLiteral("tlsSkipVerify"), w.tlsSkipVerify},
        {QStringLiteral("enabled"), w.enabled},
        {QStringLiteral("disabledReason"), w.disabledReason},
    };
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
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    const QList<WebhookConfig> webhooks = store->webhooks();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const WebhookConfig &webhook : webhooks)
            array.append(toJson(webhook, false));
        context.out() << QJsonDocument(array).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    if (webhooks.isEmpty()) {
        context.out() << "No webhooks yet. Add one with: tidings webhook add --name NAME --url URL\n";
        return CommandContext::Success;
    }
    TextTable table({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("STATE"),
                     QStringLiteral("ACTIONS"), QStringLiteral("URL")});
    for (const WebhookConfig &w : webhooks) {
        QString state = w.enabled ? QStringLiteral("enabled") : QStringLiteral("disabled");
        if (!w.enabled && !w.disabledReason.isEmpty())
            state += QStringLiteral(" (") + w.disabledReason + QLatin1Char(')');
        if (w.tlsSkipVerify)
            state += QStringLiteral(", WARNING: TLS not verified");
        table.addRow(
            {QString::number(w.id), w.name, state, joined(w.actions, QStringLiteral("push")), w.url});
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
    const std::optional<WebhookConfig> webhook =
        namedWebhook(context, parser.positionalArguments(), &exitCode);
    if (!webhook)
        return exitCode;
    const QJsonObject json = toJson(*webhook, parser.isSet(QStringLiteral("reveal-secret")));
    if (parser.isSet(QStringLiteral("json"))) {
        context.out() << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    warnAboutTls(context, *webhook);
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
