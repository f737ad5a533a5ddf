#pragma once

#include "WebhookConfig.h"

#include <QJsonObject>
#include <QStringList>

#include <optional>

class CommandContext;
class QCommandLineParser;
class Store;
class WebhookSettings;

// `tidings webhook add|list|show|update|remove|enable|disable`.
class WebhookCommand
{
public:
    static int run(CommandContext &context, const QStringList &arguments);
    // A webhook named by its id or its name; prints why not found.
    static std::optional<WebhookConfig> resolve(CommandContext &context, Store &store,
                                                const QString &reference);
    static QJsonObject toJson(const WebhookConfig &webhook, bool revealSecret);
    // The one webhook the positional arguments name; when there is none, *exitCode says how to exit (the
    // reason is printed).
    static std::optional<WebhookConfig> namedWebhook(CommandContext &context, const QStringList &positional,
                                                     int *exitCode);
    // Why the positional arguments are not exactly one webhook reference, or empty.
    static QString referenceError(const QStringList &positional);
    // The settings options given, as WebhookSettings (shared with the admin API); an error for flags that
    // exclude each other.
    static QString settingsFromOptions(const QCommandLineParser &parser, WebhookSettings *settings);

private:
    static int add(CommandContext &context, const QStringList &arguments);
    static int update(CommandContext &context, const QStringList &arguments);
    static int list(CommandContext &context, const QStringList &arguments);
    static int show(CommandContext &context, const QStringList &arguments);
    static int remove(CommandContext &context, const QStringList &arguments);
    static int setEnabled(CommandContext &context, const QStringList &arguments, bool enabled);

    static void addSettingOptions(QCommandLineParser &parser);
    // Copies the options that were given onto `webhook`; returns an error message or empty.
    static QString applySettingOptions(const QCommandLineParser &parser, WebhookConfig &webhook);
    static QString validate(Store &store, const WebhookConfig &webhook);
};
