#pragma once

#include "ReceivedRequest.h"
#include "ReceiverBehaviour.h"

#include <QObject>
#include <QThread>
#include <QUrl>

class ReceiverServer;

// The built-in receiver as the console sees it: a local endpoint on loopback, served from a thread of its
// own so a flood of deliveries never reaches the UI thread except as one signal per request.
class ReceiverService : public QObject
{
    Q_OBJECT
public:
    explicit ReceiverService(QObject *parent = nullptr);
    ~ReceiverService() override;

    bool start(); // listens on 127.0.0.1, a free port
    void stop();
    bool isRunning() const { return m_port != 0; }
    QUrl url() const;
    ReceiverBehaviour behaviour() const { return m_behaviour; }
    void setBehaviour(const ReceiverBehaviour &behaviour);

signals:
    void captured(const ReceivedRequest &request);

private:
    QThread m_thread;
    ReceiverServer *m_server = nullptr;
    ReceiverBehaviour m_behaviour;
    quint16 m_port = 0;
};
