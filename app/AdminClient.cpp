#include "AdminClient.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QTimer>

namespace {
constexpr int callTimeoutMs = 30000;
}

AdminClient::AdminClient(QUrl server, QByteArray token)
    : m_server(std::move(server))
    , m_token(std::move(token))
{}

QString AdminClient::check(const QString &server, const QByteArray &token)
{
    const QUrl url(server, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty())
        return QStringLiteral(
                   "--server \"%1\" is not an http:// or https:// URL of a running `tidings serve` "
                   "(for example http://tidings.example:8765)")
            .arg(server);
    if (token.isEmpty())
        return QStringLiteral("--server needs the server's admin token: --token T (or TIDINGS_ADMIN_TOKEN)");
    return {};
}

QString AdminClient::Reply::problem(const QUrl &server) const
{
    if (status == 0)
        return QStringLiteral("cannot reach %1: %2").arg(server.toString(), networkError);
    const QString message =
        json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    return message.isEmpty() ? QStringLiteral("%1 answered HTTP %2").arg(server.toString()).arg(status)
                             : message;
}

AdminClient::Reply AdminClient::call(const QByteArray &method, const QString &path, const QUrlQuery &query,
                                     const std::optional<QJsonObject> &body)
{
    QUrl url = m_server;
    QString base = url.path();
    if (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    url.setPath(base + path);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setTransferTimeout(callTimeoutMs);
    QByteArray payload;
    if (body) {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        payload = QJsonDocument(*body).toJson(QJsonDocument::Compact);
    }
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, payload);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Reply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.json = QJsonDocument::fromJson(reply->readAll()).object();
    if (result.status == 0)
        result.networkError = reply->errorString();
    reply->deleteLater();
    return result;
}
