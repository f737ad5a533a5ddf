#include "HarborPayloadParser.h"

#include "CloudEventParser.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace {

struct HarborType
{
    const char *defaultType;
    const char *cloudEventType;
    const char *action;
};

// From Harbor's webhook documentation (Default type, CloudEvents type); the action names are Tidings' own.
constexpr HarborType harborTypes[] = {
    {"PUSH_ARTIFACT", "harbor.artifact.pushed", "push"},
    {"PULL_ARTIFACT", "harbor.artifact.pulled", "pull"},
    {"DELETE_ARTIFACT", "harbor.artifact.deleted", "delete"},
    {"SCANNING_COMPLETED", "harbor.scan.completed", "scan_completed"},
    {"SCANNING_FAILED", "harbor.scan.failed", "scan_failed"},
    {"SCANNING_STOPPED", "harbor.scan.stopped", "scan_stopped"},
    {"QUOTA_EXCEED", "harbor.quota.exceeded", "quota_exceeded"},
    {"QUOTA_WARNING", "harbor.quota.warned", "quota_warning"},
};

EnvelopeParseResult failure(const QString &error)
{
    EnvelopeParseResult result;
    result.error = error;
    return result;
}

QString where(const QString &path, const QString &name)
{
    return path.isEmpty() ? name : path + u'.' + name;
}

} // namespace

QString HarborPayloadParser::actionForType(const QString &type)
{
    for (const HarborType &known : harborTypes) {
        if (type == QLatin1StringView(known.defaultType))
            return QString::fromLatin1(known.action);
    }
    return {};
}

QString HarborPayloadParser::actionForCloudEventType(const QString &type)
{
    for (const HarborType &known : harborTypes) {
        if (type == QLatin1StringView(known.cloudEventType))
            return QString::fromLatin1(known.action);
    }
    return {};
}

const QStringList &HarborPayloadParser::actions()
{
    static const QStringList list = [] {
        QStringList names;
        for (const HarborType &known : harborTypes)
            names.append(QString::fromLatin1(known.action));
        return names;
    }();
    return list;
}

QString HarborPayloadParser::supportedTypesText()
{
    QStringList types;
    for (const HarborType &known : harborTypes)
        types.append(QString::fromLatin1(known.defaultType));
    return types.join(QStringLiteral(", "));
}

QString HarborPayloadParser::derivedEventId(const QJsonObject &payload)
{
    // Harbor's Default payload carries no id. Its webhook job sends the same payload again when an attempt
    // fails, so an id made from the payload's content is the same for every resend and the intake's
    // deduplication holds. The content is canonicalised first (QJsonObject keeps keys sorted; compact
    // output), so a resend that only differs in whitespace or key order is still recognised. Two different
    // events never share the content: occur_at, operator, type and the artifact's digest together tell them
    // apart, except the same user pulling the same artifact twice in one second, which says nothing new.
    const QByteArray canonical = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    return QStringLiteral("harbor-") +
           QString::fromLatin1(
               QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex().left(32));
}

