#include "WebhookSettings.h"

#include "Dispatcher.h"
#include "RetryPolicy.h"
#include "Store.h"
#include "WebhookFilter.h"
#include "WebhookSignature.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUrl>

namespace {

struct FieldName
{
    const char *option; // command line, without the dashes
    const char *json;   // the webhook's JSON
};

// One table, so the command line and the API cannot drift apart in what they call a setting.
const FieldName fieldNames[] = {
    {"name", "name"},
    {"url", "url"},
    {"secret", "secret"},
    {"generate-secret", "generateSecret"},
    {"actions", "actions"},
    {"repository", "repositories"},
    {"tag", "tags"},
    {"media-type", "mediaTypes"},
    {"header", "headers"},
    {"format", "format"},
    {"retry-schedule", "retrySchedule"},
    {"max-attempts", "maxAttempts"},
    {"timeout", "timeoutSeconds"},
    {"concurrency", "concurrency"},
    {"insecure-skip-tls-verify", "tlsSkipVerify"},
    {"enabled", "enabled"},
};

QStringList trimmedItems(const QStringList &values)
{
    QStringList items;
    for (const QString &value : values) {
        if (!value.trimmed().isEmpty())
            items.append(value.trimmed());
    }
    return items;
}

// A JSON list of strings, or one string with comma-separated items (as on the command line).
QString stringList(const QJsonValue &value, const QString &field, QStringList *out)
{
    if (value.isString()) {
        *out = trimmedItems(value.toString().split(QLatin1Char(',')));
        return {};
    }
    if (!value.isArray())
        return QStringLiteral("%1 must be a list of strings").arg(field);
    out->clear();
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isString())
            return QStringLiteral("%1 must be a list of strings").arg(field);
        if (!item.toString().trimmed().isEmpty())
            out->append(item.toString().trimmed());
    }
    return {};
}

QString numberText(const QJsonValue &value, const QString &field, std::optional<QString> *out)
{
    if (value.isDouble()) {
        const double number = value.toDouble();
        *out = number == double(qint64(number)) ? QString::number(qint64(number)) : QString::number(number);
        return {};
    }
    if (value.isString()) {
        *out = value.toString();
        return {};
    }
    return QStringLiteral("%1 must be a number").arg(field);
}

} // namespace

QString WebhookSettings::label(const char *option) const
{
    for (const FieldName &field : fieldNames) {
        if (qstrcmp(field.option, option) == 0)
            return m_source == Source::CommandLine ? QString(QStringLiteral("--") + QLatin1String(option))
                                                   : QString(QLatin1String(field.json));
    }
    return QLatin1String(option);
}

