#include "HttpSink.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

QByteArray CapturedRequest::header(const QByteArray &lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

HttpSink::HttpSink(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &HttpSink::onNewConnection);
}

HttpSink::~HttpSink()
{
    // The sockets are the server's children and outlive this object's other members: cut them loose first.
    m_server.close();
    const QList<QTcpSocket *> sockets = m_server.findChildren<QTcpSocket *>();
    for (QTcpSocket *socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        delete socket;
    }
}

bool HttpSink::start(quint16 port)
{
    return m_server.listen(QHostAddress::LocalHost, port);
}

QUrl HttpSink::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path));
}

void HttpSink::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void HttpSink::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
        CapturedRequest request;
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.path = requestLine.value(1);
        qsizetype contentLength = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = lines[i].left(colon).trimmed().toLower();
            const QByteArray value = lines[i].mid(colon + 1).trimmed();
            request.headers.append({name, value});
            if (name == "content-length")
                contentLength = value.toLongLong();
        }
        if (buffer.size() < headEnd + 4 + contentLength)
            return;
        request.body = buffer.mid(headEnd + 4, contentLength);
        buffer.remove(0, headEnd + 4 + contentLength);
        request.receivedAt = QDateTime::currentDateTimeUtc();
        ++m_received;
        if (m_recording)
            m_requests.append(request);
        emit requestReceived(request);

        if (m_behaviour.neverAnswer)
            continue;
        const bool fail = m_answered < m_behaviour.failFirst;
        ++m_answered;
        const int status = fail ? m_behaviour.failStatus : m_behaviour.status;
        const bool retryAfter = !m_behaviour.retryAfter.isEmpty() && (fail || status >= 400);
        const int delayMs = m_behaviour.delayMs + (m_answered - 1) % 8 * m_behaviour.delayStepMs;
        if (delayMs > 0) {
            QPointer<QTcpSocket> guard(socket);
            QTimer::singleShot(delayMs, Qt::PreciseTimer, this, [this, guard, status, retryAfter] {
                if (guard)
                    answer(guard, status, retryAfter);
            });
        } else {
            answer(socket, status, retryAfter);
        }
    }
}

void HttpSink::answer(QTcpSocket *socket, int status, bool retryAfter)
{
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + " Sink\r\nContent-Type: text/plain\r\n";
    if (retryAfter)
        response += "Retry-After: " + m_behaviour.retryAfter + "\r\n";
    response += "Content-Length: " + QByteArray::number(m_behaviour.responseBody.size()) + "\r\n\r\n";
    response += m_behaviour.responseBody;
    socket->write(response);
}
