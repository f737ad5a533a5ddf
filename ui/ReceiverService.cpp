#include "ReceiverService.h"

#include "ReceiverServer.h"

ReceiverService::ReceiverService(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<ReceivedRequest>();
    qRegisterMetaType<ReceiverBehaviour>();
    m_thread.setObjectName(QStringLiteral("tidings-receiver"));
}

ReceiverService::~ReceiverService()
{
    stop();
}

bool ReceiverService::start()
{
    if (m_server)
        return m_port != 0;
    m_server = new ReceiverServer;
    m_server->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_server, &QObject::deleteLater);
    connect(m_server, &ReceiverServer::captured, this, &ReceiverService::captured);
    m_thread.start();
    quint16 port = 0;
    QMetaObject::invokeMethod(
        m_server, [server = m_server] { return server->listen(); }, Qt::BlockingQueuedConnection, &port);
    m_port = port;
    setBehaviour(m_behaviour);
    return m_port != 0;
}

void ReceiverService::stop()
{
    if (!m_server)
        return;
    QMetaObject::invokeMethod(
        m_server, [server = m_server] { server->close(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_server = nullptr;
    m_port = 0;
}

QUrl ReceiverService::url() const
{
    return m_port ? QUrl(QStringLiteral("http://127.0.0.1:%1/receiver").arg(m_port)) : QUrl();
}

void ReceiverService::setBehaviour(const ReceiverBehaviour &behaviour)
{
    m_behaviour = behaviour;
    if (m_server)
        QMetaObject::invokeMethod(m_server,
                                  [server = m_server, behaviour] { server->setBehaviour(behaviour); });
}
