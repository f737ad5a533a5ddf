#include "ReceiverServer.h"

#include "HttpServer.h"
#include "WebhookSignature.h"

#include <QTimer>

ReceiverServer::ReceiverServer() = default;

ReceiverServer::~ReceiverServer() = default;

quint16 ReceiverServer::listen()
{
    HttpServerLimits limits;
    limits.idleTimeoutMs = 10 * 60 * 1000; // "never answer" keeps a connection open for a long time
    m_server = std::make_unique<HttpServer>(limits);
    m_server->setHandler(
        [this](const HttpRequest &request, const HttpResponder &responder) { handle(request, responder); });
    if (!m_server->listen(QHostAddress(QHostAddress::LocalHost), 0))
        return 0;
    return m_server->serverPort();
}

void ReceiverServer::setBehaviour(const ReceiverBehaviour &behaviour)
{
    m_behaviour = behaviour;
    m_received = 0; // "fail the first N" counts from the change
}

void ReceiverServer::close()
{
    m_server.reset();
}

QString ReceiverServer::checkSignature(const ReceiverBehaviour &behaviour, const ReceivedRequest &request,
                                       qint64 nowSeconds, bool *valid, bool *checked)
{
    *valid = false;
    bool judged = false;
    if (!checked)
        checked = &judged;
    *checked = false;
    auto header = [&request](const QByteArray &name) {
        for (const auto &field : request.headers) {
            if (field.first == name)
                return field.second;
        }
        return QByteArray();
    };
    if (behaviour.secret.isEmpty())
        return tr("not checked: choose the webhook's secret to check signatures");
    QByteArray key;
    QString error;
    if (!WebhookSignature::decodeSecret(behaviour.secret, &key, &error))
        return tr("not checked: the receiver's secret is not usable (%1)").arg(error);
    *checked = true;
    const QByteArray signature = header("webhook-signature");
    if (signature.isEmpty())
        return tr("unsigned: the request has no webhook-signature header (the webhook has no secret)");
    const QByteArray timestamp = header("webhook-timestamp");
    switch (WebhookSignature::verify(key, header("webhook-id"), timestamp, request.body, signature,
                                     nowSeconds, behaviour.toleranceSeconds)) {
    case WebhookSignature::Verdict::Valid:
        *valid = true;
        // Several signatures: the sender is in a secret rotation's grace period (new and previous secret).
        if (signature.simplified().count(' ') > 0)
            return tr("valid: one of the %1 signatures was made with this secret (the sender is rotating its "
                      "secret and signs with the new and the previous one)")
                .arg(signature.simplified().count(' ') + 1);
        return tr("valid: signed with this secret");
    case WebhookSignature::Verdict::NoMatchingSignature:
        return tr("invalid: no signature matches; the webhook uses another secret, or the body or webhook-id "
                  "changed on the way");
    case WebhookSignature::Verdict::TimestampOutOfTolerance:
        return tr("invalid: webhook-timestamp %1 is %2 s away from now (tolerance %3 s); an old request "
                  "replayed, "
                  "or a clock is wrong")
            .arg(QString::fromLatin1(timestamp))
            .arg(qAbs(nowSeconds - timestamp.toLongLong()))
            .arg(behaviour.toleranceSeconds);
    case WebhookSignature::Verdict::MalformedHeader:
        return tr("invalid: the webhook-signature or webhook-timestamp header is malformed");
    }
    return {};
}

void ReceiverServer::handle(const HttpRequest &request, const HttpResponder &responder)
{
    ++m_received;
    ReceivedRequest captured;
    captured.number = m_received;
    captured.receivedAt = QDateTime::currentDateTimeUtc();
    captured.method = request.method;
    captured.path = request.path;
    captured.headers = request.headers;
    captured.body = request.body;
    captured.signatureVerdict = checkSignature(m_behaviour, captured, captured.receivedAt.toSecsSinceEpoch(),
                                               &captured.signatureValid, &captured.signatureChecked);
    if (m_behaviour.neverAnswer) {
        emit this->captured(captured);
        return;
    }
    HttpResponse response;
    response.status = m_received <= m_behaviour.failFirst ? m_behaviour.failStatus : m_behaviour.status;
    response.contentType = "text/plain";
    response.body = HttpResponse::reasonPhrase(response.status);
    if ((response.status < 200 || response.status >= 300) && !m_behaviour.retryAfter.isEmpty())
        response.headers.append({"Retry-After", m_behaviour.retryAfter});
    captured.answeredStatus = response.status;
    captured.delayMs = m_behaviour.delayMs;
    emit this->captured(captured);
    if (m_behaviour.delayMs > 0)
        QTimer::singleShot(m_behaviour.delayMs, this, [responder, response] { responder.respond(response); });
    else
        responder.respond(response);
}
