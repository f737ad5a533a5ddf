#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

// How the built-in receiver answers, to try a webhook's retry policy, and the secret it checks signatures
// with.
struct ReceiverBehaviour
{
    int status = 200;
    int failFirst = 0; // answer the first N requests with failStatus, then with status
    int failStatus = 500;
    int delayMs = 0;
    QByteArray retryAfter;    // sent with every non-2xx answer when not empty
    bool neverAnswer = false; // read the request and keep the connection open without an answer
    QString secret;           // whsec_...; empty: signatures are not checked
    int toleranceSeconds = 300;
};

Q_DECLARE_METATYPE(ReceiverBehaviour)
