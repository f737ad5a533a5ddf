#include "CommitLoad.h"

#include "BenchClock.h"
#include "RegistryEvent.h"
#include "Store.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

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

bool CommitLoad::run(const QString &location, int rate, int seconds, Result *result, QString *error)
{
    std::unique_ptr<SqlDialect> dialect = Store::dialectFor(location, error);
    if (!dialect)
        return false;
    Store store(std::move(dialect));
    if (!store.open(location, error))
        return false;
    const QList<WebhookConfig> webhooks = store.webhooks();
    if (webhooks.isEmpty()) {
        *error = QStringLiteral("the database has no webhook to deliver to");
        return false;
    }
    const qint64 webhookId = webhooks.constFirst().id;
    QFile file(QStringLiteral(TIDINGS_BENCH_DATA_DIR "/push-manifest.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(file.fileName());
        return false;
    }
    const QByteArray sample =
        QJsonDocument(
            QJsonDocument::fromJson(file.readAll()).object().value(u"events").toArray().first().toObject())
            .toJson(QJsonDocument::Compact);
    const QByteArray sampleId = "c23898ed-87ca-498e-8f04-277d89c31ee7";

    const int total = qMax(1, rate) * qMax(1, seconds);
    QList<double> commitMs;
    QElapsedTimer clock;
    clock.start();
    for (int n = 0; n < total; ++n) {
        // A constant rate: event n is due n/rate seconds after the start; late ones go at once.
        const qint64 dueUs = qint64(n) * 1000000 / qMax(1, rate);
        const qint64 waitUs = dueUs - clock.nsecsElapsed() / 1000;
        if (waitUs > 0)
            QThread::usleep(quint64(waitUs));
        const qint64 startUs = BenchClock::nowUs();
        const QByteArray eventId = 't' + QByteArray::number(startUs) + '-' + QByteArray::number(n);
        RegistryEvent event;
        event.eventId = QString::fromLatin1(eventId);
        event.timestamp = QDateTime::currentDateTimeUtc();
        event.receivedAt = event.timestamp;
        event.action = QStringLiteral("push");
        event.repository = QStringLiteral("bench/app");
        event.tag = QStringLiteral("v%1").arg(n);
        event.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
        event.contentType = QByteArrayLiteral("application/vnd.docker.distribution.events.v2+json");
        event.rawJson = QByteArray(sample).replace(sampleId, eventId);
        if (!store.beginWrite()) {
            *error = store.lastError();
            return false;
        }
        const qint64 eventRow = store.insertEvent(event);
        const qint64 deliveryRow =
            eventRow > 0 ? store.insertDelivery(eventRow, webhookId, QStringLiteral("msg_notify_%1").arg(n),
                                                QDateTime::currentMSecsSinceEpoch())
                         : -1;
        if (deliveryRow <= 0) {
            *error = store.lastError();
            store.rollback();
            return false;
        }
        if (!store.commit()) {
            *error = store.lastError();
            return false;
        }
        commitMs.append((BenchClock::nowUs() - startUs) / 1000.0);
        ++result->committed;
    }
    result->commitP50Ms = percentile(commitMs, 0.50);
    result->commitP99Ms = percentile(commitMs, 0.99);
    return true;
}
