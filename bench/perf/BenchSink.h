#pragma once

#include "HttpServer.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>

#include <memory>

// The subscriber side of every dispatch benchmark: several loopback endpoints that answer at once (or late,
// for the isolation figure) and keep what a run is judged by: how many deliveries arrived, whether any
// message id came twice, and, for events whose id carries a send or due time, how late each arrived.
// GET /stats on any port answers the figures as JSON; POST /reset clears them.
class BenchSink : public QObject
{
    Q_OBJECT
public:
    struct Endpoint
    {
        int delayMs = 0; // answer this late (the "slow endpoint" of the isolation figure)
    };

    explicit BenchSink(QObject *parent = nullptr);
    ~BenchSink() override;

    // Listens on 127.0.0.1 with a free port per endpoint; false when one cannot listen.
    bool start(const QList<Endpoint> &endpoints);
    QList<quint16> ports() const;

private:
    void handle(int endpoint, const HttpRequest &request, const HttpResponder &responder);
    void record(int endpoint, const HttpRequest &request);
    QByteArray statsJson() const;
    void reset();

    QList<Endpoint> m_endpoints;
    QList<std::shared_ptr<HttpServer>> m_servers;
    QList<qint64> m_perEndpoint;
    QList<qint64> m_lastPerEndpoint; // arrival time of each endpoint's latest request
    QSet<QByteArray> m_messageIds;
    qint64 m_received = 0;
    qint64 m_duplicates = 0;
    qint64 m_firstUs = 0;
    qint64 m_lastUs = 0;
    QList<double> m_latenciesMs; // arrival minus the time the event id carries
};
