#pragma once

#include "WebhookConfig.h"

#include <QString>

#include <optional>

class Store;

// Rotating a webhook's secret with a grace period: a new secret signs from now on, and the one it replaces
// keeps signing next to it for `graceSeconds` so a receiver can switch at its own pace. Rotating again
// during a grace period keeps only the secret that was current (the older one stops at once). The console,
// the admin API and the CLI all rotate through here.
class SecretRotation
{
public:
    static constexpr qint64 defaultGraceSeconds = 24 * 3600;
    static constexpr qint64 maxGraceSeconds = 30 * 24 * 3600;

    // The webhook as stored after the rotation, or nullopt with `error` (not found, out of range, storage).
    static std::optional<WebhookConfig> rotate(Store &store, qint64 webhookId, qint64 graceSeconds,
                                               QString *error);
    // "24h", "90m", "2d", "30s" or plain seconds; -1 when unreadable.
    static qint64 parseDuration(const QString &text);
    // Why a grace period cannot be used, or empty.
    static QString checkGrace(qint64 graceSeconds);
};
