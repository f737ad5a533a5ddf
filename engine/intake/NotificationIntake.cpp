#include "NotificationIntake.h"

#include "EnvelopeParser.h"
#include "Store.h"
#include "WebhookSignature.h"

#include <QLoggingCategory>
#include <QUuid>

Q_LOGGING_CATEGORY(lcIntake, "tidings.intake")

NotificationIntake::NotificationIntake(Store &store, QByteArray token, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_token(std::move(token))
    , m_routes{IntakeRoute::distribution(), IntakeRoute::harbor(), IntakeRoute::cloudEvents()}
{}

QList<QByteArray> NotificationIntake::paths() const
{
    QList<QByteArray> list;
    for (const IntakeRoute &route : m_routes)
        list.append(route.path);
    return list;
}

void NotificationIntake::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    m_webhooks.clear();
    for (const WebhookConfig &webhook : webhooks) {
        if (webhook.enabled)
            m_webhooks.append({webhook, WebhookFilter(webhook)});
    }
}

QByteArray NotificationIntake::mediaTypeOf(const QByteArray &contentType)
{
    // Parameters such as "; charset=utf-8" do not change what the body is.
    const qsizetype semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
}

bool NotificationIntake::isAuthorized(const HttpRequest &request) const
{
    if (m_token.isEmpty())
        return true;
    const QByteArray authorization = request.header("authorization");
    if (authorization.size() < 7 || qstrnicmp(authorization.constData(), "bearer ", 7) != 0)
        return false;
    return WebhookSignature::constantTimeEquals(authorization.mid(7).trimmed(), m_token);
}

void NotificationIntake::handle(const HttpRequest &request, const HttpResponder &responder)
{
    const IntakeRoute *route = nullptr;
    for (const IntakeRoute &candidate : std::as_const(m_routes)) {
        if (candidate.path == request.path)
            route = &candidate;
    }
    if (!route) {
        answer(responder,
               HttpResponse::error(
                   404, "not_found",
                   QStringLiteral("no such endpoint; registries post to %1").arg(QLatin1String(notifyPath))));
        return;
    }
    const QString path = QString::fromLatin1(route->path);
    if (request.method != "POST") {
        HttpResponse response =
            HttpResponse::error(405, "method_not_allowed", QStringLiteral("%1 accepts POST only").arg(path));
        response.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("POST")});
        answer(responder, response);
        return;
    }
    if (!isAuthorized(request)) {
        HttpResponse response = HttpResponse::error(
            401, "unauthorized",
            QStringLiteral("missing or wrong intake token; send Authorization: Bearer <token>"));
        response.headers.append(
            {QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer realm=\"tidings\"")});
        answer(responder, response);
        return;
    }
    const QByteArray contentType = request.header("content-type");
    const QByteArray mediaType = mediaTypeOf(contentType);
    if (!route->accepts(request, mediaType)) {
        answer(responder, HttpResponse::error(415, "unsupported_media_type",
                                              QStringLiteral("content type \"%1\" is not %2; %3 takes %4")
                                                  .arg(QString::fromLatin1(contentType), route->what, path,
                                                       route->expectedTypes)));
        return;
    }
    const EnvelopeParseResult parsed = route->parse(request, mediaType, QDateTime::currentDateTimeUtc());
    if (!parsed.ok) {
        answer(responder, HttpResponse::error(400, "invalid_envelope", parsed.error));
        return;
    }
    if (m_pending.isEmpty())
        QMetaObject::invokeMethod(this, &NotificationIntake::flush, Qt::QueuedConnection);
    m_pending.append({parsed.events, responder});
}

void NotificationIntake::flush()
{
    const QList<PendingRequest> batch = std::exchange(m_pending, {});
    if (batch.isEmpty())
        return;

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<RegistryEvent> stored;
    QList<qint64> webhookIds;
    struct Counts
    {
        int accepted = 0;
        int duplicates = 0;
        int deliveries = 0;
    };
    QList<Counts> answers;
    bool ok = m_store.beginWrite();
    if (ok)
        emit aboutToRoute();
    for (const PendingRequest &request : batch) {
        int accepted = 0;
        int duplicates = 0;
        int deliveries = 0;
        for (const RegistryEvent &event : request.events) {
            if (!ok)
                break;
            const qint64 rowId = m_store.insertEvent(event);
            if (rowId < 0) {
                ok = false;
                break;
            }
            if (rowId == 0) {
                // The registry resent an event it had already given us (it timed out before our answer).
                ++duplicates;
                continue;
            }
            ++accepted;
            RegistryEvent storedEvent = event;
            storedEvent.rowId = rowId;
            for (const CompiledWebhook &webhook : std::as_const(m_webhooks)) {
                if (!webhook.filter.matches(event))
                    continue;
                const QString messageId = QStringLiteral("msg_") + QUuid::createUuid().toString(QUuid::Id128);
                if (m_store.insertDelivery(rowId, webhook.config.id, messageId, now) < 0) {
                    ok = false;
                    break;
                }
                ++deliveries;
                if (!webhookIds.contains(webhook.config.id))
                    webhookIds.append(webhook.config.id);
            }
            stored.append(storedEvent);
        }
        answers.append({accepted, duplicates, deliveries});
    }
    if (ok)
        ok = m_store.commit();
    else
        m_store.rollback();

    if (!ok) {
        // Nothing of this batch is acknowledged; the registry keeps the events and sends them again.
        const QString reason = m_store.lastError();
        qCWarning(lcIntake) << "cannot store notifications, answering 503:" << reason;
        emit storeFailed(reason);
        for (const PendingRequest &request : batch) {
            HttpResponse response =
                HttpResponse::error(503, "storage_unavailable",
                                    QStringLiteral("the events could not be stored; send them again later"));
            response.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")});
            answer(request.responder, response);
        }
        return;
    }
    for (qsizetype i = 0; i < batch.size(); ++i) {
        // Written by hand: building a QJsonObject per answer cost as much as the rest of the response. Same
        // bytes as QJsonDocument's compact form (keys in its sorted order).
        HttpResponse response;
        response.status = 202;
        response.contentType = QByteArrayLiteral("application/json");
        response.body = "{\"accepted\":" + QByteArray::number(answers[i].accepted) +
                        ",\"deliveries\":" + QByteArray::number(answers[i].deliveries) +
                        ",\"duplicates\":" + QByteArray::number(answers[i].duplicates) + '}';
        answer(batch[i].responder, response);
    }
    if (!stored.isEmpty())
        emit committed(stored, webhookIds);
}

void NotificationIntake::answer(const HttpResponder &responder, const HttpResponse &response)
{
    emit answered(response.status);
    responder.respond(response);
}