QString HarborPayloadParser::applyEventData(const QJsonValue &eventData, const QString &path,
                                            RegistryEvent *event)
{
    if (eventData.isUndefined())
        return path + QStringLiteral(" is missing");
    if (!eventData.isObject())
        return path + QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(eventData) +
               QStringLiteral(", not an object");
    const QJsonObject data = eventData.toObject();

    const QString repositoryPath = where(path, QStringLiteral("repository"));
    const QJsonValue repositoryValue = data.value(QLatin1StringView("repository"));
    if (!repositoryValue.isObject())
        return repositoryPath +
               (repositoryValue.isUndefined()
                    ? QStringLiteral(" is missing")
                    : QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(repositoryValue) +
                          QStringLiteral(", not an object"));
    const QJsonObject repository = repositoryValue.toObject();
    event->repository = repository.value(QLatin1StringView("repo_full_name")).toString();
    if (event->repository.isEmpty()) {
        // repo_full_name is namespace/name; older payloads may lack it.
        const QString ns = repository.value(QLatin1StringView("namespace")).toString();
        const QString name = repository.value(QLatin1StringView("name")).toString();
        if (name.isEmpty())
            return repositoryPath + QStringLiteral(".repo_full_name is missing");
        event->repository = ns.isEmpty() ? name : ns + u'/' + name;
    }

    const QJsonValue resources = data.value(QLatin1StringView("resources"));
    if (!resources.isUndefined() && !resources.isArray())
        return where(path, QStringLiteral("resources")) + QStringLiteral(" is ") +
               EnvelopeParser::jsonTypeName(resources) + QStringLiteral(", not an array");
    const QJsonObject resource = resources.toArray().at(0).toObject();
    event->digest = resource.value(QLatin1StringView("digest")).toString();
    event->tag = resource.value(QLatin1StringView("tag")).toString();
    // Harbor puts the digest in "tag" when the artifact was pushed or pulled by digest: that is no tag.
    if (event->tag == event->digest || event->tag.startsWith(QLatin1StringView("sha256:")))
        event->tag.clear();
    // resource_url is "<registry host>/<repository>:<tag>" (or @<digest>): the host names the registry.
    const QString resourceUrl = resource.value(QLatin1StringView("resource_url")).toString();
    const qsizetype slash = resourceUrl.indexOf(u'/');
    if (slash > 0)
        event->sourceAddr = resourceUrl.left(slash);
    return {};
}

EnvelopeParseResult HarborPayloadParser::parse(const QByteArray &body, const QByteArray &mediaType,
                                               const QDateTime &receivedAt)
{
    if (body.isEmpty())
        return failure(QStringLiteral("the body is empty"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return failure(QStringLiteral("the body is not valid JSON: %1 at offset %2")
                           .arg(parseError.errorString(), QString::number(parseError.offset)));
    }
    if (!document.isObject())
        return failure(QStringLiteral("the body is not a JSON object (expected a Harbor webhook payload)"));
    const QJsonObject payload = document.object();

    // Harbor's CloudEvents format: the same URL takes both, so a policy can switch formats freely.
    if (mediaType == CloudEventParser::structuredMediaType ||
        payload.contains(QLatin1StringView("specversion")))
        return CloudEventParser::parseStructured(body, receivedAt);

    RegistryEvent event;
    const QJsonValue typeValue = payload.value(QLatin1StringView("type"));
    if (!typeValue.isString() || typeValue.toString().isEmpty())
        return failure(typeValue.isUndefined()
                           ? QStringLiteral("type is missing (expected a Harbor event type "
                                            "such as PUSH_ARTIFACT)")
                           : QStringLiteral("type is ") + EnvelopeParser::jsonTypeName(typeValue) +
                                 QStringLiteral(", not a Harbor event type"));
    const QString type = typeValue.toString();
    event.action = actionForType(type);
    if (event.action.isEmpty()) {
        return failure(
            QStringLiteral("Harbor event type \"%1\" is not supported; Tidings takes %2 (deselect the "
                           "others in the Harbor webhook policy)")
                .arg(type, supportedTypesText()));
    }
    const QString error =
        applyEventData(payload.value(QLatin1StringView("event_data")), QStringLiteral("event_data"), &event);
    if (!error.isEmpty())
        return failure(error);

    const QDateTime receivedUtc = receivedAt.toUTC();
    const QJsonValue occurAt = payload.value(QLatin1StringView("occur_at"));
    if (occurAt.isDouble() && occurAt.toDouble() > 0)
        event.timestamp = QDateTime::fromSecsSinceEpoch(occurAt.toInteger(), Qt::UTC);
    if (!event.timestamp.isValid()) // missing, or beyond what a date can hold
        event.timestamp = receivedUtc;
    event.actor = payload.value(QLatin1StringView("operator")).toString();
    event.eventId = derivedEventId(payload);
    event.contentType = mediaType.isEmpty() ? QByteArrayLiteral("application/json") : mediaType;
    event.rawJson = body;
    event.receivedAt = receivedUtc;
    event.sourceFormat = QString::fromLatin1(RegistryEvent::harborFormat);

    EnvelopeParseResult result;
    result.ok = true;
    result.events.append(event);
    return result;
}
