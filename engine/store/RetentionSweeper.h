#pragma once

#include <QList>
#include <QObject>
#include <QTimer>

class Store;

// How long history is kept. Pending and in-flight deliveries are never purged, whatever their age.
struct RetentionPolicy
{
    qint64 maxAgeMs = qint64(30) * 24 * 3600 * 1000; // finished deliveries and unreferenced events; 0: keep
    int maxPerWebhook = 100000;                      // finished deliveries kept per webhook; 0: no limit
    int batch = 500;                                 // rows per transaction
    int intervalMs = 60000;                          // pause between sweeps once caught up
    int pauseMs = 5;                                 // pause between batches, so intake commits interleave
};

// Purges old history in small batches from the engine thread. Each batch is one short transaction followed by
// a return to the event loop, so intake never waits behind a long delete.
class RetentionSweeper : public QObject
{
    Q_OBJECT
public:
    RetentionSweeper(Store &store, RetentionPolicy policy, QObject *parent = nullptr);

    void setWebhookIds(const QList<qint64> &ids) { m_webhookIds = ids; }
    void start();
    void stop();
    // Starts a sweep now unless one is under way.
    void sweepNow();
    bool isSweeping() const { return m_phase != Phase::Idle; }

signals:
    void sweepFinished(qint64 rowsRemoved);

private:
    enum class Phase
    {
        Idle,
        Age,
        PerWebhook,
        Events
    };
    void step();
    void finishSweep();

    Store &m_store;
    RetentionPolicy m_policy;
    QList<qint64> m_webhookIds;
    QTimer m_timer;
    Phase m_phase = Phase::Idle;
    qsizetype m_webhookIndex = 0;
    qint64 m_purgeUpToId = 0; // the current webhook's boundary (Store::finishedBeyondKept); 0: not found yet
    qint64 m_cutoffMs = 0;
    qint64 m_removed = 0;
};
