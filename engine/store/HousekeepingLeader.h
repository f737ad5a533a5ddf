#pragma once

#include <QObject>
#include <QTimer>

class Store;

// Decides whether this instance runs the housekeeping of a shared database (retention today), so that of
// several `tidings serve` on one PostgreSQL database exactly one sweeps at a time.
//
// The leader is whoever holds a session-level advisory lock on its store connection (SqlDialect's
// housekeeping statements). The others try to take it every checkIntervalMs without waiting, so when the
// leader stops (it releases the lock) or dies (PostgreSQL frees the lock when its connection ends) one of
// them takes over within one interval. The leader checks at the same pace that it still holds the lock, so a
// connection reset cannot leave two leaders. On SQLite there is no lock to take: every engine leads at
// once and no timer runs.
class HousekeepingLeader : public QObject
{
    Q_OBJECT
public:
    HousekeepingLeader(Store &store, int checkIntervalMs, QObject *parent = nullptr);
    ~HousekeepingLeader() override;

    // The first check runs at once.
    void start();
    // Gives the lock up (another instance takes over at its next check) and stops checking.
    void stop();
    bool isLeader() const { return m_leader; }

signals:
    void leadershipChanged(bool leader);

private:
    void check();
    void setLeader(bool leader);

    Store &m_store;
    QTimer m_timer;
    bool m_leader = false;
};
