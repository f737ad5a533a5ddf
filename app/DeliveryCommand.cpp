#include "DeliveryCommand.h"

#include "TestEvent.h"

#include "AdminClient.h"
#include "AdminJson.h"
#include "DeliveryResource.h"

#include "CommandContext.h"
#include "Dispatcher.h"
#include "OverrideReplayCommand.h"
#include "Store.h"
#include "TextTable.h"
#include "WebhookCommand.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>

namespace {

const QString deliveriesUsage =
    QStringLiteral("usage: tidings deliveries list [--status pending|in_flight|succeeded|failed|cancelled] "
                   "[--webhook NAME|ID]\n"
                   "                               [--limit N] [--json]\n"
                   "       tidings deliveries show ID [--json]\n"
                   "       tidings delivery replay ID [--url URL] [--payload-file FILE|-]");
const QString replayUsage = QStringLiteral("usage: tidings replay ID...\n"
                                           "       tidings replay --failed [--webhook NAME|ID] [--since "
                                           "TIME]   (TIME: ISO 8601 or an age like 30m, 12h, 7d)\n"
                                           "       tidings replay ID [--url URL] [--payload-file FILE|-]   "
                                           "(one attempt now, to another URL and/or with an edited payload)");
const QString sendTestUsage = QStringLiteral("usage: tidings send-test --webhook NAME|ID");

int remoteFailure(CommandContext &context, const AdminClient::Reply &reply)
{
    return context.fail(reply.problem(context.remote()->server()),
                        reply.status == 400 ? CommandContext::UsageError : CommandContext::Failure);
}

} // namespace

QJsonObject DeliveryCommand::toJson(const DeliveryRecord &delivery)
{
    return AdminJson::delivery(delivery);
}

QJsonObject DeliveryCommand::toJson(const AttemptRecord &attempt)
{
    return AdminJson::attempt(attempt);
}

QDateTime DeliveryCommand::parseTime(const QString &text, const QDateTime &now)
{
    return AdminJson::parseTime(text, now);
}

int DeliveryCommand::runDeliveries(CommandContext &context, const QStringList &arguments)
{
    const QString verb = arguments.value(0);
    if (verb == QLatin1String("list"))
        return list(context, arguments.mid(1));
    if (verb == QLatin1String("show"))
        return show(context, arguments.mid(1));
    if (verb == QLatin1String("replay"))
        return runReplay(context, arguments.mid(1));
    return context.fail(
        verb.isEmpty() ? deliveriesUsage
                       : QStringLiteral("unknown deliveries command \"%1\"\n%2").arg(verb, deliveriesUsage),
        CommandContext::UsageError);
}

