#pragma once

#include "WebhookConfig.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

class Store;

// The settings a person or a tool may change on a webhook, and the one set of rules they are checked by.
// The command line (`tidings webhook add|update`) and the admin API (`POST/PATCH /v1/admin/webhooks`) both
// fill one of these and call applyTo() and validate(), so a value refused by one is refused by the other
// with the same reason. Messages name the setting the way the caller's user wrote it: `--timeout` on the
// command line, `timeoutSeconds` in JSON.
class WebhookSettings
{
public:
    enum class Source
    {
        CommandLine,
        Json
    };

    explicit WebhookSettings(Source source = Source::CommandLine)
        : m_source(source)
    {}

    // Values are kept as the user wrote them (numbers too) so the checks and messages live in one place.
    std::optional<QString> name;
    std::optional<QString> url;
    std::optional<QString> secret; // an empty string: no secret
    bool generateSecret = false;
    std::optional<QStringList> actions;
    std::optional<QStringList> repositories;
    std::optional<QStringList> tags;
    std::optional<QStringList> mediaTypes;
    std::optional<QStringList> headers; // "Name: value"
    std::optional<QString> format;
    std::optional<QStringList> retrySchedule;
    std::optional<QString> maxAttempts;
    std::optional<QString> timeoutSeconds;
    std::optional<QString> concurrency;
    std::optional<bool> tlsSkipVerify;
    std::optional<bool> enabled;

    // Copies the settings that were given onto `webhook`; returns why one is not acceptable, or empty.
    QString applyTo(WebhookConfig &webhook) const;
    // Whether the webhook as a whole can be stored (name unique and not only digits, URL, secret, filters,
    // schedule); the reason, or empty.
    QString validate(Store &store, const WebhookConfig &webhook) const;

    // The admin API's request body: fields named as in the webhook's JSON. Returns why the body is not
    // acceptable (unknown field, wrong type), or empty.
    static QString fromJson(const QJsonObject &body, WebhookSettings *settings);
    // The same settings as an admin API request body (what the command line sends to a remote server).
    QJsonObject toJson() const;

    // "--timeout" or "timeoutSeconds": how the caller's user names a setting given its command-line name.
    QString label(const char *option) const;

private:
    Source m_source;
};
