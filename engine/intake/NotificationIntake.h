#pragma once

#include "HttpRequest.h"
#include "HttpServer.h"
#include "IntakeRoute.h"
#include "IntakeWriter.h"
#include "IntakeWriterThread.h"
#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QList>
#include <QObject>

#include <memory>
#include <vector>

class Store;

// The registry-facing endpoints: POST /v1/notify (distribution), /v1/notify/harbor and
// /v1/notify/cloudevents (see IntakeRoute). Checks the request, parses it with the route's parser and stores
// the events with their deliveries. Every request that arrives in one event-loop pass is committed in one
// transaction (group commit), and each is answered only after that commit: a 2xx means the events are on
// disk.
//
// The commit runs on the engine's connection and thread by default. On a database server each statement is
// a round trip, and the engine's event loop would sit idle through all of them: useOwnConnections() moves the
// writes to threads and connections of their own, so the next group is read and parsed while the previous
// ones commit (one group in flight per connection).
class NotificationIntake : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *notifyPath = "/v1/notify";

    NotificationIntake(Store &store, QByteArray token, QObject *parent = nullptr);

    // Two: with one, a group waits for the previous one's COMMIT (a disk sync on the server); with two the
    // server syncs both at once. More gave nothing on a 2-core machine (docs/performance.md).
    static constexpr int ownConnections = 2;
    // Opens the intake's own connections with openStore, called on each writer's thread (a Store belongs to
    // the thread that opened it). False, with the reason, when one could not be opened; the intake then
    // keeps writing on the engine's connection.
    bool useOwnConnections(const IntakeWriterThread::StoreOpener &openStore, QString *error);

    void setWebhooks(const QList<WebhookConfig> &webhooks);
    // Every path the intake serves, for the router.
    QList<QByteArray> paths() const;
    // The HttpServer handler, for any of paths().
    void handle(const HttpRequest &request, const HttpResponder &responder);
    static QByteArray mediaTypeOf(const QByteArray &contentType);

signals:
    // Emitted inside the write transaction, before events are routed: the last moment to bring the webhook
    // list up to date with changes other processes (the CLI) committed, so no event is routed by a stale
    // list. Not emitted on own connections, where each writer reads the webhooks table itself.
    void aboutToRoute();
    // After a commit: the events stored for the first time, and the webhooks that got new deliveries.
    void committed(const QList<RegistryEvent> &events, const QList<qint64> &webhookIds);
    void storeFailed(const QString &reason);
    // Every answer the intake gives, by HTTP status (for the metrics).
    void answered(int status);

private:
    struct PendingRequest
    {
        QList<RegistryEvent> events;
        HttpResponder responder;
    };
    bool isAuthorized(const HttpRequest &request) const;
    void answer(const HttpResponder &responder, const HttpResponse &response);
    struct OwnWriter
    {
        std::unique_ptr<IntakeWriterThread> thread;
        QList<PendingRequest> writing; // the group it is committing, answered when the result comes back
    };

    void flush();
    void finish(const QList<PendingRequest> &batch, const IntakeWriteResult &result);
    static QList<QList<RegistryEvent>> eventsOf(const QList<PendingRequest> &batch);

    QByteArray m_token;
    QList<IntakeRoute> m_routes;
    QList<PendingRequest> m_pending;
    IntakeWriter m_writer; // on the engine's connection
    std::vector<OwnWriter> m_ownWriters;
};
