#include "OverrideReplay.h"

#include "Dispatcher.h"
#include "PayloadBuilder.h"
#include "SigningKeys.h"
#include "Store.h"
#include "WebhookSignature.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHostInfo>
#include <QJsonDocument>
#include <QTimer>
#include <QUrl>

namespace {

const QByteArray userAgent = QByteArrayLiteral("Tidings/0.1 (+registry webhook relay)");

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 &&
           a.port(a.scheme() == QLatin1String("https") ? 443 : 80) ==
               b.port(b.scheme() == QLatin1String("https") ? 443 : 80);
}

} // namespace

struct OverrideReplay::Pending
{
    qint64 ticket = 0;
    OverrideReplayRequest request;
    WebhookConfig webhook;
    QUrl target;
    bool toWebhookUrl = false;
    bool skipTlsVerify = false;
    QByteArray body;
    HttpClientRequest httpRequest;
    AttemptRecord attempt;
    QElapsedTimer clock;
    quint64 requestId = 0; // HttpClient's, once sent
    QTimer deadline;
};

OverrideReplay::OverrideReplay(Store &store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    qRegisterMetaType<OverrideReplayResult>();
    // As for deliveries, HttpClient records a 3xx as the answer: never a hop to somewhere nobody configured.
    connect(&m_http, &HttpClient::finished, this, &OverrideReplay::onAnswered);
}

OverrideReplay::~OverrideReplay()
{
    abortAll();
}

QString OverrideReplay::checkUrl(const QString &url)
{
    const QUrl parsed(url.trimmed(), QUrl::StrictMode);
    if (url.trimmed().isEmpty())
        return QStringLiteral("the target URL is empty");
    if (!parsed.isValid() ||
        (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")) ||
        parsed.host().isEmpty())
        return QStringLiteral("\"%1\" is not an http:// or https:// URL with a host").arg(url.trimmed());
    return {};
}

QString OverrideReplay::checkPayload(const QByteArray &payload)
{
    QJsonParseError error;
    QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError) {
        // Line and column help more than a byte offset in an editor.
        const QByteArray before = payload.left(error.offset);
        const int line = int(before.count('\n')) + 1;
        const int column = int(before.size() - (before.lastIndexOf('\n') + 1)) + 1;
        return QStringLiteral("the payload is not valid JSON: %1 at line %2, column %3")
            .arg(error.errorString())
            .arg(line)
            .arg(column);
    }
    return {};
}

