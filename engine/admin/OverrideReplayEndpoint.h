#pragma once

#include "AdminRequest.h"
#include "HttpServer.h"
#include "OverrideReplay.h"

#include <QHash>
#include <QObject>

// POST /v1/admin/deliveries/{id}/replay with a body {"url", "payload"}: a replay to another URL or with an
// edited payload (OverrideReplay). Unlike a plain replay, which only queues, it answers when the attempt is
// over (at most the webhook's timeout), with the attempt and what it changed, because the caller wants to
// see what the other URL or the edited payload got back.
class OverrideReplayEndpoint : public QObject
{
    Q_OBJECT
public:
    explicit OverrideReplayEndpoint(OverrideReplay &replays, QObject *parent = nullptr);

    // The request asks for an override (its body names url or payload); otherwise it is a plain replay.
    static bool wantsOverride(const AdminRequest &request);
    void handle(const AdminRequest &request, const HttpResponder &responder);

    static HttpResponse refusal(const QString &code, const QString &message);

private:
    void onFinished(const OverrideReplayResult &result);

    OverrideReplay *m_replays = nullptr;
    QHash<qint64, HttpResponder> m_waiting; // by ticket
};
