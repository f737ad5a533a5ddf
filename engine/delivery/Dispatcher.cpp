#include "Dispatcher.h"

#include "PayloadBuilder.h"
#include "RetryPolicy.h"
#include "SigningKeys.h"
#include "WebhookSignature.h"

#include <QHostInfo>
#include <QLoggingCategory>
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
    // HttpClient never follows redirects: a webhook must not be sent somewhere its owner did not configure,
    // and a 3xx is recorded as a failure.
    connect(&m_http, &HttpClient::finished, this, &Dispatcher::onFinished);
    m_clock.start();
    m_deadlineTimer.setSingleShot(true);
    m_deadlineTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_deadlineTimer, &QTimer::timeout, this, &Dispatcher::expireDeadlines);
}

Dispatcher::~Dispatcher()
{
    abortAll();
}

int Dispatcher::freeSlots(const WebhookConfig &webhook, int settling) const
{
    const int allowed =
        m_backoff.allowedConcurrency(webhook.id, qMax(1, webhook.concurrency), m_clock.elapsed());
    return qMax(0, allowed - (m_inFlightPerWebhook.value(webhook.id) - settling));
}

void Dispatcher::forgetFailures(qint64 webhookId, const QString &webhookName)
{
    if (m_backoff.forget(webhookId))
        emit endpointResumed(webhookId, webhookName, QStringLiteral("its configuration changed"));
}

std::optional<qint64> Dispatcher::pauseLeftMs(qint64 webhookId) const
{
    return m_backoff.pauseLeftMs(webhookId, m_clock.elapsed());
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
    return lowerName.contains("token") || lowerName.contains("secret") || lowerName.contains("password");
}

QUrl Dispatcher::parsedUrl(const QString &url)
{
    auto it = m_parsedUrls.find(url);
    if (it == m_parsedUrls.end()) {
        if (m_parsedUrls.size() >= 4096)
            m_parsedUrls.clear(); // URLs edited many times over: start again rather than grow
        it = m_parsedUrls.insert(url, QUrl(url));
    }
    return *it;
}

void Dispatcher::addUrlCredentials(const QUrl &url, AttemptRecord::Headers &headers)
{
    if (url.userInfo().isEmpty())
        return;
    for (const auto &header : std::as_const(headers)) {
        if (header.first.compare("authorization", Qt::CaseInsensitive) == 0)
            return; // the webhook's own header says how to authenticate
    }
    // As curl sends them: Basic authentication at once, not after a 401 (one request, not two).
    const QByteArray credentials =
        url.userName(QUrl::FullyDecoded).toUtf8() + ':' + url.password(QUrl::FullyDecoded).toUtf8();
    headers.append({QByteArrayLiteral("Authorization"), "Basic " + credentials.toBase64()});
}

QString Dispatcher::loggedUrl(const QUrl &url, const QString &configured)
{
    return url.password().isEmpty() ? configured : url.toString(QUrl::RemovePassword);
}

QByteArray Dispatcher::maskedValue(const QByteArray &value)
{
    // Keep the scheme ("Bearer") so a reader can still tell which kind of credential was sent.
    const qsizetype space = value.indexOf(' ');
    return (space > 0 && space < 16 ? value.left(space + 1) : QByteArray()) + QByteArrayLiteral("********");
}

