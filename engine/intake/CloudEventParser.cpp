#include "CloudEventParser.h"

#include "HarborPayloadParser.h"
#include "JsonSpanScanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>

namespace {

const QLatin1StringView harborTypePrefix("harbor.");
const QLatin1StringView tidingsTypePrefix("dev.tidings.registry.");

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

// A required, non-empty string attribute. Returns an error sentence, empty when *out was set.
QString requiredAttribute(const QJsonObject &event, const QString &path, const QString &name, QString *out)
{
    const QJsonValue value = event.value(name);
    if (value.isUndefined())
        return where(path, name) +
               QStringLiteral(" is missing (a CloudEvent needs specversion, id, source, type)");
    if (!value.isString())
        return where(path, name) + QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(value) +
               QStringLiteral(", not a string");
    *out = value.toString();
    if (out->isEmpty())
        return where(path, name) + QStringLiteral(" is empty");
    return {};
}

QJsonDocument parseJson(const QByteArray &body, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("the body is not valid JSON: %1 at offset %2")
                     .arg(parseError.errorString(), QString::number(parseError.offset));
    }
    return document;
}

bool isJsonMediaType(const QByteArray &mediaType)
{
    return mediaType == "application/json" || mediaType == "text/json" || mediaType.endsWith("+json");
}

// "repository:tag" or "repository@digest" (what Tidings puts in subject); a colon before the last slash is a
// registry port, not a tag.
void applySubject(const QString &subject, RegistryEvent *event)
{
    QString name = subject;
    const qsizetype at = name.indexOf(u'@');
    if (at > 0) {
        event->digest = name.mid(at + 1);
        name.truncate(at);
    }
    const qsizetype colon = name.lastIndexOf(u':');
    if (colon > 0 && colon > name.lastIndexOf(u'/')) {
        event->tag = name.mid(colon + 1);
        name.truncate(colon);
    }
    event->repository = name;
}

} // namespace

bool CloudEventParser::isBinaryMode(const HttpRequest &request)
{
    return request.hasHeader("ce-specversion");
}

QString CloudEventParser::actionFor(const QString &type, const QJsonValue &data)
{
    if (type.startsWith(harborTypePrefix))
        return HarborPayloadParser::actionForCloudEventType(type);
    if (type.startsWith(tidingsTypePrefix) && type.size() > tidingsTypePrefix.size())
        return type.mid(tidingsTypePrefix.size()).toLower();
    const QJsonObject object = data.toObject();
    const QString dataAction = object.value(QLatin1StringView("action")).toString();
    if (!dataAction.isEmpty() && object.value(QLatin1StringView("target")).isObject())
        return dataAction.toLower();
    const QString lower = type.toLower();
    if (lower.endsWith(QLatin1StringView("pushed")))
        return QStringLiteral("push");
    if (lower.endsWith(QLatin1StringView("pulled")))
        return QStringLiteral("pull");
    if (lower.endsWith(QLatin1StringView("deleted")))
        return QStringLiteral("delete");
    return lower;
}