int DeliveryCommand::list(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOptions(
        {{QStringLiteral("status"), QStringLiteral("Only this state."), QStringLiteral("STATE")},
         {QStringLiteral("webhook"), QStringLiteral("Only this webhook."), QStringLiteral("WEBHOOK")},
         {QStringLiteral("limit"), QStringLiteral("At most N rows (default 50)."), QStringLiteral("N")},
         {QStringLiteral("json"), QStringLiteral("Print JSON.")}});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, deliveriesUsage, &exitCode))
        return exitCode;
    if (parser.isSet(QStringLiteral("webhook")) &&
        parser.value(QStringLiteral("webhook")).trimmed().isEmpty())
        return context.fail(QStringLiteral("--webhook needs a name or id"), CommandContext::UsageError);
    DeliveryFilter filter;
    filter.limit = 50;
    if (parser.isSet(QStringLiteral("status"))) {
        DeliveryState state;
        if (!deliveryStateFromName(parser.value(QStringLiteral("status")), &state))
            return context.fail(
                QStringLiteral(
                    "unknown status \"%1\"; use pending, in_flight, succeeded, failed or cancelled")
                    .arg(parser.value(QStringLiteral("status"))),
                CommandContext::UsageError);
        filter.state = deliveryStateName(state);
    }
    if (parser.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        filter.limit = parser.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || filter.limit < 1 || filter.limit > 100000)
            return context.fail(QStringLiteral("--limit must be from 1 to 100000"),
                                CommandContext::UsageError);
    }
    QJsonArray deliveries;
    if (AdminClient *remote = context.remote()) {
        // The API pages by at most 1000; a larger --limit follows the cursor.
        QString cursor;
        do {
            QUrlQuery query;
            if (!filter.state.isEmpty())
                query.addQueryItem(QStringLiteral("status"), filter.state);
            if (parser.isSet(QStringLiteral("webhook")))
                query.addQueryItem(QStringLiteral("webhook"),
                                   parser.value(QStringLiteral("webhook")).trimmed());
            query.addQueryItem(QStringLiteral("limit"),
                               QString::number(qMin(1000, filter.limit - int(deliveries.size()))));
            if (!cursor.isEmpty())
                query.addQueryItem(QStringLiteral("cursor"), cursor);
            const AdminClient::Reply reply =
                remote->call("GET", QStringLiteral("/v1/admin/deliveries"), query);
            if (!reply.ok())
                return remoteFailure(context, reply);
            for (const QJsonValue &item : reply.json.value(QStringLiteral("items")).toArray())
                deliveries.append(item);
            cursor = reply.json.value(QStringLiteral("nextCursor")).toString();
        } while (!cursor.isEmpty() && deliveries.size() < filter.limit);
    } else {
        Store *store = context.store();
        if (!store)
            return CommandContext::Failure;
        if (parser.isSet(QStringLiteral("webhook"))) {
            const std::optional<WebhookConfig> webhook =
                WebhookCommand::resolve(context, *store, parser.value(QStringLiteral("webhook")));
            if (!webhook)
                return CommandContext::Failure;
            filter.webhookId = webhook->id;
        }
        for (const DeliveryRecord &delivery : store->deliveries(filter))
            deliveries.append(toJson(delivery));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        context.out() << QJsonDocument(deliveries).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    if (deliveries.isEmpty()) {
        context.out() << "No deliveries match.\n";
        return CommandContext::Success;
    }
    TextTable table({QStringLiteral("ID"), QStringLiteral("CREATED"), QStringLiteral("WEBHOOK"),
                     QStringLiteral("STATE"), QStringLiteral("ATTEMPTS"), QStringLiteral("HTTP"),
                     QStringLiteral("EVENT")});
    for (const QJsonValue &value : std::as_const(deliveries)) {
        const QJsonObject d = value.toObject();
        const QString tag = d.value(QStringLiteral("tag")).toString();
        const QString event = d.value(QStringLiteral("action")).toString() + QLatin1Char(' ') +
                              d.value(QStringLiteral("repository")).toString() +
                              (tag.isEmpty() ? QString() : QLatin1Char(':') + tag);
        const int lastStatus = d.value(QStringLiteral("lastStatus")).toInt();
        const QString lastError = d.value(QStringLiteral("lastError")).toString();
        const QString result = lastStatus            ? QString::number(lastStatus)
                               : lastError.isEmpty() ? QStringLiteral("-")
                                                     : lastError;
        table.addRow({QString::number(d.value(QStringLiteral("id")).toInteger()),
                      d.value(QStringLiteral("createdAt")).toString(),
                      d.value(QStringLiteral("webhook")).toString(),
                      d.value(QStringLiteral("state")).toString(),
                      QString::number(d.value(QStringLiteral("attempts")).toInt()), result, event});
    }
    table.print(context.out());
    return CommandContext::Success;
}

void DeliveryCommand::printAttempt(CommandContext &context, const QJsonObject &a)
{
    QTextStream &out = context.out();
    auto text = [&a](const char *key) {
        return a.value(QLatin1String(key)).toString();
    };
    out << "\nAttempt " << a.value(QStringLiteral("number")).toInt()
        << (a.value(QStringLiteral("manual")).toBool() ? " (manual replay)" : "") << " at "
        << text("startedAt") << ", " << a.value(QStringLiteral("durationMs")).toInt() << " ms\n";
    if (!text("note").isEmpty())
        out << "  note: " << text("note") << "\n";
    out << "  POST " << text("url") << "\n";
    for (const QJsonValue &header : a.value(QStringLiteral("requestHeaders")).toArray())
        out << "  > " << header.toArray().at(0).toString() << ": " << header.toArray().at(1).toString()
            << "\n";
    const int status = a.value(QStringLiteral("responseStatus")).toInt();
    if (status > 0) {
        out << "  < HTTP " << status << "\n";
        for (const QJsonValue &header : a.value(QStringLiteral("responseHeaders")).toArray())
            out << "  < " << header.toArray().at(0).toString() << ": " << header.toArray().at(1).toString()
                << "\n";
        if (!text("responseBody").isEmpty())
            out << "  < "
                << text("responseBody").left(2000).replace(QLatin1Char('\n'), QLatin1String("\n  < "))
                << "\n";
    }
    if (!text("errorClass").isEmpty())
        out << "  error: " << text("errorClass")
            << (text("errorMessage").isEmpty()
                    ? QString()
                    : QStringLiteral(" (") + text("errorMessage") + QLatin1Char(')'))
            << "\n";
}