void Dispatcher::dispatch(const ClaimedDelivery &claimed, const WebhookConfig &webhook)
{
    auto entry = std::make_shared<InFlightRequest>();
    entry->claimed = claimed;
    entry->webhook = webhook;
    entry->payload = PayloadBuilder::build(claimed.event, webhook.payloadFormat);
    entry->clock.start();
    entry->generation = m_generation;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray messageId = claimed.delivery.messageId.toLatin1();
    const qint64 timestamp = now.toSecsSinceEpoch();

    AttemptRecord::Headers headers;
    headers.append({QByteArrayLiteral("Content-Type"), entry->payload.contentType});
    headers.append({QByteArrayLiteral("User-Agent"), userAgent});
    headers.append({QByteArrayLiteral("webhook-id"), messageId});
    headers.append({QByteArrayLiteral("webhook-timestamp"), QByteArray::number(timestamp)});
    if (!webhook.secret.isEmpty()) {
        QString error;
        // During a secret rotation's grace period: the new and the previous secret, space-separated.
        const QList<QByteArray> keys = SigningKeys::forWebhook(webhook, now, &error);
        if (!keys.isEmpty()) {
            headers.append(
                {QByteArrayLiteral("webhook-signature"),
                 WebhookSignature::signatureHeader(keys, messageId, timestamp, entry->payload.body)});
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
    entry->url = parsedUrl(webhook.url);
    addUrlCredentials(entry->url, headers);

    AttemptRecord &attempt = entry->attempt;
    attempt.deliveryId = claimed.delivery.id;
    attempt.number = claimed.delivery.totalAttempts + 1;
    attempt.manual = claimed.delivery.manual;
    attempt.startedAt = now;
    attempt.url = loggedUrl(entry->url, webhook.url);
    attempt.requestBody = entry->payload.body;
    for (const auto &header : headers) {
        const QByteArray lower = header.first.toLower();
        attempt.requestHeaders.append(
            {header.first, isSecretHeader(lower) ? maskedValue(header.second) : header.second});
    }
    HttpClientRequest &request = entry->request;
    request.url = webhook.url;
    request.skipTlsVerify = webhook.tlsSkipVerify;
    request.headers = std::move(headers);
    request.body = entry->payload.body;
    request.keptResponseBytes = maxRecordedResponseBytes;

    ++m_inFlight;
    ++m_inFlightPerWebhook[webhook.id];

    const QUrl &url = entry->url;
    if (!m_policy.isEnabled()) {
        send(entry, {});
        return;
    }
    // The guard judges the address the connection will use: an IP literal as it is, a name after resolving it
    // here.
    QHostAddress literal;
    if (literal.setAddress(url.host())) {
        const QString refusal = m_policy.refusal(literal);
        if (refusal.isEmpty())
            send(entry, literal);
        else
            complete(*entry, Result{0, {}, {}, QStringLiteral("blocked"), refusal, true});
        return;
    }
    QHostInfo::lookupHost(url.host(), this, [this, entry](const QHostInfo &info) {
        if (entry->generation != m_generation)
            return; // abortAll() already handed this delivery back
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            complete(*entry, Result{0, {}, {}, QStringLiteral("dns"), info.errorString(), false});
            return;
        }
        // Every address the name has must be allowed: otherwise a second lookup inside the network stack
        // could pick the forbidden one.
        for (const QHostAddress &address : info.addresses()) {
            const QString refusal = m_policy.refusal(address);
            if (!refusal.isEmpty()) {
                complete(*entry, Result{0,
                                        {},
                                        {},
                                        QStringLiteral("blocked"),
                                        QStringLiteral("%1 resolves to %2").arg(info.hostName(), refusal),
                                        true});
                return;
            }
        }
        send(entry, info.addresses().constFirst());
    });
}

void Dispatcher::send(const RequestPointer &entry, const QHostAddress &pinnedAddress)
{
    // A pinned address is where the connection goes; the URL's name is still what the server sees: the Host
    // header, and the name the certificate must carry (and SNI).
    entry->request.connectTo = pinnedAddress;
    const quint64 id = m_http.post(entry->request);
    // One timer serves every request's total deadline (a timer object per request costs more than the rest of
    // the bookkeeping together).
    const qint64 left = qMax<qint64>(100, entry->webhook.timeoutMs - entry->clock.elapsed());
    entry->sentAtMs = m_clock.elapsed();
    entry->deadline = m_deadlines.insert({entry->sentAtMs + left, id});
    entry->hasDeadline = true;
    armDeadlineTimer();
    m_requests.insert(id, entry);
}

void Dispatcher::armDeadlineTimer()
{
    if (m_deadlines.empty()) {
        m_deadlineTimer.stop();
        return;
    }
    const qint64 wait = qMax<qint64>(0, m_deadlines.begin()->first - m_clock.elapsed());
    if (!m_deadlineTimer.isActive() || m_deadlineTimer.remainingTime() > wait)
        m_deadlineTimer.start(int(wait));
}

void Dispatcher::expireDeadlines()
{
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        const quint64 id = m_deadlines.begin()->second;
        m_deadlines.erase(m_deadlines.begin());
        const auto it = m_requests.find(id);
        if (it == m_requests.end())
            continue;
        const RequestPointer entry = it.value();
        m_requests.erase(it);
        entry->hasDeadline = false;
        m_http.abort(id);
        Result timedOut;
        timedOut.errorClass = QStringLiteral("timeout");
        timedOut.errorMessage =
            QStringLiteral("no complete answer within %1 ms").arg(entry->webhook.timeoutMs);
        complete(*entry, timedOut);
    }
    armDeadlineTimer();
}

