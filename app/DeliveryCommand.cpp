#include "DeliveryCommand.h"

#include "CommandContext.h"
#include "Dispatcher.h"
#include "Store.h"
#include "TextTable.h"
#include "WebhookCommand.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>
#include <QUuid>

namespace {

const QString deliveriesUsage =
    QStringLiteral("usage: tidings deliveries list [--status pending|in_flight|succeeded|failed|cancelled] "
                   "[--webhook NAME|ID]\n"
                   "                               [--limit N] [--json]\n"
                   "       tidings deliveries show ID [--json]");
const QString replayUsage = QStringLiteral("usage: tidings replay ID...\n"
                                           "       tidings replay --failed [--webhook NAME|ID] [--since "
                                           "TIME]   (TIME: ISO 8601 or an age like 30m, 12h, 7d)");
const QString sendTestUsage = QStringLiteral("usage: tidings send-test --webhook NAME|ID");

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonArray headersJson(const AttemptRecord::Headers &headers)
{
    QJsonArray array;
    for (const auto &header : headers)
        array.append(QJsonArray{QString::fromLatin1(header.first), QString::fromLatin1(header.second)});
    return array;
}

QString bodyText(const QByteArray &body)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (!document.isNull())
        return QString::fromUtf8(document.toJson(QJsonDocument::Indented)).trimmed();
    return QString::fromUtf8(body);
}

} // namespace

QJsonObject DeliveryCommand::toJson(const DeliveryRecord &d)
{
    return QJsonObject{
        {QStringLiteral("id"), d.id},
        {QStringLiteral("webhook"), d.webhookName},
        {QStringLiteral("webhookId"), d.webhookId},
        {QStringLiteral("state"), deliveryStateName(d.state)},
        {QStringLiteral("attempts"), d.attempts},
        {QStringLiteral("totalAttempts"), d.totalAttempts},
        {QStringLiteral("manual"), d.manual},
        {QStringLiteral("action"), d.action},
        {QStringLiteral("repository"), d.repository},
        {QStringLiteral("tag"), d.tag},
        {QStringLiteral("lastStatus"), d.lastStatus},
        {QStringLiteral("lastError"), d.lastError},
        {QStringLiteral("messageId"), d.messageId},
        {QStringLiteral("createdAt"), timeText(d.createdAt)},
        {QStringLiteral("updatedAt"), timeText(d.updatedAt)},
        {QStringLiteral("nextAttemptAt"),
         d.state == DeliveryState::Pending ? timeText(d.nextAttemptAt) : QString()},
    };
}

QJsonObject DeliveryCommand::toJson(const AttemptRecord &a)
{
    return QJsonObject{
        {QStringLiteral("number"), a.number},
        {QStringLiteral("manual"), a.manual},
        {QStringLiteral("note"), a.note},
        {QStringLiteral("startedAt"), timeText(a.startedAt)},
        {QStringLiteral("durationMs"), a.durationMs},
        {QStringLiteral("url"), a.url},
        {QStringLiteral("requestHeaders"), headersJson(a.requestHeaders)},
        {QStringLiteral("requestBody"), QString::fromUtf8(a.requestBody)},
        {QStringLiteral("responseStatus"), a.responseStatus},
        {QStringLiteral("responseHeaders"), headersJson(a.responseHeaders)},
        {QStringLiteral("responseBody"), QString::fromUtf8(a.responseBody)},
        {QStringLiteral("errorClass"), a.errorClass},
        {QStringLiteral("errorMessage"), a.errorMessage},
    };
}

