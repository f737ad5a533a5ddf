#include "HttpClientConnection.h"

#include <QSslSocket>
#include <QTcpSocket>

HttpClientConnection::HttpClientConnection(const Endpoint &endpoint, QString poolKey, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_poolKey(std::move(poolKey))
{
    if (endpoint.tls) {
        auto *socket = new QSslSocket(this);
        socket->setPeerVerifyMode(endpoint.skipTlsVerify ? QSslSocket::VerifyNone : QSslSocket::VerifyPeer);
        if (!endpoint.tlsPeerName.isEmpty())
            socket->setPeerVerifyName(endpoint.tlsPeerName);
        // The reasons are collected for the attempt log; the handshake then fails on its own.
        connect(socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            for (const QSslError &error : errors)
                m_tlsErrors.append(error.errorString());
        });
        connect(socket, &QSslSocket::encrypted, this, &HttpClientConnection::onConnected);
        m_socket = socket;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &HttpClientConnection::onConnected);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpClientConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpClientConnection::onClosedByPeer);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpClientConnection::onSocketError);
}

HttpClientConnection::~HttpClientConnection()
{
    close();
}

void HttpClientConnection::send(const QByteArray &wire, qsizetype keptResponseBytes)
{
    m_reader = HttpResponseReader(keptResponseBytes);
    m_buffer.clear();
    m_answerBytes = 0;
    switch (m_state) {
    case State::New:
        m_pendingWire = wire;
        m_state = State::Connecting;
        // From the event loop: a refused loopback connection can fail inside connectToHost(), and the answer
        // must not reach the client while it is still inside post().
        QMetaObject::invokeMethod(this, &HttpClientConnection::openSocket, Qt::QueuedConnection);
        return;
    case State::Idle:
        m_state = State::Busy;
        m_socket->write(wire);
        return;
    case State::Connecting:
    case State::Busy:
    case State::Closed:
        break;
    }
    Q_ASSERT_X(false, "HttpClientConnection::send", "the connection is not idle");
}

void HttpClientConnection::openSocket()
{
    if (m_state != State::Connecting)
        return; // closed before it began
    if (!m_endpoint.tls) {
        m_socket->connectToHost(m_endpoint.host, m_endpoint.port);
        return;
    }
    if (!QSslSocket::supportsSsl()) {
        fail(QStringLiteral("tls"), QStringLiteral("TLS is not available: OpenSSL could not be loaded"));
        return;
    }
    static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_endpoint.host, m_endpoint.port,
                                                                m_endpoint.tlsPeerName);
}

void HttpClientConnection::close()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpClientConnection::onConnected()
{
    if (m_state != State::Connecting)
        return;
    // Requests are written in one piece and their answers awaited: Nagle's algorithm would only add delay.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_state = State::Busy;
    m_socket->write(m_pendingWire);
    m_pendingWire.clear();
}

void HttpClientConnection::onReadyRead()
{
    // An idle connection gets nothing but its close: whatever came is not an answer to anything.
    if (dropIfIdle())
        return;
    if (m_state != State::Busy)
        return;
    const QByteArray bytes = m_socket->readAll();
    m_answerBytes += bytes.size();
    m_buffer += bytes;
    const HttpResponseReader::Status status = m_reader.feed(m_buffer);
    if (status == HttpResponseReader::Status::NeedMore)
        return;
    if (status == HttpResponseReader::Status::Error) {
        fail(QStringLiteral("network"), m_reader.errorMessage());
        return;
    }
    // Bytes past the answer were never asked for: the connection is out of step and is not reused.
    finish(answerRead(), m_reader.keepAlive() && m_buffer.isEmpty(), false);
}

void HttpClientConnection::onClosedByPeer()
{
    if (dropIfIdle())
        return;
    if (m_state != State::Busy && m_state != State::Connecting)
        return;
    const bool wasConnecting = m_state == State::Connecting;
    if (!wasConnecting && m_socket->bytesAvailable() > 0) {
        onReadyRead();    // what arrived with the close
        if (dropIfIdle()) // a keep-alive answer, and then the close: the pool must not hand it out again
            return;
        if (m_state != State::Busy)
            return; // answered, and closed
        // Still busy: the answer is incomplete, or the next request went out on this connection as the
        // answer was handed over. Either way the close ends it, below.
    }
    if (!wasConnecting && m_reader.finish() == HttpResponseReader::Status::Complete) {
        finish(answerRead(), false, false);
        return;
    }
    const bool nothingCame = m_answerBytes == 0;
    QString message = m_reader.errorMessage();
    if (wasConnecting)
        message = QStringLiteral("the server closed the connection while it was being set up");
    else if (!nothingCame && !m_reader.started())
        message = QStringLiteral("the server closed the connection in the middle of its answer");
    fail(QStringLiteral("connect"), message, !wasConnecting && m_requestsCarried > 0 && nothingCame);
}

void HttpClientConnection::onSocketError(QAbstractSocket::SocketError error)
{
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onClosedByPeer();
        return;
    }
    if (dropIfIdle())
        return;
    if (m_state != State::Busy && m_state != State::Connecting)
        return;
    switch (error) {
    case QAbstractSocket::HostNotFoundError:
        fail(QStringLiteral("dns"), m_socket->errorString());
        break;
    case QAbstractSocket::ConnectionRefusedError:
    case QAbstractSocket::SocketTimeoutError:
    case QAbstractSocket::NetworkError:
        fail(QStringLiteral("connect"), m_socket->errorString());
        break;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        fail(QStringLiteral("tls"), QStringLiteral("TLS handshake failed: %1")
                                        .arg(m_tlsErrors.isEmpty() ? m_socket->errorString()
                                                                   : m_tlsErrors.join(QStringLiteral("; "))));
        break;
    default:
        fail(QStringLiteral("network"), m_socket->errorString());
        break;
    }
}

bool HttpClientConnection::dropIfIdle()
{
    if (m_state != State::Idle)
        return false;
    close();
    emit lost(this);
    return true;
}

HttpClientResponse HttpClientConnection::answerRead() const
{
    HttpClientResponse response;
    response.status = m_reader.status();
    response.headers = m_reader.headers();
    response.body = m_reader.body();
    return response;
}

void HttpClientConnection::fail(const QString &errorClass, const QString &message, bool retryable)
{
    HttpClientResponse response;
    response.errorClass = errorClass;
    response.errorMessage = message;
    finish(std::move(response), false, retryable);
}

void HttpClientConnection::finish(HttpClientResponse response, bool keepOpen, bool retryable)
{
    ++m_requestsCarried;
    if (keepOpen)
        m_state = State::Idle;
    else
        close();
    // Last: the receiver may send the next request on this connection, or delete it later.
    emit answered(this, response, retryable);
}