void Dispatcher::onFinished(quint64 requestId, const HttpClientResponse &response)
{
    const auto it = m_requests.find(requestId);
    if (it == m_requests.end())
        return;
    const RequestPointer entry = it.value();
    m_requests.erase(it);
    if (entry->hasDeadline) {
        m_deadlines.erase(entry->deadline);
        entry->hasDeadline = false;
    }
    m_averageAnswerMs += (double(m_clock.elapsed() - entry->sentAtMs) - m_averageAnswerMs) / 16;
    entry->attempt.responseBody = response.body;
    complete(*entry, resultOf(response));
}

int Dispatcher::inFlightExpectedSoon() const
{
    const qint64 overdueBefore = m_clock.elapsed() - (qint64(4 * m_averageAnswerMs) + 10);
    int overdue = 0;
    for (const RequestPointer &request : m_requests)
        overdue += request->sentAtMs < overdueBefore ? 1 : 0;
    return m_inFlight - overdue;
}

void Dispatcher::releaseSlot(qint64 webhookId)
{
    --m_inFlight;
    if (--m_inFlightPerWebhook[webhookId] <= 0)
        m_inFlightPerWebhook.remove(webhookId);
}

Dispatcher::Result Dispatcher::resultOf(const HttpClientResponse &response)
{
    Result result;
    result.status = response.status;
    result.headers = response.headers;
    result.retryAfter = response.header("Retry-After");
    if (result.status == 0) {
        result.errorClass = response.errorClass;
        result.errorMessage = response.errorMessage;
    } else if (result.status >= 300 && result.status < 400) {
        result.errorClass = QStringLiteral("redirect");
        result.errorMessage = QStringLiteral("redirects are not followed (Location: %1)")
                                  .arg(QString::fromLatin1(response.header("Location")));
    } else if (result.status >= 400 || result.status < 200) {
        result.errorClass = QStringLiteral("http");
        result.errorMessage = QStringLiteral("HTTP %1").arg(result.status);
    }
    return result;
}

void Dispatcher::complete(InFlightRequest &request, const Result &result)
{
    AttemptRecord &attempt = request.attempt;
    attempt.durationMs = int(request.clock.elapsed());
    attempt.responseStatus = result.status;
    attempt.responseHeaders = result.headers;
    attempt.errorClass = result.errorClass;
    attempt.errorMessage = result.errorMessage;

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int status = result.status;
    AttemptOutcome outcome;
    DeliveryRecord delivery = request.claimed.delivery;
    const int attemptsInSeries = delivery.attempts + 1;
    QString disableReason;
    qint64 retryDelayMs = -1;
    if (status >= 200 && status < 300) {
        outcome.state = DeliveryState::Succeeded;
    } else if (status == 410) {
        // The receiver says the endpoint is gone for good: stop sending to it until someone re-enables it.
        outcome.state = DeliveryState::Failed;
        disableReason = QStringLiteral("the endpoint answered 410 Gone at %1").arg(now.toString(Qt::ISODate));
    } else if (result.permanent) {
        outcome.state = DeliveryState::Failed;
    } else {
        const RetryPolicy policy(request.webhook.retryScheduleSeconds, request.webhook.maxAttempts);
        // Computed even for a delivery out of attempts: it is also how long a failing endpoint is paused.
        retryDelayMs = policy.delayMsBefore(attemptsInSeries + 1);
        const qint64 retryAfterMs = RetryPolicy::parseRetryAfterMs(result.retryAfter, now);
        if (retryAfterMs >= 0)
            retryDelayMs = policy.applyRetryAfter(retryDelayMs, retryAfterMs);
        if (policy.hasAttemptsLeft(attemptsInSeries)) {
            outcome.state = DeliveryState::Pending;
            outcome.nextAttemptAt = now.addMSecs(retryDelayMs);
        } else {
            outcome.state = DeliveryState::Failed;
        }
    }
    recordEndpointHealth(request, result, retryDelayMs);

    FinishedAttempt finished;
    finished.attempt = attempt;
    finished.outcome = outcome;
    finished.delivery = delivery;
    finished.webhookName = request.webhook.name;
    finished.disableReason = disableReason;
    m_finished.append(std::move(finished));
    // Attempts that finish in the same event-loop pass share one transaction, and with the poller running
    // the claims that follow join it too: one sync to disk per pass instead of two per delivery, which is
    // what bounds dispatch throughput.
    if (m_recordInRounds)
        emit attemptsWaiting();
    else if (!m_flushScheduled) {
        m_flushScheduled = true;
        QMetaObject::invokeMethod(this, &Dispatcher::flushFinished, Qt::QueuedConnection);
    }
}

