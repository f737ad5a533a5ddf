#pragma once

#include "ReceivedRequest.h"
#include "ReceiverBehaviour.h"

#include <QObject>

#include <memory>

class HttpServer;
struct HttpRequest;
class HttpResponder;

// The receiver's HTTP side, living in a thread of its own (see ReceiverService): captures every request,
// checks its Standard Webhooks signature against the chosen secret, and answers as programmed.
class ReceiverServer : public QObject
{
    Q_OBJECT
public:
    ReceiverServer();
    ~ReceiverServer() override;

    // Runs in the receiver's thread. 0 when it cannot listen.
    quint16 listen();
    void setBehaviour(const ReceiverBehaviour &behaviour);
    void close();

    // The verdict on a request's signature with this behaviour's secret, at `nowSeconds`.
    static QString checkSignature(const ReceiverBehaviour &behaviour, const ReceivedRequest &request,
                                  qint64 nowSeconds, bool *valid, bool *checked = nullptr);

signals:
    void captured(const ReceivedRequest &request);

private:
    void handle(const HttpRequest &request, const HttpResponder &responder);

    std::unique_ptr<HttpServer> m_server;
    ReceiverBehaviour m_behaviour;
    int m_received = 0;
};
