#include "Dispatcher.h"

#include "PayloadBuilder.h"
#include "RetryPolicy.h"
#include "WebhookSignature.h"

#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

Q_LOGGING_CATEGORY(lcDispatch, "tidings.dispatch")

namespace {
const QByteArray userAgent = QByteArrayLiteral("Tidings/0.1 (+registry webhook relay)");
}

Dispatcher::Dispatcher(Store &store, QString owner, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_owner(std::move(owner))
{
    // Webhooks must not be redirected to somewhere their owner did not configure; a 3xx is recorded as a
    // failure.
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

Dispatcher::~Dispatcher()
{
    abortAll();
}

int Dispatcher::freeSlots(const WebhookConfig &webhook) const
{
    return qMax(0, qMax(1, webhook.concurrency) - m_inFlightPerWebhook.value(webhook.id));
}

bool Dispatcher::isReservedHeader(QByteArrayView lowerName)
{
    static const QByteArrayView reserved[] = {"content-type", "content-length",    "transfer-encoding",
                                              "host",         "connection",        "user-agent",
                                              "webhook-id",   "webhook-timestamp", "webhook-signature"};
    for (QByteArrayView name : reserved) {
        if (lowerName == name)
            return true;
    }
    return false;
}

bool Dispatcher::isSecretHeader(QByteArrayView lowerName)
{
    static const QByteArrayView exact[] = {"authorization", "proxy-authorization", "cookie", "x-api-key",
                                           "api-key"};
    for (QByteArrayView name : exact) {
        if (lowerName == name)
            return true;
    }
    const QByteArray name = lowerName.toByteArray();
    return name.contains("token") || name.contains("secret") || name.contains("password");
}

QByteArray Dispatcher::maskedValue(const QByteArray &value)
{
    // Keep the scheme ("Bearer") so a reader can still tell which kind of credential was sent.
    const qsizetype space = value.indexOf(' ');
    return (space > 0 && space < 16 ? value.left(space + 1) : QByteArray()) + QByteArrayLiteral("********");
}

void Dispatcher::dispatch(const ClaimedDelivery &claimed, const WebhookConfig &webhook)
{
    const DeliveryPayload payload = PayloadBuilder::build(claimed.event, webhook.payloadFormat);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray messageId = claimed.delivery.messageId.toLatin1();
    const qint64 timestamp = now.toSecsSinceEpoch();

    QNetworkRequest request{QUrl(webhook.url)};
    AttemptRecord::Headers headers;
    headers.append({QByteArrayLiteral("Content-Type"), payload.contentType});
    headers.append({QByteArrayLiteral("User-Agent"), userAgent});
    headers.append({QByteArrayLiteral("webhook-id"), messageId});
    headers.append({QByteArrayLiteral("webhook-timestamp"), QByteArray::number(timestamp)});
    if (!webhook.secret.isEmpty()) {
        QByteArray key;
        QString error;
        if (WebhookSignature::decodeSecret(webhook.secret, &key, &error)) {
            headers.append({QByteArrayLiteral("webhook-signature"),
                            WebhookSignature::signatureHeader({key}, messageId, timestamp, payload.body)});
        } else {
            qCWarning(lcDispatch) << "webhook" << webhook.name
                                  << "has an unusable secret, sending unsigned:" << error;
        }
    }
    for (const auto &header : webhook.headers) {
        // Validation refuses these; a row written by something else must still not forge the signature.
        if (!isReservedHeader(header.first.toLower().toLatin1()))
            headers.append({header.first.toUtf8(), header.second.toUtf8()});
    }

    InFlightRequest entry;
    entry.claimed = claimed;
    entry.webhook = webhook;
    AttemptRecord &attempt = entry.attempt;
    attempt.deliveryId = claimed.delivery.id;
    attempt.number = claimed.delivery.totalAttempts + 1;
    attempt.manual = claimed.delivery.manual;
    attempt.startedAt = now;
    attempt.url = webhook.url;
    attempt.requestBody = payload.body;
    for (const auto &header : headers) {
        request.setRawHeader(header.first, header.second);
        const QByteArray lower = header.first.toLower();
        attempt.requestHeaders.append(
            {header.first, isSecretHeader(lower) ? maskedValue(header.second) : header.second});
    }
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);

    QNetworkReply *reply = m_network.post(request, payload.body);
    entry.clock.start();
    // transferTimeout only measures inactivity and reports a cancel; a webhook gets a total deadline of its
    // own.
    entry.deadline = new QTimer(reply);
    entry.deadline->setSingleShot(true);
    connect(entry.deadline, &QTimer::timeout, this, [this, reply] {
        auto it = m_requests.find(reply);
        if (it == m_requests.end())
            return;
        it->timedOut = true;
        reply->abort();
    });
    entry.deadline->start(qMax(100, webhook.timeoutMs));
    connect(reply, &QNetworkReply::readyRead, this, [this, reply] { onReadyRead(reply); });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onFinished(reply); });
    m_requests.insert(reply, entry);
    ++m_inFlightPerWebhook[webhook.id];
}

void Dispatcher::onReadyRead(QNetworkReply *reply)
{
    auto it = m_requests.find(reply);
    if (it == m_requests.end())
        return;
    // Keep the first 64 KiB and drain the rest, so a huge answer costs neither memory nor a stalled
    // connection.
    QByteArray &body = it->attempt.responseBody;
    const qsizetype room = maxRecordedResponseBytes - body.size();
    if (room > 0)
        body += reply->read(room);
    if (reply->bytesAvailable() > 0)
        reply->skip(reply->bytesAvailable());
}