int DeliveryCommand::show(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, deliveriesUsage, &exitCode))
        return exitCode;
    bool ok = false;
    const qint64 id = parser.positionalArguments().value(0).toLongLong(&ok);
    if (!ok || parser.positionalArguments().size() != 1)
        return context.fail(QStringLiteral("give one delivery id\n") + deliveriesUsage,
                            CommandContext::UsageError);
    // One shape from either side: the delivery, `attemptLog`, and the event as the registry sent it.
    QJsonObject json;
    if (AdminClient *remote = context.remote()) {
        const AdminClient::Reply reply =
            remote->call("GET", QStringLiteral("/v1/admin/deliveries/%1").arg(id));
        if (!reply.ok())
            return remoteFailure(context, reply);
        json = reply.json;
    } else {
        Store *store = context.store();
        if (!store)
            return CommandContext::Failure;
        const std::optional<DeliveryRecord> delivery = store->delivery(id);
        if (!delivery)
            return context.fail(QStringLiteral("no delivery %1").arg(id));
        json = DeliveryResource::detail(*store, *delivery);
    }
    if (parser.isSet(QStringLiteral("json"))) {
        context.out() << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() == QLatin1String("attemptLog") || it.key() == QLatin1String("event") ||
            it.key() == QLatin1String("eventId"))
            continue;
        context.out() << qSetFieldWidth(15) << Qt::left << (it.key() + QLatin1Char(':')) << qSetFieldWidth(0)
                      << it->toVariant().toString() << "\n";
    }
    if (json.contains(QStringLiteral("event"))) {
        const QJsonObject event = json.value(QStringLiteral("event")).toObject();
        context.out()
            << "\nEvent " << json.value(QStringLiteral("eventId")).toString() << " from "
            << event.value(QStringLiteral("source")).toObject().value(QStringLiteral("addr")).toString()
            << ":\n"
            << QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Indented)).trimmed() << "\n";
    }
    for (const QJsonValue &attempt : json.value(QStringLiteral("attemptLog")).toArray())
        printAttempt(context, attempt.toObject());
    return CommandContext::Success;
}

