#include "ClaimProbe.h"

#include "Store.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace {
double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(qMin<qsizetype>(values.size() - 1, qsizetype(p * double(values.size()))));
}
} // namespace

bool ClaimProbe::run(const QString &dbPath, int rounds, int batch, Result *result, QString *error)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
        db.setDatabaseName(dbPath);
        if (!db.open()) {
            *error = db.lastError().text();
            return false;
        }
        QSqlQuery plan(db);
        // The SELECT of Store::claimDue on SQLite, as SQLite plans it.
        plan.prepare(QStringLiteral("EXPLAIN QUERY PLAN ") + Store::dueDeliveriesQuery());
        plan.bindValue(0, 1);
        plan.bindValue(1, 9e15);
        plan.bindValue(2, 10);
        if (!plan.exec()) {
            *error = plan.lastError().text();
            return false;
        }
        while (plan.next())
            result->plan += plan.value(3).toString() + QLatin1Char(';');
        result->usesDueIndex = result->plan.contains(QLatin1String("USING INDEX deliveries_due")) &&
                               !result->plan.contains(QLatin1String("TEMP B-TREE"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("probe"));

    Store store(Store::dialectFor(dbPath, error, /*fullDurability=*/true));
    if (!store.open(dbPath, error))
        return false;
    const QList<WebhookConfig> webhooks = store.webhooks();
    if (webhooks.isEmpty()) {
        *error = QStringLiteral("no webhooks in %1").arg(dbPath);
        return false;
    }
    const QString owner = QStringLiteral("claim-probe");
    QList<double> claimMs;
    QList<double> commitMs;
    for (int i = 0; i < rounds; ++i) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QElapsedTimer clock;
        clock.start();
        if (!store.beginWrite()) {
            *error = store.lastError();
            return false;
        }
        const auto claimed =
            store.claimDue(webhooks.at(i % webhooks.size()).id, batch, owner, now, now + 60000);
        claimMs.append(clock.nsecsElapsed() / 1e6);
        clock.restart();
        if (!claimed || !store.commit()) {
            *error = store.lastError();
            return false;
        }
        commitMs.append(clock.nsecsElapsed() / 1e6);
        result->claimed += int(claimed->size());
    }
    store.releaseLeases(owner);
    result->p50Ms = percentile(claimMs, 0.50);
    result->p99Ms = percentile(claimMs, 0.99);
    result->commitP99Ms = percentile(commitMs, 0.99);
    return true;
}