void Dispatcher::recordEndpointHealth(const InFlightRequest &request, const Result &result,
                                      qint64 retryDelayMs)
{
    if (result.permanent)
        return; // refused by the destination guard before anything was sent: says nothing about the endpoint
    const int status = result.status;
    const bool transient = status == 0 || status == 408 || status == 429 || status >= 500;
    const qint64 webhookId = request.webhook.id;
    if (!transient) {
        if (m_backoff.recordSuccess(webhookId) == EndpointBackoff::Change::Resumed)
            emit endpointResumed(webhookId, request.webhook.name,
                                 QStringLiteral("its endpoint answers again"));
        return;
    }
    if (m_backoff.recordFailure(webhookId, m_clock.elapsed(), qMax<qint64>(0, retryDelayMs)) ==
        EndpointBackoff::Change::Paused) {
        emit endpointPaused(webhookId, request.webhook.name, m_backoff.consecutiveFailures(webhookId),
                            m_backoff.pauseLeftMs(webhookId, m_clock.elapsed()).value_or(0));
    }
}

void Dispatcher::setRecordInRounds(bool on)
{
    m_recordInRounds = on;
    if (!on && !m_finished.isEmpty() && !m_flushScheduled) {
        m_flushScheduled = true;
        QMetaObject::invokeMethod(this, &Dispatcher::flushFinished, Qt::QueuedConnection);
    }
}

QList<Dispatcher::FinishedAttempt> Dispatcher::takeFinished()
{
    QList<FinishedAttempt> finished;
    finished.swap(m_finished);
    return finished;
}

bool Dispatcher::writeFinished(QList<FinishedAttempt> &finished)
{
    for (FinishedAttempt &attempt : finished) {
        if (!m_store.writeAttempt(attempt.attempt, attempt.outcome, m_owner))
            return false;
    }
    return true;
}

void Dispatcher::flushFinished()
{
    m_flushScheduled = false;
    QList<FinishedAttempt> finished = takeFinished();
    if (finished.isEmpty())
        return;
    bool recorded = m_store.beginWrite();
    if (recorded && !writeFinished(finished)) {
        m_store.rollback();
        recorded = false;
    }
    recorded = recorded && m_store.commit();
    settleFinished(finished, recorded);
}

void Dispatcher::settleFinished(QList<FinishedAttempt> &finished, bool recorded)
{
    if (finished.isEmpty())
        return;
    if (!recorded) {
        // The leases stay on the rows; they run out and another claim retries the deliveries. Nothing is
        // lost.
        emit storeFailed(QStringLiteral("cannot record %1 attempt(s), the first of delivery %2: %3")
                             .arg(finished.size())
                             .arg(finished.constFirst().delivery.id)
                             .arg(m_store.lastError()));
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (FinishedAttempt &entry : finished) {
        const qint64 webhookId = entry.delivery.webhookId;
        if (recorded) {
            const AttemptRecord &attempt = entry.attempt; // carries the id the store gave it
            if (!entry.disableReason.isEmpty() &&
                m_store.setWebhookEnabled(webhookId, false, entry.disableReason))
                emit webhookDisabled(webhookId, entry.disableReason);
            DeliveryRecord &delivery = entry.delivery;
            delivery.state = entry.outcome.state;
            delivery.attempts += 1;
            delivery.totalAttempts += 1;
            delivery.nextAttemptAt = entry.outcome.nextAttemptAt;
            delivery.leaseOwner.clear();
            delivery.leaseExpiresAt = {};
            delivery.lastStatus = attempt.responseStatus;
            delivery.lastError = attempt.errorClass;
            delivery.updatedAt = now;
            delivery.webhookName = entry.webhookName;
            emit attemptRecorded(attempt, delivery);
        }
        releaseSlot(webhookId);
    }
}

void Dispatcher::abortAll()
{
    // Attempts that have finished are recorded before the leases go back, or their results would be lost.
    flushFinished();
    if (m_inFlight == 0)
        return;
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it)
        m_http.abort(it.key());
    m_requests.clear();
    m_deadlines.clear();
    m_deadlineTimer.stop();
    // Requests still resolving their destination hold slots too; everything this owner holds goes back.
    ++m_generation;
    m_inFlight = 0;
    m_inFlightPerWebhook.clear();
    m_store.releaseLeases(m_owner);
}