QString CloudEventParser::normalise(const QJsonObject &cloudEvent, const QString &path, const QByteArray &raw,
                                    const QDateTime &receivedAt, RegistryEvent *event)
{
    QString specVersion;
    QString id;
    QString source;
    QString type;
    QString error = requiredAttribute(cloudEvent, path, QStringLiteral("specversion"), &specVersion);
    if (error.isEmpty() && specVersion != QLatin1StringView("1.0"))
        error = where(path, QStringLiteral("specversion")) +
                QStringLiteral(" is \"%1\"; only CloudEvents 1.0 is accepted").arg(specVersion);
    if (error.isEmpty())
        error = requiredAttribute(cloudEvent, path, QStringLiteral("id"), &id);
    if (error.isEmpty())
        error = requiredAttribute(cloudEvent, path, QStringLiteral("source"), &source);
    if (error.isEmpty())
        error = requiredAttribute(cloudEvent, path, QStringLiteral("type"), &type);
    if (!error.isEmpty())
        return error;
    if (cloudEvent.contains(QLatin1StringView("data")) &&
        cloudEvent.contains(QLatin1StringView("data_base64")))
        return where(path, QStringLiteral("data")) +
               QStringLiteral(" and data_base64 are both present; a CloudEvent "
                              "has at most one of them");

    const QJsonValue data = cloudEvent.value(QLatin1StringView("data"));
    event->action = actionFor(type, data);
    if (event->action.isEmpty()) {
        return where(path, QStringLiteral("type")) +
               QStringLiteral(
                   " \"%1\" is a Harbor event type Tidings does not take; it takes the CloudEvents "
                   "types of %2 (deselect the others in the Harbor webhook policy)")
                   .arg(type, HarborPayloadParser::supportedTypesText());
    }

    const QJsonObject dataObject = data.toObject();
    const QJsonObject target = dataObject.value(QLatin1StringView("target")).toObject();
    if (type.startsWith(harborTypePrefix) || (!target.contains(QLatin1StringView("repository")) &&
                                              dataObject.value(QLatin1StringView("repository")).isObject())) {
        // Harbor's data is the Default format's event_data.
        error = HarborPayloadParser::applyEventData(data, where(path, QStringLiteral("data")), event);
        if (!error.isEmpty())
            return error;
        event->actor = cloudEvent.value(QLatin1StringView("operator")).toString(); // Harbor's extension
    } else if (target.contains(QLatin1StringView("repository"))) {
        // A distribution event as the data (Azure Container Registry, Tidings' own CloudEvents).
        event->repository = target.value(QLatin1StringView("repository")).toString();
        event->tag = target.value(QLatin1StringView("tag")).toString();
        event->digest = target.value(QLatin1StringView("digest")).toString();
        event->mediaType = target.value(QLatin1StringView("mediaType")).toString();
        const QJsonValue size = target.contains(QLatin1StringView("size"))
                                    ? target.value(QLatin1StringView("size"))
                                    : target.value(QLatin1StringView("length"));
        event->size = size.toInteger();
        event->actor = dataObject.value(QLatin1StringView("actor"))
                           .toObject()
                           .value(QLatin1StringView("name"))
                           .toString();
    }
    const QString subject = cloudEvent.value(QLatin1StringView("subject")).toString();
    if (event->repository.isEmpty() && !subject.isEmpty())
        applySubject(subject, event);
    if (event->repository.isEmpty()) {
        return (path.isEmpty() ? QStringLiteral("the event") : path) +
               QStringLiteral(" does not say which repository it is about: give data.target.repository, "
                              "data.repository.repo_full_name or a subject such as \"team/app:1.0\"");
    }

    const QDateTime receivedUtc = receivedAt.toUTC();
    event->timestamp = EnvelopeParser::parseTimestamp(cloudEvent.value(QLatin1StringView("time")).toString());
    if (!event->timestamp.isValid())
        event->timestamp = receivedUtc;
    event->eventId = source + u'#' + id;
    if (event->sourceAddr.isEmpty())
        event->sourceAddr = source;
    event->sourceInstance = source;
    event->contentType = QByteArray(structuredMediaType);
    event->rawJson = raw;
    event->receivedAt = receivedUtc;
    event->sourceFormat = QString::fromLatin1(RegistryEvent::cloudEventsFormat);
    return {};
}

EnvelopeParseResult CloudEventParser::parse(const HttpRequest &request, const QByteArray &mediaType,
                                            const QDateTime &receivedAt)
{
    if (mediaType == batchMediaType)
        return parseBatch(request.body, receivedAt);
    if (mediaType == structuredMediaType)
        return parseStructured(request.body, receivedAt);
    return parseBinary(request, receivedAt);
}

EnvelopeParseResult CloudEventParser::parseStructured(const QByteArray &body, const QDateTime &receivedAt)
{
    if (body.isEmpty())
        return failure(QStringLiteral("the body is empty"));
    QString error;
    const QJsonDocument document = parseJson(body, &error);
    if (!error.isEmpty())
        return failure(error);
    if (!document.isObject())
        return failure(QStringLiteral("the body is not a JSON object (expected a structured CloudEvent)"));
    RegistryEvent event;
    error = normalise(document.object(), QString(), body, receivedAt, &event);
    if (!error.isEmpty())
        return failure(error);
    EnvelopeParseResult result;
    result.ok = true;
    result.events.append(event);
    return result;
}

