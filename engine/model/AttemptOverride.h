#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// What a replay "to another URL or with an edited payload" changed, recorded with its attempt so the audit
// trail says what the receiver got and how it differed from the delivery as configured. Plain value type.
struct AttemptOverride
{
    QString originalUrl;           // the webhook's URL when the replay was made
    QString url;                   // where the attempt went; empty: the webhook's URL (not overridden)
    bool payloadEdited = false;    // the body was replaced by an edited one
    QString originalPayloadSha256; // hex SHA-256 of the body the delivery sends when not edited
    QString payloadSha256;         // hex SHA-256 of the body this attempt sent

    bool isEmpty() const { return url.isEmpty() && !payloadEdited; }
    bool urlChanged() const { return !url.isEmpty() && url != originalUrl; }
    // {"url": {"from", "to"} or absent, "payloadEdited", "originalPayloadSha256", "payloadSha256"}; an empty
    // object for an empty override.
    QJsonObject toJson() const;
    static AttemptOverride fromJson(const QByteArray &json);
    // One line for logs and the CLI: "replayed to http://... (webhook URL http://...); payload edited".
    QString summary() const;
};
