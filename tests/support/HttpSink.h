#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

// A request the sink received.
struct CapturedRequest
{
    QByteArray method;
    QByteArray path;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    QDateTime receivedAt; // wall clock, ms precision
    QByteArray header(const QByteArray &lowerName) const;
};

// A real HTTP/1.1 subscriber endpoint on loopback for tests: records every request and answers as programmed.
// Deliberately written on a bare QTcpServer with its own minimal parsing, so a bug in the engine's HTTP code
// cannot hide itself in the tests that use the sink.
class HttpSink : public QObject
{
    Q_OBJECT
public:
    struct Behaviour
    {
        int status = 200;
        int failFirst = 0; // answer the first N requests with failStatus, then with status
        int failStatus = 500;
        int delayMs = 0;          // wait before answering
        int delayStepMs = 0;      // and this much longer for each of 8 requests in turn (spread answers)
        bool neverAnswer = false; // read the request and keep the connection open without answering
        QByteArray retryAfter;    // Retry-After header on failures, when not empty
        QByteArray responseBody = QByteArrayLiteral("ok");
    };

    explicit HttpSink(QObject *parent = nullptr);
    ~HttpSink() override;

    // Listens on 127.0.0.1, on a free port or on `port` (an endpoint that comes back where it was).
    bool start(quint16 port = 0);
    quint16 port() const { return m_server.serverPort(); }
    QUrl url(const QString &path = QStringLiteral("/hook")) const;
    void setBehaviour(const Behaviour &behaviour) { m_behaviour = behaviour; }
    QList<CapturedRequest> requests() const { return m_requests; }
    int count() const { return m_received; }
    void clear()
    {
        m_requests.clear();
        m_received = 0;
    }
    // Off: count requests without keeping them (long soaks).
    void setRecording(bool recording) { m_recording = recording; }

signals:
    void requestReceived(const CapturedRequest &request);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void answer(QTcpSocket *socket, int status, bool retryAfter);

    QTcpServer m_server;
    Behaviour m_behaviour;
    QList<CapturedRequest> m_requests;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    int m_answered = 0;
    int m_received = 0;
    bool m_recording = true;
};
