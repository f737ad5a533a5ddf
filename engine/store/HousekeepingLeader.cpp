#include "HousekeepingLeader.h"

#include "Store.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHousekeeping, "tidings.housekeeping")

HousekeepingLeader::HousekeepingLeader(Store &store, int checkIntervalMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_timer.setInterval(qMax(50, checkIntervalMs));
    connect(&m_timer, &QTimer::timeout, this, &HousekeepingLeader::check);
}

HousekeepingLeader::~HousekeepingLeader()
{
    // No signal from a destructor: what listens may be going too.
    m_timer.stop();
    if (m_leader && m_store.isOpen())
        m_store.releaseHousekeepingLock();
}

void HousekeepingLeader::start()
{
    if (m_store.dialect().housekeepingLockStatement().isEmpty()) {
        setLeader(true); // nothing to share: this engine is the only one on its database
        return;
    }
    check();
    m_timer.start();
}

void HousekeepingLeader::stop()
{
    m_timer.stop();
    if (!m_leader)
        return;
    if (m_store.isOpen() && !m_store.dialect().housekeepingUnlockStatement().isEmpty()) {
        m_store.releaseHousekeepingLock();
        qCInfo(lcHousekeeping) << "released the housekeeping lock; another instance takes over";
    }
    setLeader(false);
}

void HousekeepingLeader::check()
{
    if (m_leader) {
        // Still ours? A connection that was reset or terminated on the server lost its session locks.
        const std::optional<bool> held = m_store.holdsHousekeepingLock();
        if (held && *held)
            return;
        qCWarning(lcHousekeeping).noquote()
            << "lost the housekeeping lock"
            << (held ? QStringLiteral("(the database connection was reset)") : m_store.lastError())
            << "- housekeeping stops on this instance";
        setLeader(false);
        return;
    }
    // Ask whether the lock is already ours before taking it: a session lock counts how often it was taken,
    // and one unlock must be enough to hand it over.
    std::optional<bool> ours = m_store.holdsHousekeepingLock();
    if (ours && !*ours)
        ours = m_store.tryHousekeepingLock();
    if (!ours) {
        qCDebug(lcHousekeeping).noquote() << "cannot ask for the housekeeping lock:" << m_store.lastError();
        return;
    }
    if (*ours) {
        qCInfo(lcHousekeeping) << "this instance holds the housekeeping lock and runs retention";
        setLeader(true);
    }
}

void HousekeepingLeader::setLeader(bool leader)
{
    if (leader == m_leader)
        return;
    m_leader = leader;
    emit leadershipChanged(leader);
}
