#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

// One request the built-in receiver captured, the answer it gave, and its signature check.
struct ReceivedRequest
{
    int number = 0; // 1-based since the receiver started
    QDateTime receivedAt;
    QByteArray method;
    QByteArray path;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    int answeredStatus = 0; // 0: not answered (never answer)
    int delayMs = 0;
    bool signatureChecked = false; // a secret was chosen and usable, and the request was judged
    bool signatureValid = false;
    QString signatureVerdict; // a sentence a person can act on
};

Q_DECLARE_METATYPE(ReceivedRequest)
