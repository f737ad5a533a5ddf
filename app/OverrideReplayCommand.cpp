#include "OverrideReplayCommand.h"

#include "AdminClient.h"
#include "AdminJson.h"
#include "CommandContext.h"
#include "DestinationPolicy.h"
#include "OverrideReplay.h"
#include "Store.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

namespace {

// The guard for a replay sent from the command line: off unless TIDINGS_DESTINATION_GUARD=on, as on the
// desktop (the person running it can read the database anyway); the allowlist as for serve.
bool destinationPolicy(CommandContext &context, DestinationPolicy *policy)
{
    const QString mode = qEnvironmentVariable("TIDINGS_DESTINATION_GUARD").trimmed().toLower();
    if (mode != QLatin1String("on"))
        return true;
    QStringList entries;
    for (const QString &entry : qEnvironmentVariable("TIDINGS_ALLOW_DESTINATIONS").split(QLatin1Char(',')))
        if (!entry.trimmed().isEmpty())
            entries.append(entry.trimmed());
    QList<DestinationPolicy::Subnet> subnets;
    QString error;
    if (!DestinationPolicy::parseAllowlist(entries, &subnets, &error)) {
        context.fail(QStringLiteral("TIDINGS_ALLOW_DESTINATIONS: %1").arg(error), CommandContext::UsageError);
        return false;
    }
    *policy = DestinationPolicy(true, subnets);
    return true;
}

int report(CommandContext &context, const QJsonObject &attempt)
{
    QTextStream &out = context.out();
    const int status = attempt.value(QStringLiteral("responseStatus")).toInt();
    out << "Attempt " << attempt.value(QStringLiteral("number")).toInt() << " of delivery to "
        << attempt.value(QStringLiteral("url")).toString() << ": ";
    if (status > 0)
        out << "HTTP " << status;
    else
        out << "no response (" << attempt.value(QStringLiteral("errorClass")).toString() << ": "
            << attempt.value(QStringLiteral("errorMessage")).toString() << ")";
    out << " after " << attempt.value(QStringLiteral("durationMs")).toInt() << " ms\n";
    const QString note = attempt.value(QStringLiteral("note")).toString();
    if (!note.isEmpty())
        out << "  " << note << "\n";
    const QJsonObject change = attempt.value(QStringLiteral("override")).toObject();
    if (!change.isEmpty())
        out << "  original payload sha256 "
            << change.value(QStringLiteral("originalPayloadSha256")).toString() << ", sent sha256 "
            << change.value(QStringLiteral("payloadSha256")).toString() << "\n";
    return status >= 200 && status < 300 ? CommandContext::Success : CommandContext::Failure;
}

} // namespace

int OverrideReplayCommand::run(CommandContext &context, qint64 deliveryId, const QString &url,
                               const QString &payloadFile)
{
    QByteArray payload; // null: as configured
    if (!payloadFile.isEmpty()) {
        QFile file(payloadFile);
        if (payloadFile == QLatin1String("-") ? !file.open(stdin, QIODevice::ReadOnly)
                                              : !file.open(QIODevice::ReadOnly))
            return context.fail(QStringLiteral("cannot read %1: %2").arg(payloadFile, file.errorString()),
                                CommandContext::UsageError);
        payload = file.readAll();
        if (payload.isNull())
            payload = QByteArray("");
        if (const QString error = OverrideReplay::checkPayload(payload); !error.isEmpty())
            return context.fail(QStringLiteral("%1: %2").arg(payloadFile, error), CommandContext::UsageError);
    }
    if (!url.isEmpty()) {
        if (const QString error = OverrideReplay::checkUrl(url); !error.isEmpty())
            return context.fail(QStringLiteral("--url: %1").arg(error), CommandContext::UsageError);
    }

    if (AdminClient *remote = context.remote()) {
        QJsonObject body;
        if (!url.isEmpty())
            body.insert(QStringLiteral("url"), url);
        if (!payload.isNull())
            body.insert(QStringLiteral("payload"), QString::fromUtf8(payload)); // sent byte for byte
        const AdminClient::Reply reply =
            remote->call("POST", QStringLiteral("/v1/admin/deliveries/%1/replay").arg(deliveryId), {}, body);
        if (!reply.ok())
            return context.fail(reply.problem(remote->server()),
                                reply.status == 400 ? CommandContext::UsageError : CommandContext::Failure);
        return report(context, reply.json.value(QStringLiteral("attempt")).toObject());
    }

    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    DestinationPolicy policy;
    if (!destinationPolicy(context, &policy))
        return CommandContext::UsageError;
    OverrideReplay replays(*store);
    replays.setDestinationPolicy(policy);
    OverrideReplayResult result;
    QEventLoop loop;
    QObject::connect(&replays, &OverrideReplay::finished, &loop, [&](const OverrideReplayResult &finished) {
        result = finished;
        loop.quit();
    });
    OverrideReplayResult refusal;
    if (replays.start(OverrideReplayRequest{deliveryId, url, payload}, &refusal) == 0)
        return context.fail(refusal.errorMessage);
    loop.exec(); // the attempt's own deadline (the webhook's timeout) ends it
    if (!result.errorCode.isEmpty())
        return context.fail(result.errorMessage);
    return report(context, AdminJson::attempt(result.attempt));
}