QString WebhookSettings::applyTo(WebhookConfig &w) const
{
    auto number = [this](const std::optional<QString> &text, const char *option, int min, int max,
                         int *target) -> QString {
        if (!text)
            return {};
        bool ok = false;
        const int value = text->trimmed().toInt(&ok);
        if (!ok || value < min || value > max)
            return QStringLiteral("%1 must be a whole number from %2 to %3")
                .arg(label(option))
                .arg(min)
                .arg(max);
        *target = value;
        return {};
    };

    if (name)
        w.name = name->trimmed();
    if (url)
        w.url = url->trimmed();
    if (secret)
        w.secret = secret->trimmed();
    if (generateSecret)
        w.secret = WebhookSignature::generateSecret();
    if (actions) {
        // A typo would silently never match; the registries' actions are a short, known list.
        w.actions.clear();
        for (const QString &action : trimmedItems(*actions)) {
            if (!WebhookFilter::isAcceptedAction(action))
                return QStringLiteral("%1: \"%2\" is not an action; use %3, *, or a CloudEvents type such as "
                                      "com.example.image.scanned")
                    .arg(label("actions"), action, WebhookFilter::knownActions().join(QStringLiteral(", ")));
            w.actions.append(action.toLower());
        }
        if (w.actions.isEmpty())
            return QStringLiteral("%1 needs at least one action").arg(label("actions"));
    }
    if (repositories)
        w.repositoryGlobs = trimmedItems(*repositories);
    if (tags)
        w.tagGlobs = trimmedItems(*tags);
    if (mediaTypes)
        w.mediaTypes = trimmedItems(*mediaTypes);
    if (headers) {
        w.headers.clear();
        static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
        for (const QString &header : *headers) {
            const qsizetype colon = header.indexOf(QLatin1Char(':'));
            const QString headerName = header.left(colon).trimmed();
            const QString value = header.mid(colon + 1).trimmed();
            if (colon <= 0 || !token.match(headerName).hasMatch())
                return QStringLiteral("%1 \"%2\" is not of the form 'Name: value'")
                    .arg(label("header"), header);
            if (Dispatcher::isReservedHeader(headerName.toLower().toLatin1()))
                return QStringLiteral("%1 \"%2\" is set by Tidings itself and cannot be replaced")
                    .arg(label("header"), headerName);
            if (value.contains(QLatin1Char('\r')) || value.contains(QLatin1Char('\n')))
                return QStringLiteral("%1 \"%2\" has a line break in its value")
                    .arg(label("header"), headerName);
            w.headers.append({headerName, value});
        }
    }
    if (format) {
        const QString lower = format->toLower();
        if (lower == QLatin1String("registry"))
            w.payloadFormat = WebhookConfig::PayloadFormat::Registry;
        else if (lower == QLatin1String("cloudevents"))
            w.payloadFormat = WebhookConfig::PayloadFormat::CloudEvents;
        else
            return QStringLiteral("%1 must be registry or cloudevents, not \"%2\"")
                .arg(label("format"), lower);
    }
    if (retrySchedule) {
        w.retryScheduleSeconds.clear();
        for (const QString &item : trimmedItems(*retrySchedule)) {
            bool ok = false;
            const int seconds = item.toInt(&ok);
            if (!ok)
                return QStringLiteral("%1: \"%2\" is not a number of seconds")
                    .arg(label("retry-schedule"), item);
            w.retryScheduleSeconds.append(seconds);
        }
    }
    QString error = number(maxAttempts, "max-attempts", 1, 100, &w.maxAttempts);
    int timeout = w.timeoutMs / 1000;
    if (error.isEmpty())
        error = number(timeoutSeconds, "timeout", 1, 300, &timeout);
    w.timeoutMs = timeout * 1000;
    if (error.isEmpty())
        error = number(concurrency, "concurrency", 1, 64, &w.concurrency);
    if (!error.isEmpty())
        return error;
    if (tlsSkipVerify)
        w.tlsSkipVerify = *tlsSkipVerify;
    if (enabled) {
        w.enabled = *enabled;
        w.disabledReason = *enabled ? QString() : QStringLiteral("disabled by an operator");
    }
    return {};
}

