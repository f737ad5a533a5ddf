#pragma once

#include "HttpRequestParser.h"
#include "HttpServer.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

class QTcpSocket;

// One client socket of HttpServer: reads and parses requests, hands them to the dispatcher, and writes
// the responses back strictly in request order, whatever order the handler answers in. Never blocks;
// deletes itself (deleteLater) when the socket is done, announcing it with closed() first.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    using Dispatcher = std::function<void(const HttpRequest &request, const HttpResponder &responder)>;

    // Takes ownership of `socket`, which must be connected.
    HttpConnection(QTcpSocket *socket, const HttpServerLimits &limits, Dispatcher dispatcher,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    // Starts serving requests.
    void start();
    // Sends `response` with Connection: close instead of serving anything, then closes.
    void reject(const HttpResponse &response);
    // Drops the connection now, without writing anything more.
    void abort();

    QHostAddress peerAddress() const;
    // Not closing or closed: responses can still be written.
    bool isOpen() const;
    // The answer to request `sequence`; called through HttpResponder. Ignored when not expected.
    void respond(quint64 sequence, const HttpResponse &response);

signals:
    // Emitted once, when the connection is finished and about to be deleted.
    void closed(HttpConnection *connection);
    // A request refused here, before any handler saw it (malformed, too large, too slow), by status.
    void refused(int status);

private:
    // What the connection is waiting for; decides which timeout runs.
    enum class Phase
    {
        None,
        Idle,
        Head,
        Body,
        Handler,
        Closing,
        Lingering
    };

    struct PendingResponse
    {
        quint64 sequence = 0;
        bool keepAlive = true;
        bool head = false; // a HEAD request: the response goes without its body
        bool answered = false;
        bool closeAfter = false;
        QByteArray bytes;
    };

    void onReadyRead();
    void onBytesWritten();
    void onTimeout();
    void processInput();
    bool isBlocked() const;
    void queueError(int status, const QString &message);
    void flush();
    void beginClose();
    void shutdownWrite();
    void finish();
    Phase currentPhase() const;
    void updateTimer(bool progress = false);

    QTcpSocket *m_socket = nullptr;
    HttpServerLimits m_limits;
    Dispatcher m_dispatcher;
    HttpRequestParser m_parser;
    QByteArray m_buffer; // read but not yet parsed
    QHostAddress m_peer;
    QTimer m_timer;
    Phase m_phase = Phase::None;
    quint64 m_phaseSequence = 0; // request the Head/Body timer was started for

    std::deque<PendingResponse> m_pending; // parsed requests not yet written, in order
    quint64 m_nextSequence = 1;

    bool m_processing = false;      // inside processInput(); guards against re-entry from the handler
    bool m_parseStopped = false;    // no further requests are read (error, or "Connection: close")
    bool m_continueHandled = false; // 100 Continue decided for the current request
    bool m_continueWanted = false;  // 100 Continue to write once earlier responses are out
    bool m_closing = false;         // the last response is queued; close once it is flushed
    bool m_lingering = false;       // our side is shut down; draining input until the peer closes
    bool m_finished = false;
};
