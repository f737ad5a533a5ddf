#include "DashboardQuery.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <algorithm>

namespace {

int percentile(QList<int> &sorted, double p)
{
    if (sorted.isEmpty())
        return 0;
    const qsizetype index = std::min(sorted.size() - 1, qsizetype(p * double(sorted.size())));
    return sorted.at(index);
}

} // namespace

QList<DashboardMinute> DashboardQuery::attemptsByMinute(const QString &connectionName, const QDateTime &now,
                                                        int minutes, int maxAttempts)
{
    const qint64 minuteMs = 60000;
    const qint64 lastMinute = now.toMSecsSinceEpoch() / minuteMs;
    const qint64 firstMinute = lastMinute - minutes + 1;
    QSqlQuery query(QSqlDatabase::database(connectionName));
    query.setForwardOnly(true);
    // A rowid range rather than "ORDER BY id DESC LIMIT": attempts has no index on started_at, and the range
    // keeps a quiet hour over a long history from walking the whole table.
    query.prepare(
        QStringLiteral("SELECT started_at, duration_ms, response_status FROM attempts "
                       "WHERE id > (SELECT COALESCE(MAX(id), 0) FROM attempts) - ? AND started_at >= ?"));
    query.addBindValue(maxAttempts);
    query.addBindValue(firstMinute * minuteMs);
    QHash<qint64, QList<int>> durations;
    QHash<qint64, DashboardMinute> byMinute;
    if (query.exec()) {
        while (query.next()) {
            const qint64 minute = query.value(0).toLongLong() / minuteMs;
            if (minute < firstMinute || minute > lastMinute)
                continue;
            DashboardMinute &m = byMinute[minute];
            const int status = query.value(2).toInt();
            if (status >= 200 && status < 300)
                ++m.succeeded;
            else
                ++m.failed;
            durations[minute].append(query.value(1).toInt());
        }
    }
    QList<DashboardMinute> result;
    for (qint64 minute = firstMinute; minute <= lastMinute; ++minute) {
        DashboardMinute m = byMinute.value(minute);
        m.minute = QDateTime::fromMSecsSinceEpoch(minute * minuteMs, Qt::UTC);
        QList<int> &d = durations[minute];
        std::sort(d.begin(), d.end());
        m.p50Ms = percentile(d, 0.50);
        m.p95Ms = percentile(d, 0.95);
        result.append(m);
    }
    return result;
}