QString WebhookSettings::validate(Store &store, const WebhookConfig &w) const
{
    if (w.name.isEmpty())
        return QStringLiteral("a webhook needs a name (%1)").arg(label("name"));
    static const QRegularExpression digitsOnly(QStringLiteral("^[0-9]+$"));
    if (digitsOnly.match(w.name).hasMatch())
        return QStringLiteral("a webhook name cannot be only digits (those are ids)");
    if (const std::optional<WebhookConfig> other = store.webhookByName(w.name); other && other->id != w.id)
        return QStringLiteral("a webhook named \"%1\" exists already (id %2)").arg(w.name).arg(other->id);
    const QUrl parsed(w.url, QUrl::StrictMode);
    if (w.url.isEmpty())
        return QStringLiteral("a webhook needs a URL (%1)").arg(label("url"));
    if (!parsed.isValid() ||
        (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")) ||
        parsed.host().isEmpty())
        return QStringLiteral("\"%1\" is not an http:// or https:// URL with a host").arg(w.url);
    QString error;
    if (!w.secret.isEmpty() && !WebhookSignature::isValidSecret(w.secret, &error))
        return QStringLiteral("the secret is not usable: %1 (use %2 for a new one)")
            .arg(error, label("generate-secret"));
    error = WebhookFilter::validate(w);
    if (!error.isEmpty())
        return error;
    error = RetryPolicy::validateSchedule(w.retryScheduleSeconds);
    if (!error.isEmpty())
        return QStringLiteral("%1: %2").arg(label("retry-schedule"), error);
    return {};
}

QString WebhookSettings::fromJson(const QJsonObject &body, WebhookSettings *s)
{
    *s = WebhookSettings(Source::Json);
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        QString error;
        auto text = [&](std::optional<QString> *target) {
            if (value.isString())
                *target = value.toString();
            else
                error = QStringLiteral("%1 must be a string").arg(key);
        };
        auto list = [&](std::optional<QStringList> *target) {
            QStringList items;
            error = stringList(value, key, &items);
            if (error.isEmpty())
                *target = items;
        };
        auto flag = [&](std::optional<bool> *target) {
            if (value.isBool())
                *target = value.toBool();
            else
                error = QStringLiteral("%1 must be true or false").arg(key);
        };
        if (key == QLatin1String("name")) {
            text(&s->name);
        } else if (key == QLatin1String("url")) {
            text(&s->url);
        } else if (key == QLatin1String("secret")) {
            if (value.isNull())
                s->secret = QString();
            else
                text(&s->secret);
        } else if (key == QLatin1String("generateSecret")) {
            std::optional<bool> generate;
            flag(&generate);
            s->generateSecret = generate.value_or(false);
        } else if (key == QLatin1String("actions")) {
            list(&s->actions);
        } else if (key == QLatin1String("repositories")) {
            list(&s->repositories);
        } else if (key == QLatin1String("tags")) {
            list(&s->tags);
        } else if (key == QLatin1String("mediaTypes")) {
            list(&s->mediaTypes);
        } else if (key == QLatin1String("headers")) {
            // [["Name", "value"], ...] as the webhook's JSON shows them, or ["Name: value", ...].
            if (!value.isArray()) {
                error = QStringLiteral("headers must be a list of [\"Name\", \"value\"] pairs");
            } else {
                QStringList lines;
                const QJsonArray array = value.toArray();
                for (const QJsonValue &item : array) {
                    const QJsonArray pair = item.toArray();
                    if (item.isString())
                        lines.append(item.toString());
                    else if (item.isArray() && pair.size() == 2 && pair.at(0).isString() &&
                             pair.at(1).isString())
                        lines.append(pair.at(0).toString() + QStringLiteral(": ") + pair.at(1).toString());
                    else
                        error = QStringLiteral("headers must be a list of [\"Name\", \"value\"] pairs");
                }
                s->headers = lines;
            }
        } else if (key == QLatin1String("format")) {
            text(&s->format);
        } else if (key == QLatin1String("retrySchedule")) {
            if (value.isArray()) {
                QStringList items;
                const QJsonArray array = value.toArray();
                for (const QJsonValue &item : array)
                    items.append(item.isDouble() ? QString::number(item.toDouble())
                                                 : item.toVariant().toString());
                s->retrySchedule = items;
            } else {
                list(&s->retrySchedule);
            }
        } else if (key == QLatin1String("maxAttempts")) {
            error = numberText(value, key, &s->maxAttempts);
        } else if (key == QLatin1String("timeoutSeconds")) {
            error = numberText(value, key, &s->timeoutSeconds);
        } else if (key == QLatin1String("concurrency")) {
            error = numberText(value, key, &s->concurrency);
        } else if (key == QLatin1String("tlsSkipVerify")) {
            flag(&s->tlsSkipVerify);
        } else if (key == QLatin1String("enabled")) {
            flag(&s->enabled);
        } else {
            error = QStringLiteral(
                        "unknown field \"%1\"; a webhook has name, url, secret, generateSecret, actions, "
                        "repositories, tags, mediaTypes, headers, format, retrySchedule, "
                        "maxAttempts, timeoutSeconds, concurrency, tlsSkipVerify and enabled")
                        .arg(key);
        }
        if (!error.isEmpty())
            return error;
    }
    if (s->generateSecret && s->secret)
        return QStringLiteral("give only one of secret and generateSecret");
    return {};
}

QJsonObject WebhookSettings::toJson() const
{
    QJsonObject body;
    auto put = [&body](const char *key, const auto &value) {
        if (value)
            body.insert(QLatin1String(key), QJsonValue::fromVariant(QVariant::fromValue(*value)));
    };
    if (name)
        body.insert(QStringLiteral("name"), *name);
    if (url)
        body.insert(QStringLiteral("url"), *url);
    if (secret)
        body.insert(QStringLiteral("secret"), *secret);
    if (generateSecret)
        body.insert(QStringLiteral("generateSecret"), true);
    if (actions)
        body.insert(QStringLiteral("actions"), QJsonArray::fromStringList(*actions));
    if (repositories)
        body.insert(QStringLiteral("repositories"), QJsonArray::fromStringList(*repositories));
    if (tags)
        body.insert(QStringLiteral("tags"), QJsonArray::fromStringList(*tags));
    if (mediaTypes)
        body.insert(QStringLiteral("mediaTypes"), QJsonArray::fromStringList(*mediaTypes));
    if (headers)
        body.insert(QStringLiteral("headers"), QJsonArray::fromStringList(*headers));
    if (format)
        body.insert(QStringLiteral("format"), *format);
    if (retrySchedule)
        body.insert(QStringLiteral("retrySchedule"), QJsonArray::fromStringList(*retrySchedule));
    // Numbers travel as the text the user typed, so the server's message names the same value.
    put("maxAttempts", maxAttempts);
    put("timeoutSeconds", timeoutSeconds);
    put("concurrency", concurrency);
    put("tlsSkipVerify", tlsSkipVerify);
    put("enabled", enabled);
    return body;
}
