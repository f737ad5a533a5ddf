#include "RecoveryJobs.h"

#include "AdminJson.h"
#include "Store.h"

#include <QJsonArray>

namespace {
constexpr int keptJobs = 100;
constexpr int maxStoreFailures = 20; // consecutive; the database is locked or gone
constexpr int listPage = 5000;
} // namespace

RecoveryJobs::RecoveryJobs(Store &store, int batchSize, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_batchSize(qMax(1, batchSize))
    , m_timer(this)
{
    m_timer.setInterval(qMax(0, intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &RecoveryJobs::runBatch);
}

QJsonObject RecoveryJobs::toJson(const Job &job)
{
    return QJsonObject{
        {QStringLiteral("id"), job.id},
        {QStringLiteral("webhook"), job.webhookName},
        {QStringLiteral("webhookId"), job.webhookId},
        {QStringLiteral("since"), AdminJson::timeText(job.since)},
        {QStringLiteral("state"), job.state},
        {QStringLiteral("total"), job.deliveryIds.size()},
        {QStringLiteral("processed"), job.processed},
        {QStringLiteral("replayed"), job.replayed},
        {QStringLiteral("skipped"), job.skipped},
        {QStringLiteral("error"), job.error},
        {QStringLiteral("createdAt"), AdminJson::timeText(job.createdAt)},
        {QStringLiteral("finishedAt"), AdminJson::timeText(job.finishedAt)},
    };
}

RecoveryJobs::Job *RecoveryJobs::find(const QString &idText)
{
    return const_cast<Job *>(std::as_const(*this).find(idText));
}

const RecoveryJobs::Job *RecoveryJobs::find(const QString &idText) const
{
    bool ok = false;
    const qint64 id = idText.toLongLong(&ok);
    for (const Job &job : m_jobs) {
        if (ok && job.id == id)
            return &job;
    }
    return nullptr;
}

HttpResponse RecoveryJobs::create(const AdminRequest &request)
{
    HttpResponse error;
    const std::optional<QJsonObject> body = request.jsonBody(&error);
    if (!body)
        return error;
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (it.key() != QLatin1String("webhook") && it.key() != QLatin1String("since"))
            return AdminRequest::invalid(
                QStringLiteral("unknown field \"%1\"; a recovery takes \"webhook\" and \"since\"")
                    .arg(it.key()));
    }
    const QJsonValue webhookValue = body->value(QStringLiteral("webhook"));
    const QString reference =
        webhookValue.isDouble() ? QString::number(webhookValue.toInteger()) : webhookValue.toString();
    if (reference.isEmpty())
        return AdminRequest::invalid(QStringLiteral("a recovery needs \"webhook\" (its id or name)"));
    const QString sinceText = body->value(QStringLiteral("since")).toString();
    if (sinceText.isEmpty())
        return AdminRequest::invalid(
            QStringLiteral("a recovery needs \"since\" (an RFC 3339 time, a date, or an age like 12h)"));
    const std::optional<QDateTime> since = AdminRequest::time(QStringLiteral("since"), sinceText, &error);
    if (!since)
        return error;
    const std::optional<WebhookConfig> webhook = AdminRequest::webhook(m_store, reference, &error);
    if (!webhook)
        return error;

    // The set is fixed when the job starts: what fails afterwards is the retry schedule's business, and a
    // job that chased new failures might never end.
    Job job;
    job.id = m_nextId++;
    job.webhookId = webhook->id;
    job.webhookName = webhook->name;
    job.since = *since;
    job.state = QStringLiteral("running");
    job.createdAt = QDateTime::currentDateTimeUtc();
    DeliveryFilter filter;
    filter.state = QStringLiteral("failed");
    filter.webhookId = webhook->id;
    filter.since = *since;
    filter.limit = listPage;
    for (;;) {
        const QList<DeliveryRecord> rows = m_store.deliveries(filter);
        for (const DeliveryRecord &row : rows)
            job.deliveryIds.append(row.id);
        if (rows.size() < listPage)
            break;
        filter.beforeId = rows.constLast().id;
    }
    if (job.deliveryIds.isEmpty()) {
        job.state = QStringLiteral("succeeded");
        job.finishedAt = job.createdAt;
    }
    m_jobs.append(job);
    while (m_jobs.size() > keptJobs && m_jobs.constFirst().state != QLatin1String("running"))
        m_jobs.removeFirst();
    if (!m_timer.isActive() && job.state == QLatin1String("running"))
        m_timer.start();
    HttpResponse response = HttpResponse::json(202, toJson(job));
    response.headers.append(
        {QByteArrayLiteral("Location"), "/v1/admin/recoveries/" + QByteArray::number(job.id)});
    return response;
}

HttpResponse RecoveryJobs::list(const AdminRequest &) const
{
    QJsonArray items;
    for (auto it = m_jobs.crbegin(); it != m_jobs.crend(); ++it)
        items.append(toJson(*it));
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("items"), items}});
}

