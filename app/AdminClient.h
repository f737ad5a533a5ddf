#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <optional>

// The command line's side of the admin API: one blocking call at a time to a running `tidings serve`
// (`--server URL --token T`), so `tidings webhook ...`, `deliveries ...` and `replay` can manage a remote
// instance instead of opening a database file.
class AdminClient
{
public:
    struct Reply
    {
        int status = 0; // 0: no HTTP answer
        QJsonObject json;
        QString networkError;
        bool ok() const { return status >= 200 && status < 300; }
        // What went wrong, in words a person can act on: the server's error message, or why it was not
        // reached.
        QString problem(const QUrl &server) const;
    };

    AdminClient(QUrl server, QByteArray token);

    // Why a server URL and token cannot be used, or empty.
    static QString check(const QString &server, const QByteArray &token);
    QUrl server() const { return m_server; }

    Reply call(const QByteArray &method, const QString &path, const QUrlQuery &query = {},
               const std::optional<QJsonObject> &body = std::nullopt);

private:
    QUrl m_server;
    QByteArray m_token;
    QNetworkAccessManager m_network;
};