qint64 OverrideReplay::start(const OverrideReplayRequest &request, OverrideReplayResult *refusal)
{
    refusal->deliveryId = request.deliveryId;
    auto refuse = [refusal](const QString &code, const QString &message) {
        refusal->errorCode = code;
        refusal->errorMessage = message;
        return qint64(0);
    };
    const std::optional<DeliveryRecord> delivery = m_store.delivery(request.deliveryId);
    if (!delivery)
        return m_store.lastError().isEmpty()
                   ? refuse(QStringLiteral("not_found"),
                            QStringLiteral("no delivery %1").arg(request.deliveryId))
                   : refuse(QStringLiteral("storage"), m_store.lastError());
    if (delivery->state == DeliveryState::InFlight)
        return refuse(
            QStringLiteral("in_flight"),
            QStringLiteral("delivery %1 is being sent right now; replay it when the attempt is over")
                .arg(delivery->id));
    const std::optional<WebhookConfig> webhook = m_store.webhook(delivery->webhookId);
    const std::optional<RegistryEvent> event = m_store.event(delivery->eventRowId);
    if (!webhook || !event)
        return refuse(QStringLiteral("storage"),
                      QStringLiteral("cannot read the webhook or event of delivery %1: %2")
                          .arg(delivery->id)
                          .arg(m_store.lastError()));

    const QString url = request.url.trimmed().isEmpty() ? webhook->url : request.url.trimmed();
    if (const QString error = checkUrl(url); !error.isEmpty())
        return refuse(QStringLiteral("invalid_url"), error);
    if (!request.payload.isNull()) {
        if (const QString error = checkPayload(request.payload); !error.isEmpty())
            return refuse(QStringLiteral("invalid_payload"), error);
    }

    auto pending = std::make_shared<Pending>();
    pending->request = request;
    pending->webhook = *webhook;
    pending->target = QUrl(url);
    pending->toWebhookUrl = pending->target == QUrl(webhook->url);
    const DeliveryPayload original = PayloadBuilder::build(*event, webhook->payloadFormat);
    pending->body = request.payload.isNull() ? original.body : request.payload;

    AttemptOverride &change = pending->attempt.replayOverride;
    change.originalUrl = Dispatcher::loggedUrl(QUrl(webhook->url), webhook->url);
    if (!pending->toWebhookUrl)
        change.url = Dispatcher::loggedUrl(pending->target, url);
    change.payloadEdited = pending->body != original.body;
    change.originalPayloadSha256 = sha256Hex(original.body);
    change.payloadSha256 = sha256Hex(pending->body);

    // The receiver's destination rules are the deliveries' own: an IP literal is judged here, a name once
    // it is resolved (and the connection pinned to the address that was judged).
    const bool policyOn = m_policy.isEnabled();
    QHostAddress literal;
    const bool isLiteral = literal.setAddress(pending->target.host());
    if (policyOn && isLiteral) {
        const QString reason = m_policy.refusal(literal);
        if (!reason.isEmpty())
            return refuse(QStringLiteral("blocked_destination"),
                          QStringLiteral("%1 is not an allowed destination: %2").arg(url, reason));
    }

    // Headers as the dispatcher sends them, signed over the body this attempt sends.
    const bool sameHost = sameOrigin(pending->target, QUrl(webhook->url));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray messageId = delivery->messageId.toLatin1();
    const qint64 timestamp = now.toSecsSinceEpoch();
    AttemptRecord::Headers headers;
    headers.append({QByteArrayLiteral("Content-Type"), original.contentType});
    headers.append({QByteArrayLiteral("User-Agent"), userAgent});
    headers.append({QByteArrayLiteral("webhook-id"), messageId});
    headers.append({QByteArrayLiteral("webhook-timestamp"), QByteArray::number(timestamp)});
    const QList<QByteArray> keys = SigningKeys::forWebhook(*webhook, now);
    if (!keys.isEmpty())
        headers.append({QByteArrayLiteral("webhook-signature"),
                        WebhookSignature::signatureHeader(keys, messageId, timestamp, pending->body)});
    for (const auto &header : webhook->headers) {
        const QByteArray lower = header.first.toLower().toLatin1();
        if (Dispatcher::isReservedHeader(lower))
            continue;
        // Credentials configured for the webhook's endpoint are not handed to another host.
        if (!sameHost && Dispatcher::isSecretHeader(lower))
            continue;
        headers.append({header.first.toUtf8(), header.second.toUtf8()});
    }

    // Credentials in the replay's URL authenticate to that URL's host only, like the webhook's own.
    Dispatcher::addUrlCredentials(pending->target, headers);

    AttemptRecord &attempt = pending->attempt;
    attempt.deliveryId = delivery->id;
    attempt.manual = true;
    attempt.note = change.summary();
    attempt.startedAt = now;
    attempt.url = Dispatcher::loggedUrl(pending->target, url);
    attempt.requestBody = pending->body;
    for (const auto &header : headers) {
        const QByteArray lower = header.first.toLower();
        attempt.requestHeaders.append({header.first, Dispatcher::isSecretHeader(lower)
                                                         ? Dispatcher::maskedValue(header.second)
                                                         : header.second});
    }
    // Skipping TLS verification was allowed for the webhook's host, not for wherever a replay points.
    pending->skipTlsVerify = webhook->tlsSkipVerify && sameHost;
    HttpClientRequest &httpRequest = pending->httpRequest;
    httpRequest.url = pending->target.toString(QUrl::FullyEncoded);
    httpRequest.skipTlsVerify = pending->skipTlsVerify;
    httpRequest.headers = std::move(headers);
    httpRequest.body = pending->body;
    httpRequest.keptResponseBytes = Dispatcher::maxRecordedResponseBytes;

    pending->ticket = m_nextTicket++;
    m_pending.insert(pending->ticket, pending);
    pending->clock.start();
    if (!policyOn || isLiteral) {
        send(pending, policyOn ? literal : QHostAddress());
        return pending->ticket;
    }
    const qint64 ticket = pending->ticket;
    QHostInfo::lookupHost(pending->target.host(), this, [this, ticket](const QHostInfo &info) {
        const std::shared_ptr<Pending> pending = m_pending.value(ticket);
        if (!pending)
            return; // aborted meanwhile
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            pending->attempt.errorClass = QStringLiteral("dns");
            pending->attempt.errorMessage = info.errorString();
            finish(pending);
            return;
        }
        for (const QHostAddress &address : info.addresses()) {
            const QString reason = m_policy.refusal(address);
            if (!reason.isEmpty()) {
                refuseLater(pending, QStringLiteral("blocked_destination"),
                            QStringLiteral("%1 is not an allowed destination: %2 resolves to %3")
                                .arg(pending->target.toString(), info.hostName(), reason));
                return;
            }
        }
        send(pending, info.addresses().constFirst());
    });
    return ticket;
}

