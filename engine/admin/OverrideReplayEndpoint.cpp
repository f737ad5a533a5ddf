#include "OverrideReplayEndpoint.h"

#include "AdminJson.h"

#include <QJsonArray>
#include <QJsonDocument>

OverrideReplayEndpoint::OverrideReplayEndpoint(OverrideReplay &replays, QObject *parent)
    : QObject(parent)
    , m_replays(&replays)
{
    connect(&replays, &OverrideReplay::finished, this, &OverrideReplayEndpoint::onFinished);
}

bool OverrideReplayEndpoint::wantsOverride(const AdminRequest &request)
{
    HttpResponse ignored;
    const std::optional<QJsonObject> body = request.jsonBody(&ignored);
    // A body that is not a JSON object is the override path's to refuse, with the reason.
    return !body || !body->isEmpty();
}

HttpResponse OverrideReplayEndpoint::refusal(const QString &code, const QString &message)
{
    if (code == QLatin1String("not_found"))
        return HttpResponse::error(404, "not_found", message);
    if (code == QLatin1String("in_flight"))
        return HttpResponse::error(409, "in_flight", message);
    if (code == QLatin1String("invalid_url"))
        return HttpResponse::error(400, "invalid_url", message);
    if (code == QLatin1String("invalid_payload"))
        return HttpResponse::error(400, "invalid_payload", message);
    if (code == QLatin1String("blocked_destination"))
        return HttpResponse::error(422, "blocked_destination", message);
    return HttpResponse::error(503, "storage_unavailable", message);
}

void OverrideReplayEndpoint::handle(const AdminRequest &request, const HttpResponder &responder)
{
    HttpResponse error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body) {
        responder.respond(error);
        return;
    }
    OverrideReplayRequest replay;
    bool ok = false;
    replay.deliveryId = request.pathValue(0).toLongLong(&ok);
    if (!ok) {
        responder.respond(AdminRequest::notFound(QStringLiteral("no delivery %1").arg(request.pathValue(0))));
        return;
    }
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (it.key() == QLatin1String("url")) {
            if (!it.value().isString() && !it.value().isNull()) {
                responder.respond(AdminRequest::invalid(QStringLiteral("\"url\" must be a string")));
                return;
            }
            replay.url = it.value().toString();
        } else if (it.key() == QLatin1String("payload")) {
            // A string is sent byte for byte (so key order and spacing stay as written); an object or
            // array is sent in compact form.
            if (it.value().isString()) {
                replay.payload = it.value().toString().toUtf8();
            } else if (it.value().isObject()) {
                replay.payload = QJsonDocument(it.value().toObject()).toJson(QJsonDocument::Compact);
            } else if (it.value().isArray()) {
                replay.payload = QJsonDocument(it.value().toArray()).toJson(QJsonDocument::Compact);
            } else if (!it.value().isNull()) {
                responder.respond(AdminRequest::invalid(
                    QStringLiteral("\"payload\" must be the JSON to send (an object or an array) or a string "
                                   "holding it")));
                return;
            }
        } else {
            responder.respond(AdminRequest::invalid(
                QStringLiteral("unknown field \"%1\"; a replay takes \"url\" and \"payload\"")
                    .arg(it.key())));
            return;
        }
    }
    OverrideReplayResult refused;
    const qint64 ticket = m_replays->start(replay, &refused);
    if (ticket == 0) {
        responder.respond(refusal(refused.errorCode, refused.errorMessage));
        return;
    }
    m_waiting.insert(ticket, responder);
}

void OverrideReplayEndpoint::onFinished(const OverrideReplayResult &result)
{
    const auto it = m_waiting.find(result.ticket);
    if (it == m_waiting.end())
        return; // started by the console
    const HttpResponder responder = it.value();
    m_waiting.erase(it);
    if (!responder.isValid())
        return; // the client went away; the attempt is recorded all the same
    if (!result.errorCode.isEmpty()) {
        responder.respond(refusal(result.errorCode, result.errorMessage));
        return;
    }
    QJsonObject json;
    json.insert(QStringLiteral("attempt"), AdminJson::attempt(result.attempt));
    json.insert(QStringLiteral("delivery"), AdminJson::delivery(result.delivery));
    responder.respond(HttpResponse::json(200, json));
}
