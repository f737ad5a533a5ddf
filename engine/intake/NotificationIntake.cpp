#include "NotificationIntake.h"

#include "EnvelopeParser.h"
#include "Store.h"
#include "WebhookSignature.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcIntake, "tidings.intake")

NotificationIntake::NotificationIntake(Store &store, QByteArray token, QObject *parent)
    : QObject(parent)
    , m_token(std::move(token))
    , m_routes{IntakeRoute::distribution(), IntakeRoute::harbor(), IntakeRoute::cloudEvents()}
    , m_writer(store, [this] { emit aboutToRoute(); })
{}

bool NotificationIntake::useOwnConnections(const IntakeWriterThread::StoreOpener &openStore, QString *error)
{
    std::vector<OwnWriter> writers;
    for (int i = 0; i < ownConnections; ++i) {
        writers.push_back({std::make_unique<IntakeWriterThread>(), {}});
        if (!writers.back().thread->open(openStore, error))
            return false;
    }
    m_ownWriters = std::move(writers);
    return true;
}

QList<QByteArray> NotificationIntake::paths() const
{
    QList<QByteArray> list;
    for (const IntakeRoute &route : m_routes)
        list.append(route.path);
    return list;
}

void NotificationIntake::setWebhooks(const QList<WebhookConfig> &webhooks)
{
    m_writer.setWebhooks(webhooks);
    // Own writers read the webhooks table in every transaction; telling them as well only saves them the
    // reload when they see the change.
    for (OwnWriter &writer : m_ownWriters)
        writer.thread->setWebhooks(webhooks);
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

QList<QList<RegistryEvent>> NotificationIntake::eventsOf(const QList<PendingRequest> &batch)
{
    QList<QList<RegistryEvent>> requests;
    requests.reserve(batch.size());
    for (const PendingRequest &request : batch)
        requests.append(request.events);
    return requests;
}

void NotificationIntake::flush()
{
    if (m_pending.isEmpty())
        return;
    if (m_ownWriters.empty()) {
        const QList<PendingRequest> batch = std::exchange(m_pending, {});
        finish(batch, m_writer.write(eventsOf(batch)));
        return;
    }
    for (size_t i = 0; i < m_ownWriters.size(); ++i) {
        OwnWriter &writer = m_ownWriters[i];
        if (!writer.writing.isEmpty())
            continue;
        writer.writing = std::exchange(m_pending, {});
        writer.thread->write(eventsOf(writer.writing), this, [this, i](const IntakeWriteResult &result) {
            finish(std::exchange(m_ownWriters[i].writing, {}), result);
        });
        return;
    }
    // Every connection is committing a group; the first to finish takes what has arrived by then.
}

void NotificationIntake::finish(const QList<PendingRequest> &batch, const IntakeWriteResult &result)
{
    if (!result.ok) {
        // Nothing of this batch is acknowledged; the registry keeps the events and sends them again.
        qCWarning(lcIntake) << "cannot store notifications, answering 503:" << result.error;
        emit storeFailed(result.error);
        for (const PendingRequest &request : batch) {
            HttpResponse response =
                HttpResponse::error(503, "storage_unavailable",
                                    QStringLiteral("the events could not be stored; send them again later"));
            response.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")});
            answer(request.responder, response);
        }
    } else {
        for (qsizetype i = 0; i < batch.size(); ++i) {
            // Written by hand: building a QJsonObject per answer cost as much as the rest of the response.
            // Same bytes as QJsonDocument's compact form (keys in its sorted order).
            const IntakeRequestCounts &counts = result.counts[i];
            HttpResponse response;
            response.status = 202;
            response.contentType = QByteArrayLiteral("application/json");
            response.body = "{\"accepted\":" + QByteArray::number(counts.accepted) +
                            ",\"deliveries\":" + QByteArray::number(counts.deliveries) +
                            ",\"duplicates\":" + QByteArray::number(counts.duplicates) + '}';
            answer(batch[i].responder, response);
        }
        if (!result.stored.isEmpty())
            emit committed(result.stored, result.webhookIds);
    }
    flush(); // what arrived while the connections were busy: the next group, at once
}

void NotificationIntake::answer(const HttpResponder &responder, const HttpResponse &response)
{
    emit answered(response.status);
    responder.respond(response);
}
