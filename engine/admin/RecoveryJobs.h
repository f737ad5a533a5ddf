#pragma once

#include "AdminRequest.h"
#include "HttpResponse.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QTimer>

class Store;

// /v1/admin/recoveries: "send again everything that failed for this webhook since then" as a job. Thousands
// of failed deliveries are replayed in batches (one transaction each) between which the engine thread
// serves the intake and the dispatcher, so a recovery never stalls either. A job reports its progress and
// can be cancelled; what it replayed before the cancel stays replayed. Finished jobs are kept (the last
// 100) so a client can read the outcome.
class RecoveryJobs : public QObject
{
    Q_OBJECT
public:
    // batchSize deliveries per transaction, intervalMs between batches.
    RecoveryJobs(Store &store, int batchSize, int intervalMs, QObject *parent = nullptr);

    HttpResponse create(const AdminRequest &request);
    HttpResponse list(const AdminRequest &request) const;
    HttpResponse get(const AdminRequest &request) const;
    HttpResponse cancel(const AdminRequest &request);

signals:
    // A batch was replayed: the engine should run a claim round.
    void deliveriesQueued();

private:
    struct Job
    {
        qint64 id = 0;
        qint64 webhookId = 0;
        QString webhookName;
        QDateTime since;
        QString state; // running, succeeded, cancelled, failed
        QList<qint64> deliveryIds;
        qsizetype processed = 0;
        int replayed = 0;
        int skipped = 0; // in flight or gone by the time the job reached them
        int storeFailures = 0;
        QString error;
        QDateTime createdAt;
        QDateTime finishedAt;
    };

    void runBatch();
    Job *find(const QString &idText);
    const Job *find(const QString &idText) const;
    static QJsonObject toJson(const Job &job);

    Store &m_store;
    int m_batchSize;
    QTimer m_timer;
    QList<Job> m_jobs;
    qint64 m_nextId = 1;
};
