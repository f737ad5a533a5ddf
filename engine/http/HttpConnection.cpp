#include "HttpConnection.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QThread>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace {

Q_LOGGING_CATEGORY(lcHttpConnection, "tidings.http.connection")

// Qt keeps at most this much unread input per socket, so a client that outruns us is held back by TCP
// flow control instead of our memory.
constexpr qint64 kSocketReadBufferBytes = 64 * 1024;
// Parse at most this much at a time, so one connection cannot hog the event loop.
constexpr qint64 kReadChunkBytes = 16 * 1024;
// Stop reading new requests while this much response data waits for a client that does not read.
constexpr qint64 kMaxUnsentBytes = 1024 * 1024;
// How long to wait for the peer to close after we shut down our side following a final response.
constexpr int kLingerMs = 2000;

const QByteArray kContinue = QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n");

bool asksToClose(const HttpResponse &response)
{
    for (const auto &header : response.headers) {
        if (header.first.compare("connection", Qt::CaseInsensitive) != 0)
            continue;
        const QByteArrayList options = header.second.split(',');
        for (const QByteArray &option : options) {
            if (option.trimmed().compare("close", Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

} // namespace

HttpResponder::HttpResponder(HttpConnection *connection, quint64 sequence, const QHostAddress &peer)
    : m_connection(connection)
    , m_sequence(sequence)
    , m_peer(peer)
{}

void HttpResponder::respond(const HttpResponse &response) const
{
    Q_ASSERT_X(!m_connection || m_connection->thread() == QThread::currentThread(), "HttpResponder::respond",
               "must be called from the server's thread");
    if (m_connection)
        m_connection->respond(m_sequence, response);
}

QHostAddress HttpResponder::peerAddress() const
{
    return m_peer;
}

bool HttpResponder::isValid() const
{
    return m_connection && m_connection->isOpen();
}

HttpConnection::HttpConnection(QTcpSocket *socket, const HttpServerLimits &limits, Dispatcher dispatcher,
                               QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_limits(limits)
    , m_dispatcher(std::move(dispatcher))
    , m_parser(limits.request)
    , m_peer(socket->peerAddress())
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kSocketReadBufferBytes);
    // Small responses should not wait for Nagle; we always write a whole response at once.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    // A reset, an error or the peer closing all end the connection: with QTcpSocket a half-closed peer
    // cannot be written to any more either.
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::finish);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::start()
{
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        finish();
        return;
    }
    processInput();
}

void HttpConnection::reject(const HttpResponse &response)
{
    m_parseStopped = true;
    PendingResponse pending;
    pending.sequence = m_nextSequence++;
    pending.answered = true;
    pending.closeAfter = true;
    pending.bytes = response.serialize(false);
    m_pending.push_back(std::move(pending));
    flush();
    updateTimer();
}

void HttpConnection::abort()
{
    finish();
}

QHostAddress HttpConnection::peerAddress() const
{
    return m_peer;
}

bool HttpConnection::isOpen() const
{
    return !m_finished && !m_closing;
}

void HttpConnection::respond(quint64 sequence, const HttpResponse &response)
{
    if (!isOpen())
        return;
    const auto slot = std::find_if(m_pending.begin(), m_pending.end(),
                                   [sequence](const PendingResponse &p) { return p.sequence == sequence; });
    if (slot == m_pending.end() || slot->answered) {
        qCWarning(lcHttpConnection) << "Ignoring a second response to request" << sequence << "from"
                                    << m_peer;
        return;
    }
    slot->closeAfter = !slot->keepAlive || asksToClose(response);
    if (response.status < 200) {
        // An interim status as the final answer would leave the client waiting for another response.
        qCWarning(lcHttpConnection) << "Handler answered with interim status" << response.status;
        slot->bytes = HttpResponse::error(500, HttpResponse::errorCode(500),
                                          QStringLiteral("The server produced an invalid response."))
                          .serialize(!slot->closeAfter);
    } else {
        slot->bytes = response.serialize(!slot->closeAfter, slot->head);
    }
    slot->answered = true;
    flush();
    // Answering may have made room in the pipeline for requests we stopped reading.
    processInput();
    updateTimer();
}

void HttpConnection::onReadyRead()
{
    if (m_closing) {
        // Nothing more will be answered; drain so the kernel does not reset the connection on close
        // (which could destroy the final response before the client read it).
        m_socket->readAll();
        return;
    }
    processInput();
}

void HttpConnection::onBytesWritten()
{
    if (m_finished)
        return;
    if (m_closing && !m_lingering && m_socket->bytesToWrite() == 0) {
        shutdownWrite();
        return;
    }
    processInput();
    updateTimer(true);
}

void HttpConnection::processInput()
{
    if (m_processing || m_finished || m_parseStopped)
        return;
    m_processing = true;
    while (!m_finished && !m_parseStopped && !isBlocked()) {
        const HttpRequestParser::Status status = m_parser.feed(m_buffer);
        if (status == HttpRequestParser::Status::Complete) {
            const HttpRequest request = m_parser.takeRequest();
            m_continueHandled = false;
            m_continueWanted = false;
            PendingResponse pending;
            pending.sequence = m_nextSequence++;
            pending.keepAlive = request.keepAlive;
            pending.head = request.method == "HEAD";
            m_pending.push_back(pending);
            // RFC 9112 9.6: nothing after a request with "Connection: close" is processed.
            if (!request.keepAlive)
                m_parseStopped = true;
            // The handler may answer right here; respond() then writes while we are still in this loop.
            m_dispatcher(request, HttpResponder(this, pending.sequence, m_peer));
            continue;
        }
        if (status == HttpRequestParser::Status::Error) {
            qCDebug(lcHttpConnection)
                << "Refusing a request from" << m_peer << m_parser.errorStatus() << m_parser.errorReason();
            queueError(m_parser.errorStatus(), QString::fromLatin1(m_parser.errorReason()));
            break;
        }
        if (m_parser.expectsContinue() && !m_continueHandled) {
            m_continueHandled = true;
            m_continueWanted = true;
            flush();
        }
        if (m_socket->bytesAvailable() <= 0)
            break;
        m_buffer.append(m_socket->read(kReadChunkBytes));
    }
    m_processing = false;
    updateTimer();
}

bool HttpConnection::isBlocked() const
{
    return qsizetype(m_pending.size()) >= m_limits.maxPipelinedRequests ||
           m_socket->bytesToWrite() > kMaxUnsentBytes;
}

void HttpConnection::queueError(int status, const QString &message)
{
    m_parseStopped = true;
    m_continueWanted = false;
    PendingResponse pending;
    pending.sequence = m_nextSequence++;
    pending.answered = true;
    pending.closeAfter = true;
    pending.bytes = HttpResponse::error(status, HttpResponse::errorCode(status), message).serialize(false);
    m_pending.push_back(std::move(pending));
    emit refused(status);
    flush();
}

void HttpConnection::flush()
{
    while (!m_finished && !m_pending.empty() && m_pending.front().answered) {
        const PendingResponse pending = std::move(m_pending.front());
        m_pending.pop_front();
        m_socket->write(pending.bytes);
        if (pending.closeAfter) {
            beginClose();
            return;
        }
    }
    // An interim response must not overtake the final responses to earlier requests.
    if (m_continueWanted && m_pending.empty() && !m_finished) {
        m_continueWanted = false;
        m_socket->write(kContinue);
    }
}

void HttpConnection::beginClose()
{
    m_closing = true;
    m_parseStopped = true;
    m_continueWanted = false;
    m_pending.clear();
    m_buffer.clear();
    if (m_socket->bytesToWrite() == 0)
        shutdownWrite();
    else
        updateTimer();
}

void HttpConnection::shutdownWrite()
{
    if (m_finished)
        return;
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        finish();
        return;
    }
    m_lingering = true;
#ifdef Q_OS_UNIX
    // Half-close: the client reads the final response and end-of-stream, while we keep reading and
    // discarding whatever it was still sending. Closing outright with unread input would make the kernel
    // send a reset, which can destroy the response before the client reads it (e.g. a 413 sent while the
    // body is still arriving). QTcpSocket has no API for this, hence the native call.
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_socket->readAll();
    updateTimer();
#else
    m_socket->disconnectFromHost();
    finish();
#endif
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer.stop();
    m_pending.clear();
    m_socket->disconnect(this);
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->abort();
    emit closed(this);
    deleteLater();
}

HttpConnection::Phase HttpConnection::currentPhase() const
{
    if (m_finished)
        return Phase::None;
    if (m_lingering)
        return Phase::Lingering;
    if (m_closing)
        return Phase::Closing;
    if (!m_parseStopped && !isBlocked()) {
        if (m_parser.headersComplete())
            return Phase::Body;
        if (m_parser.inProgress() || !m_buffer.isEmpty())
            return Phase::Head;
    }
    if (!m_pending.empty() || m_parseStopped)
        return Phase::Handler;
    return Phase::Idle;
}

void HttpConnection::updateTimer(bool progress)
{
    const Phase phase = currentPhase();
    const bool perRequest = phase == Phase::Head || phase == Phase::Body;
    const bool restartOnProgress = phase == Phase::Idle || phase == Phase::Closing;
    if (phase == m_phase && !(perRequest && m_phaseSequence != m_nextSequence) &&
        !(progress && restartOnProgress))
        return;
    m_phase = phase;
    m_phaseSequence = m_nextSequence;
    switch (phase) {
    case Phase::None:
    case Phase::Handler:
        // Waiting for our own handler is not the client's fault; no timeout.
        m_timer.stop();
        break;
    case Phase::Idle:
    case Phase::Closing:
        // Restarted on every write progress: a client reading slowly is fine, one not reading at all is not.
        m_timer.start(m_limits.idleTimeoutMs);
        break;
    case Phase::Head:
        // Started once per request and never extended by progress, so trickling bytes (slowloris) cannot
        // keep a head open.
        m_timer.start(m_limits.headerTimeoutMs);
        break;
    case Phase::Body:
        m_timer.start(m_limits.bodyTimeoutMs);
        break;
    case Phase::Lingering:
        m_timer.start(qMin(kLingerMs, m_limits.idleTimeoutMs));
        break;
    }
}

void HttpConnection::onTimeout()
{
    switch (m_phase) {
    case Phase::Idle:
        // A keep-alive connection nobody uses: close quietly, there is nothing to say.
        if (m_socket->bytesToWrite() == 0)
            m_socket->disconnectFromHost();
        finish();
        break;
    case Phase::Head:
    case Phase::Body:
        qCDebug(lcHttpConnection) << "Request from" << m_peer << "timed out";
        m_parser.reset();
        m_buffer.clear();
        queueError(408, QStringLiteral("The request was not received in time."));
        updateTimer();
        break;
    case Phase::Closing:
    case Phase::Lingering:
        finish();
        break;
    case Phase::None:
    case Phase::Handler:
        break;
    }
}
