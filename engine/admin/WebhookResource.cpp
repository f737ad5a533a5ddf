#include "WebhookResource.h"

#include "AdminJson.h"
#include "SecretRotation.h"
#include "Store.h"
#include "WebhookSettings.h"
#include "WebhookSignature.h"

#include <QJsonArray>

#include <cmath>

WebhookResource::WebhookResource(Store &store)
    : m_store(store)
{}

HttpResponse WebhookResource::storeFailed(const QString &what) const
{
    return HttpResponse::error(503, "storage_unavailable",
                               QStringLiteral("cannot %1: %2").arg(what, m_store.lastError()));
}

HttpResponse WebhookResource::list(const AdminRequest &)
{
    QJsonArray items;
    const QList<WebhookConfig> webhooks = m_store.webhooks();
    for (const WebhookConfig &webhook : webhooks)
        items.append(AdminJson::webhook(webhook, false));
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("items"), items}});
}

HttpResponse WebhookResource::create(const AdminRequest &request, bool *changed)
{
    HttpResponse error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    WebhookSettings settings(WebhookSettings::Source::Json);
    QString reason = WebhookSettings::fromJson(*body, &settings);
    WebhookConfig webhook;
    if (reason.isEmpty())
        reason = settings.applyTo(webhook);
    if (reason.isEmpty())
        reason = settings.validate(m_store, webhook);
    if (!reason.isEmpty())
        return AdminRequest::invalid(reason);
    webhook.id = m_store.insertWebhook(webhook);
    if (webhook.id <= 0)
        return storeFailed(QStringLiteral("add the webhook"));
    *changed = true;
    const std::optional<WebhookConfig> stored = m_store.webhook(webhook.id);
    // A generated secret is shown once, in this answer; afterwards only GET ?revealSecret=true shows it.
    HttpResponse response =
        HttpResponse::json(201, AdminJson::webhook(stored.value_or(webhook), settings.generateSecret));
    response.headers.append(
        {QByteArrayLiteral("Location"), "/v1/admin/webhooks/" + QByteArray::number(webhook.id)});
    return response;
}

HttpResponse WebhookResource::get(const AdminRequest &request)
{
    HttpResponse error;
    const std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, request.pathValue(0), &error);
    if (!webhook)
        return error;
    const QString reveal = request.query(QStringLiteral("revealSecret"));
    return HttpResponse::json(
        200, AdminJson::webhook(*webhook, reveal == QLatin1String("true") || reveal == QLatin1String("1")));
}

HttpResponse WebhookResource::update(const AdminRequest &request, bool *changed)
{
    HttpResponse error;
    std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, request.pathValue(0), &error);
    if (!webhook)
        return error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    WebhookSettings settings(WebhookSettings::Source::Json);
    QString reason = WebhookSettings::fromJson(*body, &settings);
    if (reason.isEmpty())
        reason = settings.applyTo(*webhook);
    if (reason.isEmpty())
        reason = settings.validate(m_store, *webhook);
    if (!reason.isEmpty())
        return AdminRequest::invalid(reason);
    if (!m_store.updateWebhook(*webhook))
        return storeFailed(QStringLiteral("update the webhook"));
    *changed = true;
    return HttpResponse::json(
        200, AdminJson::webhook(m_store.webhook(webhook->id).value_or(*webhook), settings.generateSecret));
}

HttpResponse WebhookResource::remove(const AdminRequest &request, bool *changed)
{
    HttpResponse error;
    const std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, request.pathValue(0), &error);
    if (!webhook)
        return error;
    if (!m_store.deleteWebhook(webhook->id))
        return storeFailed(QStringLiteral("remove the webhook"));
    *changed = true;
    HttpResponse response;
    response.status = 204;
    return response;
}

HttpResponse WebhookResource::setEnabled(const AdminRequest &request, bool enabled, bool *changed)
{
    HttpResponse error;
    const std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, request.pathValue(0), &error);
    if (!webhook)
        return error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    QString reason = QStringLiteral("disabled by an operator");
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (enabled || it.key() != QLatin1String("reason") || !it.value().isString())
            return AdminRequest::invalid(
                enabled ? QStringLiteral("enable takes no fields")
                        : QStringLiteral("disable takes one field, \"reason\" (a string)"));
        reason = it.value().toString();
    }
    if (!m_store.setWebhookEnabled(webhook->id, enabled, reason))
        return storeFailed(QStringLiteral("change the webhook"));
    *changed = true;
    return HttpResponse::json(200,
                              AdminJson::webhook(m_store.webhook(webhook->id).value_or(*webhook), false));
}

HttpResponse WebhookResource::rotateSecret(const AdminRequest &request, bool *changed)
{
    HttpResponse error;
    std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, request.pathValue(0), &error);
    if (!webhook)
        return error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    qint64 grace = SecretRotation::defaultGraceSeconds;
    for (auto it = body->begin(); it != body->end(); ++it) {
        const double value = it.value().toDouble(-1);
        if (it.key() != QLatin1String("gracePeriodSeconds") || !it.value().isDouble() ||
            value != std::floor(value))
            return AdminRequest::invalid(QStringLiteral(
                "rotate-secret takes one field, \"gracePeriodSeconds\" (whole seconds the previous secret "
                "keeps signing; 0 stops it at once; default 86400)"));
        // Out of range values stay out of range (checkGrace names the limits) without overflowing.
        grace = value < 0                                         ? -1
                : value > double(SecretRotation::maxGraceSeconds) ? SecretRotation::maxGraceSeconds + 1
                                                                  : qint64(value);
    }
    if (const QString reason = SecretRotation::checkGrace(grace); !reason.isEmpty())
        return AdminRequest::invalid(reason);
    QString reason;
    const std::optional<WebhookConfig> rotated = SecretRotation::rotate(m_store, webhook->id, grace, &reason);
    if (!rotated)
        return HttpResponse::error(503, "storage_unavailable",
                                   QStringLiteral("cannot store the new secret: %1").arg(reason));
    *changed = true;
    // The one answer that carries the new secret: the subscriber must be given it before the grace period
    // ends. The previous secret is never shown again.
    return HttpResponse::json(200, AdminJson::webhook(*rotated, true));
}