int DeliveryCommand::runReplay(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOptions({{QStringLiteral("failed"), QStringLiteral("Replay every failed delivery.")},
                       {QStringLiteral("webhook"), QStringLiteral("With --failed: only this webhook."),
                        QStringLiteral("WEBHOOK")},
                       {QStringLiteral("since"), QStringLiteral("With --failed: created since TIME."),
                        QStringLiteral("TIME")},
                       {QStringLiteral("url"), QStringLiteral("Send this one attempt to URL instead."),
                        QStringLiteral("URL")},
                       {QStringLiteral("payload-file"),
                        QStringLiteral("Send the JSON in FILE (- for stdin) instead of the payload."),
                        QStringLiteral("FILE")}});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, replayUsage, &exitCode))
        return exitCode;
    if (parser.isSet(QStringLiteral("url")) || parser.isSet(QStringLiteral("payload-file"))) {
        bool ok = false;
        const qint64 id = parser.positionalArguments().value(0).toLongLong(&ok);
        if (parser.isSet(QStringLiteral("failed")) || parser.positionalArguments().size() != 1 || !ok)
            return context.fail(
                QStringLiteral("--url and --payload-file replay one delivery: give its id\n") + replayUsage,
                CommandContext::UsageError);
        if (parser.isSet(QStringLiteral("url")) && parser.value(QStringLiteral("url")).trimmed().isEmpty())
            return context.fail(QStringLiteral("--url needs a URL"), CommandContext::UsageError);
        return OverrideReplayCommand::run(context, id, parser.value(QStringLiteral("url")).trimmed(),
                                          parser.value(QStringLiteral("payload-file")));
    }
    if (parser.isSet(QStringLiteral("webhook")) &&
        parser.value(QStringLiteral("webhook")).trimmed().isEmpty())
        return context.fail(QStringLiteral("--webhook needs a name or id"), CommandContext::UsageError);
    const bool failed = parser.isSet(QStringLiteral("failed"));
    const QStringList ids = parser.positionalArguments();
    if (failed == !ids.isEmpty())
        return context.fail(QStringLiteral("give delivery ids or --failed, not both or neither\n") +
                                replayUsage,
                            CommandContext::UsageError);
    if (!failed && (parser.isSet(QStringLiteral("webhook")) || parser.isSet(QStringLiteral("since"))))
        return context.fail(QStringLiteral("--webhook and --since go with --failed\n") + replayUsage,
                            CommandContext::UsageError);
    QList<qint64> deliveryIds;
    for (const QString &text : ids) {
        bool ok = false;
        deliveryIds.append(text.toLongLong(&ok));
        if (!ok)
            return context.fail(QStringLiteral("\"%1\" is not a delivery id").arg(text),
                                CommandContext::UsageError);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime since;
    if (parser.isSet(QStringLiteral("since"))) {
        since = parseTime(parser.value(QStringLiteral("since")), now);
        if (!since.isValid())
            return context.fail(
                QStringLiteral("--since \"%1\" is neither an ISO 8601 time nor an age like 12h")
                    .arg(parser.value(QStringLiteral("since"))),
                CommandContext::UsageError);
    }
    if (AdminClient *remote = context.remote())
        return replayRemotely(context, *remote, deliveryIds,
                              parser.value(QStringLiteral("webhook")).trimmed(), since);
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;

    if (failed) {
        qint64 webhookId = 0;
        if (parser.isSet(QStringLiteral("webhook"))) {
            const std::optional<WebhookConfig> webhook =
                WebhookCommand::resolve(context, *store, parser.value(QStringLiteral("webhook")));
            if (!webhook)
                return CommandContext::Failure;
            webhookId = webhook->id;
        }
        const int count = store->replayFailed(webhookId, since, now.toMSecsSinceEpoch());
        if (count < 0)
            return context.fail(QStringLiteral("cannot replay: %1").arg(store->lastError()));
        context.out() << "Replaying " << count << " failed deliver" << (count == 1 ? "y" : "ies") << "\n";
        return CommandContext::Success;
    }

    int problems = 0;
    for (qint64 id : deliveryIds) {
        switch (store->replay(id, now.toMSecsSinceEpoch())) {
        case Store::ReplayResult::Replayed:
            context.out() << "Replaying delivery " << id << "\n";
            break;
        case Store::ReplayResult::NotFound:
            context.fail(QStringLiteral("no delivery %1").arg(id));
            ++problems;
            break;
        case Store::ReplayResult::InFlight:
            context.fail(
                QStringLiteral("delivery %1 is being sent right now; replay it when the attempt is over")
                    .arg(id));
            ++problems;
            break;
        case Store::ReplayResult::Failed:
            context.fail(QStringLiteral("cannot replay delivery %1: %2").arg(id).arg(store->lastError()));
            ++problems;
            break;
        }
    }
    return problems == 0 ? CommandContext::Success : CommandContext::Failure;
}

int DeliveryCommand::replayRemotely(CommandContext &context, AdminClient &remote, const QList<qint64> &ids,
                                    const QString &webhook, const QDateTime &since)
{
    if (ids.isEmpty()) {
        // Every failed delivery (of the webhook, since the time), in pages the server bounds.
        QJsonObject body{{QStringLiteral("status"), QStringLiteral("failed")}};
        if (!webhook.isEmpty())
            body.insert(QStringLiteral("webhook"), webhook);
        if (since.isValid())
            body.insert(QStringLiteral("since"), AdminJson::timeText(since));
        int count = 0;
        QString cursor;
        do {
            if (!cursor.isEmpty())
                body.insert(QStringLiteral("cursor"), cursor);
            const AdminClient::Reply reply =
                remote.call("POST", QStringLiteral("/v1/admin/deliveries/replay"), {}, body);
            if (!reply.ok())
                return context.fail(QStringLiteral("cannot replay: %1").arg(reply.problem(remote.server())));
            count += reply.json.value(QStringLiteral("replayed")).toInt();
            cursor = reply.json.value(QStringLiteral("nextCursor")).toString();
        } while (!cursor.isEmpty());
        context.out() << "Replaying " << count << " failed deliver" << (count == 1 ? "y" : "ies") << "\n";
        return CommandContext::Success;
    }
    int problems = 0;
    for (qint64 id : ids) {
        const AdminClient::Reply reply =
            remote.call("POST", QStringLiteral("/v1/admin/deliveries/%1/replay").arg(id));
        if (reply.ok()) {
            context.out() << "Replaying delivery " << id << "\n";
        } else {
            context.fail(reply.problem(remote.server()));
            ++problems;
        }
    }
    return problems == 0 ? CommandContext::Success : CommandContext::Failure;
}

