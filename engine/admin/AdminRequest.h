#pragma once

#include "HttpRequest.h"
#include "HttpResponse.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QUrlQuery>

#include <optional>

class Store;
struct WebhookConfig;

// One admin API call after routing: the HTTP request, the values of the path's {placeholders} in order, and
// the helpers every resource needs to read its input. Each reader returns nullopt and fills `error` with the
// 400 answer when the input is unusable, so a handler stops at the first bad value with a reason that names
// it.
class AdminRequest
{
public:
    AdminRequest(const HttpRequest &http, QStringList pathValues);

    const HttpRequest &http() const { return m_http; }
    QString pathValue(int index) const { return m_pathValues.value(index); }
    QString query(const QString &name) const;
    bool hasQuery(const QString &name) const;

    // The body as a JSON object; an empty body is an empty object.
    std::optional<QJsonObject> jsonBody(HttpResponse *error) const;
    // `limit` from the query (default, 1..max).
    std::optional<int> limit(int defaultLimit, int maxLimit, HttpResponse *error) const;
    // The keyset cursor from `cursor` (0 when absent): the id the next page starts below.
    std::optional<qint64> cursor(HttpResponse *error) const;
    // A time given as RFC 3339, a date, or an age (30m, 12h, 7d); invalid QDateTime when absent.
    static std::optional<QDateTime> time(const QString &field, const QString &text, HttpResponse *error);

    static QString encodeCursor(qint64 beforeId);
    static HttpResponse invalid(const QString &message);
    static HttpResponse notFound(const QString &message);
    // A webhook named by its id or its name, or the 404 answer.
    static std::optional<WebhookConfig> webhook(Store &store, const QString &reference, HttpResponse *error);

private:
    const HttpRequest &m_http;
    QStringList m_pathValues;
    QUrlQuery m_query;
};