QDateTime DeliveryCommand::parseTime(const QString &text, const QDateTime &now)
{
    static const QRegularExpression age(QStringLiteral("^(\\d+)([smhd])$"));
    const QRegularExpressionMatch match = age.match(text.trimmed());
    if (match.hasMatch()) {
        const qint64 amount = match.captured(1).toLongLong();
        const QChar unit = match.captured(2).at(0);
        const qint64 seconds = unit == QLatin1Char('s')   ? amount
                               : unit == QLatin1Char('m') ? amount * 60
                               : unit == QLatin1Char('h') ? amount * 3600
                                                          : amount * 86400;
        return now.addSecs(-seconds);
    }
    QDateTime time = QDateTime::fromString(text.trimmed(), Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(text.trimmed(), Qt::ISODate);
    if (time.isValid() && time.timeSpec() == Qt::LocalTime && !text.contains(QLatin1Char('T')))
        time.setTimeSpec(Qt::UTC); // a bare date means the start of that day in UTC
    return time;
}

int DeliveryCommand::runDeliveries(CommandContext &context, const QStringList &arguments)
{
    const QString verb = arguments.value(0);
    if (verb == QLatin1String("list"))
        return list(context, arguments.mid(1));
    if (verb == QLatin1String("show"))
        return show(context, arguments.mid(1));
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
    const QList<DeliveryRecord> deliveries = store->deliveries(filter);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const DeliveryRecord &delivery : deliveries)
            array.append(toJson(delivery));
        context.out() << QJsonDocument(array).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    if (deliveries.isEmpty()) {
        context.out() << "No deliveries match.\n";
        return CommandContext::Success;
    }
    TextTable table({QStringLiteral("ID"), QStringLiteral("CREATED"), QStringLiteral("WEBHOOK"),
                     QStringLiteral("STATE"), QStringLiteral("ATTEMPTS"), QStringLiteral("HTTP"),
                     QStringLiteral("EVENT")});
    for (const DeliveryRecord &d : deliveries) {
        const QString event = d.action + QLatin1Char(' ') + d.repository +
                              (d.tag.isEmpty() ? QString() : QLatin1Char(':') + d.tag);
        const QString result = d.lastStatus            ? QString::number(d.lastStatus)
                               : d.lastError.isEmpty() ? QStringLiteral("-")
                                                       : d.lastError;
        table.addRow({QString::number(d.id), timeText(d.createdAt), d.webhookName, deliveryStateName(d.state),
                      QString::number(d.attempts), result, event});
    }
    table.print(context.out());
    return CommandContext::Success;
}

void DeliveryCommand::printAttempt(CommandContext &context, const AttemptRecord &a)
{
    QTextStream &out = context.out();
    out << "\nAttempt " << a.number << (a.manual ? " (manual replay)" : "") << " at " << timeText(a.startedAt)
        << ", " << a.durationMs << " ms\n";
    if (!a.note.isEmpty())
        out << "  note: " << a.note << "\n";
    out << "  POST " << a.url << "\n";
    for (const auto &header : a.requestHeaders)
        out << "  > " << header.first << ": " << header.second << "\n";
    if (a.responseStatus > 0) {
        out << "  < HTTP " << a.responseStatus << "\n";
        for (const auto &header : a.responseHeaders)
            out << "  < " << header.first << ": " << header.second << "\n";
        if (!a.responseBody.isEmpty())
            out << "  < "
                << QString::fromUtf8(a.responseBody)
                       .left(2000)
                       .replace(QLatin1Char('\n'), QLatin1String("\n  < "))
                << "\n";
    }
    if (!a.errorClass.isEmpty())
        out << "  error: " << a.errorClass
            << (a.errorMessage.isEmpty() ? QString()
                                         : QStringLiteral(" (") + a.errorMessage + QLatin1Char(')'))
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
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    const std::optional<DeliveryRecord> delivery = store->delivery(id);
    if (!delivery)
        return context.fail(QStringLiteral("no delivery %1").arg(id));
    const QList<AttemptRecord> attempts = store->attempts(id);
    const std::optional<RegistryEvent> event = store->event(delivery->eventRowId);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject json = toJson(*delivery);
        QJsonArray attemptArray;
        for (const AttemptRecord &attempt : attempts)
            attemptArray.append(toJson(attempt));
        json.insert(QStringLiteral("attemptLog"), attemptArray);
        if (event) {
            json.insert(QStringLiteral("event"), QJsonDocument::fromJson(event->rawJson).object());
            json.insert(QStringLiteral("eventId"), event->eventId);
        }
        context.out() << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return CommandContext::Success;
    }
    const QJsonObject json = toJson(*delivery);
    for (auto it = json.begin(); it != json.end(); ++it)
        context.out() << qSetFieldWidth(15) << Qt::left << (it.key() + QLatin1Char(':')) << qSetFieldWidth(0)
                      << it->toVariant().toString() << "\n";
    if (event)
        context.out() << "\nEvent " << event->eventId << " from " << event->sourceAddr << ":\n"
                      << bodyText(event->rawJson) << "\n";
    for (const AttemptRecord &attempt : attempts)
        printAttempt(context, attempt);
    return CommandContext::Success;
}