int DeliveryCommand::runSendTest(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption(
        {QStringLiteral("webhook"), QStringLiteral("The webhook to send to."), QStringLiteral("WEBHOOK")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, sendTestUsage, &exitCode))
        return exitCode;
    if (context.remote())
        return context.fail(
            QStringLiteral("send-test works on the database only; run it on the server's host"),
            CommandContext::UsageError);
    if (parser.value(QStringLiteral("webhook")).trimmed().isEmpty())
        return context.fail(sendTestUsage, CommandContext::UsageError);
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    const std::optional<WebhookConfig> webhook =
        WebhookCommand::resolve(context, *store, parser.value(QStringLiteral("webhook")));
    if (!webhook)
        return CommandContext::Failure;

    // A synthetic tag push, shaped like the registry's own (the same one the console sends), delivered to
    // this webhook whatever its filters say.
    const RegistryEvent event = TestEvent::create();

    const qint64 nowMs = event.receivedAt.toMSecsSinceEpoch();
    qint64 deliveryId = -1;
    if (store->beginWrite()) {
        const qint64 eventRow = store->insertEvent(event);
        if (eventRow > 0)
            deliveryId = store->insertDelivery(
                eventRow, webhook->id, QStringLiteral("msg_") + QUuid::createUuid().toString(QUuid::Id128),
                nowMs);
        if (deliveryId <= 0) {
            store->rollback();
            deliveryId = -1;
        } else if (!store->commit()) {
            deliveryId = -1;
        }
    }
    if (deliveryId < 0)
        return context.fail(QStringLiteral("cannot queue the test event: %1").arg(store->lastError()));
    context.out() << "Sending a test push of tidings/send-test:latest to \"" << webhook->name
                  << "\" (delivery " << deliveryId << ")\n";
    context.out().flush();

    const QString owner = QStringLiteral("send-test-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    std::optional<AttemptRecord> result;
    if (std::optional<ClaimedDelivery> claimed =
            store->claimDelivery(deliveryId, owner, nowMs, nowMs + webhook->timeoutMs + 30000)) {
        Dispatcher dispatcher(*store, owner);
        QEventLoop loop;
        QObject::connect(&dispatcher, &Dispatcher::attemptRecorded, &loop, [&](const AttemptRecord &attempt) {
            result = attempt;
            loop.quit();
        });
        QObject::connect(&dispatcher, &Dispatcher::storeFailed, &loop, [&](const QString &reason) {
            context.fail(reason);
            loop.quit();
        });
        dispatcher.dispatch(*claimed, *webhook);
        loop.exec();
    } else {
        // A running `serve` on this database claimed it first; wait for its attempt.
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < webhook->timeoutMs + 15000) {
            const QList<AttemptRecord> attempts = store->attempts(deliveryId);
            if (!attempts.isEmpty()) {
                result = attempts.constFirst();
                break;
            }
            QThread::msleep(100);
        }
        if (!result)
            return context.fail(
                QStringLiteral("the test event is queued as delivery %1 but no attempt was recorded yet; "
                               "see `tidings deliveries show %1`")
                    .arg(deliveryId));
    }
    if (!result)
        return CommandContext::Failure;
    printAttempt(context, toJson(*result));
    const bool succeeded = result->responseStatus >= 200 && result->responseStatus < 300;
    context.out() << (succeeded ? "\nDelivered.\n"
                                : "\nNot delivered; the delivery follows the webhook's retry schedule.\n");
    return succeeded ? CommandContext::Success : CommandContext::Failure;
}