void OverrideReplay::send(const std::shared_ptr<Pending> &pending, const QHostAddress &pinned)
{
    // A pinned address is where the connection goes; the server still sees the URL's name (Host, TLS).
    pending->httpRequest.connectTo = pinned;
    pending->requestId = m_http.post(pending->httpRequest);
    m_ticketOfRequest.insert(pending->requestId, pending->ticket);
    const qint64 ticket = pending->ticket;
    pending->deadline.setSingleShot(true);
    connect(&pending->deadline, &QTimer::timeout, this, [this, ticket] {
        const std::shared_ptr<Pending> p = m_pending.value(ticket);
        if (!p || !m_ticketOfRequest.remove(p->requestId))
            return;
        m_http.abort(p->requestId);
        p->attempt.errorClass = QStringLiteral("timeout");
        p->attempt.errorMessage = QStringLiteral("no complete answer within %1 ms").arg(p->webhook.timeoutMs);
        finish(p);
    });
    pending->deadline.start(qMax(100, pending->webhook.timeoutMs - int(pending->clock.elapsed())));
}

void OverrideReplay::onAnswered(quint64 requestId, const HttpClientResponse &response)
{
    const std::shared_ptr<Pending> p = m_pending.value(m_ticketOfRequest.take(requestId));
    if (!p)
        return;
    p->deadline.stop();
    const Dispatcher::Result result = Dispatcher::resultOf(response);
    AttemptRecord &attempt = p->attempt;
    attempt.responseStatus = result.status;
    attempt.responseHeaders = result.headers;
    attempt.responseBody = response.body;
    attempt.errorClass = result.errorClass;
    attempt.errorMessage = result.errorMessage;
    finish(p);
}

void OverrideReplay::finish(const std::shared_ptr<Pending> &pending)
{
    m_pending.remove(pending->ticket);
    OverrideReplayResult result;
    result.ticket = pending->ticket;
    result.deliveryId = pending->attempt.deliveryId;
    result.attempt = pending->attempt;
    result.attempt.durationMs = int(pending->clock.elapsed());
    if (!m_store.recordOverrideAttempt(result.attempt, pending->toWebhookUrl)) {
        result.errorCode = QStringLiteral("storage");
        result.errorMessage =
            QStringLiteral("the attempt was sent but could not be recorded: %1").arg(m_store.lastError());
    } else {
        result.delivery = m_store.delivery(result.deliveryId).value_or(DeliveryRecord());
    }
    emit finished(result);
}

void OverrideReplay::refuseLater(const std::shared_ptr<Pending> &pending, const QString &code,
                                 const QString &message)
{
    m_pending.remove(pending->ticket);
    OverrideReplayResult result;
    result.ticket = pending->ticket;
    result.deliveryId = pending->request.deliveryId;
    result.errorCode = code;
    result.errorMessage = message;
    emit finished(result);
}

void OverrideReplay::abortAll()
{
    const auto pending = m_pending.values();
    m_pending.clear();
    for (const std::shared_ptr<Pending> &p : pending) {
        p->deadline.stop();
        if (m_ticketOfRequest.remove(p->requestId))
            m_http.abort(p->requestId);
    }
}