void Dispatcher::onFinished(QNetworkReply *reply)
{
    auto it = m_requests.find(reply);
    if (it == m_requests.end()) {
        reply->deleteLater();
        return;
    }
    InFlightRequest request = std::move(it.value());
    m_requests.erase(it);
    const qint64 webhookId = request.webhook.id;
    if (--m_inFlightPerWebhook[webhookId] <= 0)
        m_inFlightPerWebhook.remove(webhookId);
    if (!request.aborting) {
        onReadyRead(reply); // bytes that arrived with the finish
        finish(request, reply);
    }
    reply->deleteLater();
    emit slotFreed(webhookId);
}

QString Dispatcher::errorClassFor(QNetworkReply *reply, bool timedOut)
{
    if (timedOut)
        return QStringLiteral("timeout");
    switch (reply->error()) {
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("dns");
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::TemporaryNetworkFailureError:
        return QStringLiteral("connect");
    case QNetworkReply::SslHandshakeFailedError:
    case QNetworkReply::TooManyRedirectsError:
        return reply->error() == QNetworkReply::SslHandshakeFailedError ? QStringLiteral("tls")
                                                                        : QStringLiteral("redirect");
    case QNetworkReply::TimeoutError:
        return QStringLiteral("timeout");
    case QNetworkReply::ProtocolUnknownError:
    case QNetworkReply::ProtocolInvalidOperationError:
        return QStringLiteral("invalid_target");
    default:
        return QStringLiteral("network");
    }
}

void Dispatcher::finish(InFlightRequest &request, QNetworkReply *reply)
{
    AttemptRecord &attempt = request.attempt;
    attempt.durationMs = int(request.clock.elapsed());
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    attempt.responseStatus = statusAttribute.isValid() ? statusAttribute.toInt() : 0;
    for (const auto &header : reply->rawHeaderPairs())
        attempt.responseHeaders.append(header);

    const int status = attempt.responseStatus;
    if (status == 0) {
        attempt.errorClass = errorClassFor(reply, request.timedOut);
        attempt.errorMessage =
            request.timedOut
                ? QStringLiteral("no complete answer within %1 ms").arg(request.webhook.timeoutMs)
                : reply->errorString();
    } else if (status >= 300 && status < 400) {
        attempt.errorClass = QStringLiteral("redirect");
        attempt.errorMessage = QStringLiteral("redirects are not followed (Location: %1)")
                                   .arg(QString::fromLatin1(reply->rawHeader("Location")));
    } else if (status >= 400 || status < 200) {
        attempt.errorClass = QStringLiteral("http");
        attempt.errorMessage = QStringLiteral("HTTP %1").arg(status);
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    AttemptOutcome outcome;
    DeliveryRecord delivery = request.claimed.delivery;
    const int attemptsInSeries = delivery.attempts + 1;
    QString disableReason;
    if (status >= 200 && status < 300) {
        outcome.state = DeliveryState::Succeeded;
    } else if (status == 410) {
        // The receiver says the endpoint is gone for good: stop sending to it until someone re-enables it.
        outcome.state = DeliveryState::Failed;
        disableReason = QStringLiteral("the endpoint answered 410 Gone at %1").arg(now.toString(Qt::ISODate));
    } else {
        const RetryPolicy policy(request.webhook.retryScheduleSeconds, request.webhook.maxAttempts);
        if (policy.hasAttemptsLeft(attemptsInSeries)) {
            qint64 delayMs = policy.delayMsBefore(attemptsInSeries + 1);
            const qint64 retryAfterMs = RetryPolicy::parseRetryAfterMs(reply->rawHeader("Retry-After"), now);
            if (retryAfterMs >= 0)
                delayMs = policy.applyRetryAfter(delayMs, retryAfterMs);
            outcome.state = DeliveryState::Pending;
            outcome.nextAttemptAt = now.addMSecs(delayMs);
        } else {
            outcome.state = DeliveryState::Failed;
        }
    }

    if (!m_store.recordAttempt(attempt, outcome, m_owner)) {
        // The lease stays on the row; it runs out and another claim retries the delivery. Nothing is lost.
        emit storeFailed(QStringLiteral("cannot record attempt %1 of delivery %2: %3")
                             .arg(attempt.number)
                             .arg(delivery.id)
                             .arg(m_store.lastError()));
        return;
    }
    if (!disableReason.isEmpty() && m_store.setWebhookEnabled(request.webhook.id, false, disableReason))
        emit webhookDisabled(request.webhook.id, disableReason);

    delivery.state = outcome.state;
    delivery.attempts = attemptsInSeries;
    delivery.totalAttempts += 1;
    delivery.nextAttemptAt = outcome.nextAttemptAt;
    delivery.leaseOwner.clear();
    delivery.leaseExpiresAt = {};
    delivery.lastStatus = status;
    delivery.lastError = attempt.errorClass;
    delivery.updatedAt = now;
    delivery.webhookName = request.webhook.name;
    emit attemptRecorded(attempt, delivery);
}

void Dispatcher::abortAll()
{
    const QList<QNetworkReply *> replies = m_requests.keys();
    for (QNetworkReply *reply : replies) {
        auto it = m_requests.find(reply);
        if (it != m_requests.end())
            it->aborting = true;
        reply->abort();
    }
    if (!replies.isEmpty())
        m_store.releaseLeases(m_owner);
}
