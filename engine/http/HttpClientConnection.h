#pragma once

#include "HttpClientResponse.h"
#include "HttpResponseReader.h"

#include <QAbstractSocket>
#include <QObject>

class QTcpSocket;

// One keep-alive HTTP/1.1 connection of HttpClient: a TCP or TLS socket that carries one request at a time.
// Its socket's signals are connected once, when it is made, and not per request: per-request connections
// were a third of the instructions of a delivery through QNetworkAccessManager (docs/performance.md).
class HttpClientConnection : public QObject
{
    Q_OBJECT
public:
    struct Endpoint
    {
        QString host; // a name or an address literal
        quint16 port = 0;
        bool tls = false;
        bool skipTlsVerify = false;
        QString tlsPeerName; // the name the certificate must carry (and SNI); empty: host
    };

    HttpClientConnection(const Endpoint &endpoint, QString poolKey, QObject *parent = nullptr);
    ~HttpClientConnection() override;

    const QString &poolKey() const { return m_poolKey; }
    // Connected, answered its last request in full, and may carry the next one.
    bool isIdle() const { return m_state == State::Idle; }
    // When it went back to the pool, on HttpClient's clock.
    qint64 idleSinceMs() const { return m_idleSinceMs; }
    void setIdleSince(qint64 ms) { m_idleSinceMs = ms; }

    // Sends one request (the bytes on the wire), connecting first if it has not yet. `answered` follows
    // exactly once, unless close() comes first.
    void send(const QByteArray &wire, qsizetype keptResponseBytes);
    // Closes at once; no signal follows.
    void close();

signals:
    // The request's answer, or why there is none. `retryable`: the connection had carried an earlier request
    // and the server closed it before a byte of this answer, the race of a keep-alive connection closed by
    // the server just as the request went out: the request was not read and may be sent again.
    void answered(HttpClientConnection *connection, const HttpClientResponse &response, bool retryable);
    // Closed, or sent something unasked for, while idle: it cannot be used again.
    void lost(HttpClientConnection *connection);

private:
    enum class State
    {
        New,
        Connecting,
        Busy,
        Idle,
        Closed
    };

    void openSocket();
    void onConnected();
    void onReadyRead();
    void onClosedByPeer();
    void onSocketError(QAbstractSocket::SocketError error);
    // Idle: closes and reports it lost, and says so.
    bool dropIfIdle();
    HttpClientResponse answerRead() const;
    void finish(HttpClientResponse response, bool keepOpen, bool retryable);
    void fail(const QString &errorClass, const QString &message, bool retryable = false);

    Endpoint m_endpoint;
    QString m_poolKey;
    QTcpSocket *m_socket = nullptr;
    State m_state = State::New;
    QByteArray m_pendingWire; // written once the connection (and its TLS handshake) is up
    QByteArray m_buffer;
    HttpResponseReader m_reader;
    qint64 m_answerBytes = 0; // received since the current request went out
    int m_requestsCarried = 0;
    qint64 m_idleSinceMs = 0;
    QStringList m_tlsErrors;
};
