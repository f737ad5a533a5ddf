#include "AdminApi.h"

#include "WebhookSignature.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAdmin, "tidings.admin")

AdminApi::AdminApi(Store &store, Options options, QObject *parent)
    : QObject(parent)
    , m_token(std::move(options.token))
    , m_webhooks(store)
    , m_deliveries(store)
    , m_events(store)
    , m_recoveries(store, options.recoveryBatchSize, options.recoveryIntervalMs)
{
    connect(&m_recoveries, &RecoveryJobs::deliveriesQueued, this, &AdminApi::deliveriesQueued);
}

const QList<AdminApi::RouteEntry> &AdminApi::table()
{
    // Literal paths come before placeholders of the same shape, so /deliveries/replay is never read as the
    // delivery "replay".
    static const QList<RouteEntry> entries{
        {{"GET", "/v1/admin/webhooks"}, Operation::ListWebhooks},
        {{"POST", "/v1/admin/webhooks"}, Operation::CreateWebhook},
        {{"GET", "/v1/admin/webhooks/{webhook}"}, Operation::GetWebhook},
        {{"PATCH", "/v1/admin/webhooks/{webhook}"}, Operation::UpdateWebhook},
        {{"DELETE", "/v1/admin/webhooks/{webhook}"}, Operation::DeleteWebhook},
        {{"POST", "/v1/admin/webhooks/{webhook}/enable"}, Operation::EnableWebhook},
        {{"POST", "/v1/admin/webhooks/{webhook}/disable"}, Operation::DisableWebhook},
        {{"POST", "/v1/admin/webhooks/{webhook}/rotate-secret"}, Operation::RotateSecret},
        {{"GET", "/v1/admin/deliveries"}, Operation::ListDeliveries},
        {{"POST", "/v1/admin/deliveries/replay"}, Operation::ReplayDeliveries},
        {{"GET", "/v1/admin/deliveries/{delivery}"}, Operation::GetDelivery},
        {{"POST", "/v1/admin/deliveries/{delivery}/replay"}, Operation::ReplayDelivery},
        {{"GET", "/v1/admin/recoveries"}, Operation::ListRecoveries},
        {{"POST", "/v1/admin/recoveries"}, Operation::CreateRecovery},
        {{"GET", "/v1/admin/recoveries/{recovery}"}, Operation::GetRecovery},
        {{"DELETE", "/v1/admin/recoveries/{recovery}"}, Operation::CancelRecovery},
        {{"GET", "/v1/admin/events"}, Operation::ListEvents},
        {{"GET", "/v1/admin/events/{event}"}, Operation::GetEvent},
    };
    return entries;
}

QList<AdminRoute> AdminApi::routes()
{
    QList<AdminRoute> list;
    for (const RouteEntry &entry : table())
        list.append(entry.route);
    return list;
}

std::optional<QStringList> AdminApi::match(const QByteArray &pattern, const QByteArray &path)
{
    const QList<QByteArray> want = pattern.split('/');
    QList<QByteArray> have = path.split('/');
    if (have.size() > 1 && have.constLast().isEmpty())
        have.removeLast(); // a trailing slash names the same resource
    if (want.size() != have.size())
        return std::nullopt;
    QStringList values;
    for (qsizetype i = 0; i < want.size(); ++i) {
        if (want.at(i).startsWith('{')) {
            if (have.at(i).isEmpty())
                return std::nullopt;
            values.append(QUrl::fromPercentEncoding(have.at(i)));
        } else if (want.at(i) != have.at(i)) {
            return std::nullopt;
        }
    }
    return values;
}

bool AdminApi::isAuthorized(const HttpRequest &request) const
{
    const QByteArray authorization = request.header("authorization");
    if (authorization.size() < 7 || qstrnicmp(authorization.constData(), "bearer ", 7) != 0)
        return false;
    return WebhookSignature::constantTimeEquals(authorization.mid(7).trimmed(), m_token);
}

HttpResponse AdminApi::answeredLater()
{
    HttpResponse marker;
    marker.status = 0; // never a status that is sent
    return marker;
}

void AdminApi::handle(const HttpRequest &request, const HttpResponder &responder)
{
    const HttpResponse response = answer(request, &responder);
    if (response.status != answeredLater().status)
        responder.respond(response);
}

