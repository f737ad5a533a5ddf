#pragma once

#include "EnvelopeParser.h"
#include "HttpRequest.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>

// One intake endpoint: its path, which requests it takes, and the parser that turns a request into events.
// NotificationIntake serves every route the same way (token, content type check, group commit), so a new
// registry format is a new route and a parser, nothing more.
struct IntakeRoute
{
    // mediaType: the request's content type without parameters, lower case.
    using Parser = std::function<EnvelopeParseResult(const HttpRequest &request, const QByteArray &mediaType,
                                                     const QDateTime &receivedAt)>;
    using Acceptor = std::function<bool(const HttpRequest &request, const QByteArray &mediaType)>;

    QByteArray path;
    Acceptor accepts;      // false: 415
    QString what;          // what the body must be, for the 415 message: "a registry envelope"
    QString expectedTypes; // the 415 message's advice, e.g. "application/json"
    Parser parse;

    static IntakeRoute distribution(); // POST /v1/notify: CNCF distribution envelopes
    static IntakeRoute harbor();       // POST /v1/notify/harbor: Harbor, Default or CloudEvents format
    static IntakeRoute cloudEvents();  // POST /v1/notify/cloudevents: CloudEvents 1.0, every HTTP mode
};
