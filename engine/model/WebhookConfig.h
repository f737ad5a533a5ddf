#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

// A subscriber endpoint and how events are chosen and delivered to it. Plain value type.
struct WebhookConfig
{
    enum class PayloadFormat
    {
        Registry,
        CloudEvents
    };

    qint64 id = 0;
    QString name;
    QString url;
    QString secret; // whsec_..., empty: requests are not signed
    QStringList actions{QStringLiteral("push")};
    QStringList repositoryGlobs; // empty: every repository
    QStringList tagGlobs;        // empty: every tag (and events without one)
    QStringList mediaTypes;      // empty: the default set (image manifests and indexes); "*" for all
    QList<QPair<QString, QString>> headers; // custom static request headers
    PayloadFormat payloadFormat = PayloadFormat::Registry;
    QList<int> retryScheduleSeconds; // empty: the default schedule; element i is the delay before attempt i+1
    int maxAttempts = 0;             // 0: the length of the schedule
    int timeoutMs = 15000;           // total deadline of one attempt
    int concurrency = 4;             // requests in flight to this webhook at most
    bool tlsSkipVerify = false;      // accept any certificate: for test endpoints only, shown as a warning
    bool enabled = true;
    QString disabledReason;
    QDateTime createdAt;
    QDateTime updatedAt;
    // A secret rotation's grace period: the secret before the last rotation keeps signing requests (next to
    // the new one) until previousSecretExpiresAt. Empty/invalid when there is none.
    QString previousSecret;
    QDateTime previousSecretExpiresAt;
};

Q_DECLARE_METATYPE(WebhookConfig)