HttpResponse AdminApi::answer(const HttpRequest &request, const HttpResponder *responder)
{
    if (m_token.isEmpty()) {
        return HttpResponse::error(
            404, "admin_api_off",
            QStringLiteral("the admin API is off; start `tidings serve` with --admin-token TOKEN (or "
                           "TIDINGS_ADMIN_TOKEN) to turn it on"));
    }
    if (!isAuthorized(request)) {
        HttpResponse response = HttpResponse::error(
            401, "unauthorized",
            QStringLiteral("missing or wrong admin token; send Authorization: Bearer <admin token> (the "
                           "intake token is not accepted here)"));
        response.headers.append(
            {QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer realm=\"tidings-admin\"")});
        return response;
    }
    // The path shape with the fewest placeholders decides: /deliveries/replay is never the delivery "replay".
    const QByteArray *pattern = nullptr;
    QStringList values;
    for (const RouteEntry &entry : table()) {
        const std::optional<QStringList> found = match(entry.route.path, request.path);
        if (found && (!pattern || entry.route.path.count('{') < pattern->count('{'))) {
            pattern = &entry.route.path;
            values = *found;
        }
    }
    QList<QByteArray> allowed;
    for (const RouteEntry &entry : table()) {
        if (!pattern || entry.route.path != *pattern)
            continue;
        if (entry.route.method == request.method) {
            const AdminRequest adminRequest(request, values);
            if (entry.operation == Operation::ReplayDelivery &&
                OverrideReplayEndpoint::wantsOverride(adminRequest)) {
                // Answered when the attempt is over, so only over an HTTP connection: the gRPC gateway
                // needs its answer at once.
                if (!m_overrides || !responder) {
                    return HttpResponse::error(
                        501, "not_available",
                        QStringLiteral("replays with an override are only available over the REST API"));
                }
                m_overrides->handle(adminRequest, *responder);
                return answeredLater();
            }
            return dispatch(entry.operation, adminRequest);
        }
        allowed.append(entry.route.method);
    }
    if (!allowed.isEmpty()) {
        HttpResponse response =
            HttpResponse::error(405, "method_not_allowed",
                                QStringLiteral("%1 does not take %2; it takes %3")
                                    .arg(QString::fromUtf8(request.path), QString::fromLatin1(request.method),
                                         QString::fromLatin1(allowed.join(", "))));
        response.headers.append({QByteArrayLiteral("Allow"), allowed.join(", ")});
        return response;
    }
    return HttpResponse::error(404, "not_found",
                               QStringLiteral("no admin endpoint %1; see docs/api/openapi.yaml for the list")
                                   .arg(QString::fromUtf8(request.path)));
}

HttpResponse AdminApi::dispatch(Operation operation, const AdminRequest &request)
{
    bool changed = false;
    bool queued = false;
    HttpResponse response;
    switch (operation) {
    case Operation::ListWebhooks:
        response = m_webhooks.list(request);
        break;
    case Operation::CreateWebhook:
        response = m_webhooks.create(request, &changed);
        break;
    case Operation::GetWebhook:
        response = m_webhooks.get(request);
        break;
    case Operation::UpdateWebhook:
        response = m_webhooks.update(request, &changed);
        break;
    case Operation::DeleteWebhook:
        response = m_webhooks.remove(request, &changed);
        break;
    case Operation::EnableWebhook:
        response = m_webhooks.setEnabled(request, true, &changed);
        break;
    case Operation::DisableWebhook:
        response = m_webhooks.setEnabled(request, false, &changed);
        break;
    case Operation::RotateSecret:
        response = m_webhooks.rotateSecret(request, &changed);
        break;
    case Operation::ListDeliveries:
        response = m_deliveries.list(request);
        break;
    case Operation::ReplayDeliveries:
        response = m_deliveries.replayMany(request, &queued);
        break;
    case Operation::GetDelivery:
        response = m_deliveries.show(request);
        break;
    case Operation::ReplayDelivery:
        response = m_deliveries.replayOne(request, &queued);
        break;
    case Operation::ListRecoveries:
        response = m_recoveries.list(request);
        break;
    case Operation::CreateRecovery:
        response = m_recoveries.create(request);
        break;
    case Operation::GetRecovery:
        response = m_recoveries.get(request);
        break;
    case Operation::CancelRecovery:
        response = m_recoveries.cancel(request);
        break;
    case Operation::ListEvents:
        response = m_events.list(request);
        break;
    case Operation::GetEvent:
        response = m_events.show(request);
        break;
    }
    if (changed) {
        qCInfo(lcAdmin) << request.http().method << request.http().path << "changed the webhooks";
        emit webhooksChanged();
    }
    if (queued)
        emit deliveriesQueued();
    return response;
}

void AdminApi::setOverrideReplay(OverrideReplay *replays)
{
    m_overrides = replays ? std::make_unique<OverrideReplayEndpoint>(*replays) : nullptr;
}