HttpResponse RecoveryJobs::get(const AdminRequest &request) const
{
    const Job *job = find(request.pathValue(0));
    if (!job)
        return AdminRequest::notFound(QStringLiteral("no recovery job %1").arg(request.pathValue(0)));
    return HttpResponse::json(200, toJson(*job));
}

HttpResponse RecoveryJobs::cancel(const AdminRequest &request)
{
    Job *job = find(request.pathValue(0));
    if (!job)
        return AdminRequest::notFound(QStringLiteral("no recovery job %1").arg(request.pathValue(0)));
    if (job->state != QLatin1String("running"))
        return HttpResponse::error(
            409, "job_finished",
            QStringLiteral("recovery job %1 is %2 already").arg(job->id).arg(job->state));
    job->state = QStringLiteral("cancelled");
    job->finishedAt = QDateTime::currentDateTimeUtc();
    return HttpResponse::json(200, toJson(*job));
}

void RecoveryJobs::runBatch()
{
    bool anyRunning = false;
    bool queued = false;
    for (Job &job : m_jobs) {
        if (job.state != QLatin1String("running"))
            continue;
        const qsizetype end = qMin(job.processed + m_batchSize, job.deliveryIds.size());
        int replayed = 0;
        int skipped = 0;
        bool ok = m_store.beginWrite();
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        for (qsizetype i = job.processed; ok && i < end; ++i) {
            // Only what is still failed: a delivery replayed by hand since the job started is not sent twice.
            const std::optional<DeliveryRecord> current = m_store.delivery(job.deliveryIds.at(i));
            if (!current || current->state != DeliveryState::Failed) {
                ++skipped;
                continue;
            }
            switch (m_store.replay(job.deliveryIds.at(i), nowMs)) {
            case Store::ReplayResult::Replayed:
                ++replayed;
                break;
            case Store::ReplayResult::InFlight:
            case Store::ReplayResult::NotFound:
                ++skipped;
                break;
            case Store::ReplayResult::Failed:
                ok = false;
                break;
            }
        }
        if (ok)
            ok = m_store.commit();
        else
            m_store.rollback();
        if (!ok) {
            // Locked by another process, most likely: try this batch again next time.
            if (++job.storeFailures >= maxStoreFailures) {
                job.state = QStringLiteral("failed");
                job.error = m_store.lastError();
                job.finishedAt = QDateTime::currentDateTimeUtc();
            } else {
                anyRunning = true;
            }
            continue;
        }
        job.storeFailures = 0;
        job.processed = end;
        job.replayed += replayed;
        job.skipped += skipped;
        queued = queued || replayed > 0;
        if (job.processed >= job.deliveryIds.size()) {
            job.state = QStringLiteral("succeeded");
            job.finishedAt = QDateTime::currentDateTimeUtc();
        } else {
            anyRunning = true;
        }
    }
    if (!anyRunning)
        m_timer.stop();
    if (queued)
        emit deliveriesQueued();
}
