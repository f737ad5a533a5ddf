#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"

#include <QJsonObject>
#include <QStringList>

class AdminClient;
class CommandContext;

// `tidings deliveries list|show`, `tidings replay`, `tidings send-test`.
class DeliveryCommand
{
public:
    static int runDeliveries(CommandContext &context, const QStringList &arguments);
    static int runReplay(CommandContext &context, const QStringList &arguments);
    static int runSendTest(CommandContext &context, const QStringList &arguments);

    static QJsonObject toJson(const DeliveryRecord &delivery);
    static QJsonObject toJson(const AttemptRecord &attempt);
    // "2026-11-26T10:00:00Z", "2026-11-26", or an age such as 30m, 12h, 7d. Invalid: a null QDateTime.
    static QDateTime parseTime(const QString &text, const QDateTime &now);

private:
    static int list(CommandContext &context, const QStringList &arguments);
    static int show(CommandContext &context, const QStringList &arguments);
    static int replayRemotely(CommandContext &context, AdminClient &remote, const QList<qint64> &ids,
                              const QString &webhook, const QDateTime &since);
    static void printAttempt(CommandContext &context, const QJsonObject &attempt);
};