int DeliveryCommand::runReplay(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOptions({{QStringLiteral("failed"), QStringLiteral("Replay every failed delivery.")},
                       {QStringLiteral("webhook"), QStringLiteral("With --failed: only this webhook."),
                        QStringLiteral("WEBHOOK")},
                       {QStringLiteral("since"), QStringLiteral("With --failed: created since TIME."),
                        QStringLiteral("TIME")}});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, replayUsage, &exitCode))
        return exitCode;
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

int DeliveryCommand::runSendTest(CommandContext &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption(
        {QStringLiteral("webhook"), QStringLiteral("The webhook to send to."), QStringLiteral("WEBHOOK")});
    int exitCode = 0;
    if (!context.parseOptions(parser, arguments, sendTestUsage, &exitCode))
        return exitCode;
    if (parser.value(QStringLiteral("webhook")).trimmed().isEmpty())
        return context.fail(sendTestUsage, CommandContext::UsageError);
    Store *store = context.store();
    if (!store)
        return CommandContext::Failure;
    const std::optional<WebhookConfig> webhook =
        WebhookCommand::resolve(context, *store, parser.value(QStringLiteral("webhook")));
    if (!webhook)
        return CommandContext::Failure;

    // A synthetic tag push, shaped like the registry's own, delivered to this webhook whatever its filters
    // say.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    RegistryEvent event;
    event.eventId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    event.timestamp = now;
    event.receivedAt = now;
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("tidings/send-test");
    event.tag = QStringLiteral("latest");
    event.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
    event.digest = QStringLiteral("sha256:") +
                   QString::fromLatin1(
                       QCryptographicHash::hash(event.eventId.toUtf8(), QCryptographicHash::Sha256).toHex());
    event.size = 401;
    event.sourceAddr = QStringLiteral("tidings-send-test");
    event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json");
    const QJsonObject target{
        {QStringLiteral("mediaType"), event.mediaType},   {QStringLiteral("size"), event.size},
        {QStringLiteral("digest"), event.digest},         {QStringLiteral("length"), event.size},
        {QStringLiteral("repository"), event.repository}, {QStringLiteral("tag"), event.tag}};
    event.rawJson = QJsonDocument(QJsonObject{{QStringLiteral("id"), event.eventId},
                                              {QStringLiteral("timestamp"), now.toString(Qt::ISODateWithMs)},
                                              {QStringLiteral("action"), event.action},
                                              {QStringLiteral("target"), target},
                                              {QStringLiteral("actor"), QJsonObject{}},
                                              {QStringLiteral("source"),
                                               QJsonObject{{QStringLiteral("addr"), event.sourceAddr}}}})
                        .toJson(QJsonDocument::Compact);

    const qint64 nowMs = now.toMSecsSinceEpoch();
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
    printAttempt(context, *result);
    const bool succeeded = result->responseStatus >= 200 && result->responseStatus < 300;
    context.out() << (succeeded ? "\nDelivered.\n"
                                : "\nNot delivered; the delivery follows the webhook's retry schedule.\n");
    return succeeded ? CommandContext::Success : CommandContext::Failure;
}