EnvelopeParseResult CloudEventParser::parseBatch(const QByteArray &body, const QDateTime &receivedAt)
{
    if (body.isEmpty())
        return failure(QStringLiteral("the body is empty"));
    QString error;
    const QJsonDocument document = parseJson(body, &error);
    if (!error.isEmpty())
        return failure(error);
    if (!document.isArray())
        return failure(QStringLiteral("the body is not a JSON array (expected a CloudEvents batch)"));
    const QJsonArray events = document.array();
    if (events.size() > EnvelopeParser::maxEventsPerEnvelope) {
        return failure(
            QStringLiteral("the batch holds %1 events; at most %2 are accepted in one request")
                .arg(QString::number(events.size()), QString::number(EnvelopeParser::maxEventsPerEnvelope)));
    }
    QList<JsonSpanScanner::Span> spans;
    if (!JsonSpanScanner(body).scanTopLevelArray(&spans) || spans.size() != events.size())
        return failure(QStringLiteral("the events could not be located in the body"));

    // The whole batch or nothing: a sender that gets an error resends the whole batch.
    EnvelopeParseResult result;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString path = QStringLiteral("[%1]").arg(i);
        if (!events.at(i).isObject())
            return failure(path + QStringLiteral(" is ") + EnvelopeParser::jsonTypeName(events.at(i)) +
                           QStringLiteral(", not an object"));
        RegistryEvent event;
        error = normalise(events.at(i).toObject(), path, body.mid(spans.at(i).begin, spans.at(i).length),
                          receivedAt, &event);
        if (!error.isEmpty())
            return failure(error);
        result.events.append(event);
    }
    result.ok = true;
    return result;
}

EnvelopeParseResult CloudEventParser::parseBinary(const HttpRequest &request, const QDateTime &receivedAt)
{
    // Every ce-* header is an attribute; the HTTP binding percent-encodes values outside printable ASCII.
    QJsonObject cloudEvent;
    for (const auto &header : request.headers) {
        if (!header.first.startsWith("ce-") || header.first.size() <= 3)
            continue;
        const QString name = QString::fromLatin1(header.first.mid(3));
        if (cloudEvent.contains(name))
            continue; // the first of repeated headers, as HttpRequest::header() does
        const QByteArray decoded = QByteArray::fromPercentEncoding(header.second);
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString value = utf8(decoded);
        if (utf8.hasError())
            return failure(
                QStringLiteral("header ce-%1 is not valid UTF-8 after percent-decoding").arg(name));
        cloudEvent.insert(name, value);
    }
    for (const char *required : {"specversion", "id", "source", "type"}) {
        if (cloudEvent.value(QLatin1StringView(required)).toString().isEmpty())
            return failure(
                QStringLiteral("header ce-%1 is missing or empty (binary mode needs ce-specversion, "
                               "ce-id, ce-source and ce-type)")
                    .arg(QLatin1StringView(required)));
    }

    const QByteArray contentType = request.header("content-type");
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray mediaType =
        (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
    if (!contentType.isEmpty())
        cloudEvent.insert(QStringLiteral("datacontenttype"), QString::fromLatin1(contentType));
    if (!request.body.isEmpty()) {
        if (isJsonMediaType(mediaType)) {
            // JSON data may be any JSON value (a string, a number); QJsonDocument only holds objects and
            // arrays, so the body is parsed as the one element of an array.
            QJsonParseError parseError;
            const QJsonDocument wrapped = QJsonDocument::fromJson('[' + request.body + ']', &parseError);
            if (parseError.error != QJsonParseError::NoError || wrapped.array().size() != 1)
                return failure(
                    QStringLiteral("the body is not one JSON value (the content type says the data "
                                   "is JSON)"));
            cloudEvent.insert(QStringLiteral("data"), wrapped.array().at(0));
        } else {
            QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
            const QString text = utf8(request.body);
            if (mediaType.startsWith("text/") && !utf8.hasError())
                cloudEvent.insert(QStringLiteral("data"), text);
            else
                cloudEvent.insert(QStringLiteral("data_base64"),
                                  QString::fromLatin1(request.body.toBase64()));
        }
    }

    // Stored as the structured equivalent: one JSON document a subscriber can read as a CloudEvent.
    const QByteArray raw = QJsonDocument(cloudEvent).toJson(QJsonDocument::Compact);
    RegistryEvent event;
    const QString error = normalise(cloudEvent, QString(), raw, receivedAt, &event);
    if (!error.isEmpty())
        return failure(error);
    EnvelopeParseResult result;
    result.ok = true;
    result.events.append(event);
    return result;
}
