#include "EndpointBackoff.h"

#include <QtGlobal>

EndpointBackoff::Change EndpointBackoff::recordSuccess(qint64 webhookId)
{
    const auto it = m_states.constFind(webhookId);
    if (it == m_states.cend())
        return Change::None;
    const bool wasHeldBack = it->pausedUntilMs >= 0;
    m_states.erase(it);
    return wasHeldBack ? Change::Resumed : Change::None;
}

EndpointBackoff::Change EndpointBackoff::recordFailure(qint64 webhookId, qint64 nowMs, qint64 retryDelayMs)
{
    State &state = m_states[webhookId];
    ++state.consecutiveFailures;
    if (state.consecutiveFailures < failureThreshold)
        return Change::None;
    const bool wasHeldBack = state.pausedUntilMs >= 0;
    // Requests sent before the pause began fail after it: each pushes the end out to its own retry, never in.
    const qint64 until = nowMs + qBound<qint64>(0, retryDelayMs, maxPauseMs);
    state.pausedUntilMs = qMax(state.pausedUntilMs, until);
    return wasHeldBack ? Change::None : Change::Paused;
}

int EndpointBackoff::allowedConcurrency(qint64 webhookId, int concurrency, qint64 nowMs) const
{
    const auto it = m_states.constFind(webhookId);
    if (it == m_states.cend() || it->pausedUntilMs < 0)
        return concurrency;
    return nowMs < it->pausedUntilMs ? 0 : qMin(1, concurrency);
}

std::optional<qint64> EndpointBackoff::pauseLeftMs(qint64 webhookId, qint64 nowMs) const
{
    const auto it = m_states.constFind(webhookId);
    if (it == m_states.cend() || it->pausedUntilMs < 0 || nowMs >= it->pausedUntilMs)
        return std::nullopt;
    return it->pausedUntilMs - nowMs;
}

bool EndpointBackoff::isHeldBack(qint64 webhookId) const
{
    const auto it = m_states.constFind(webhookId);
    return it != m_states.cend() && it->pausedUntilMs >= 0;
}

int EndpointBackoff::consecutiveFailures(qint64 webhookId) const
{
    return m_states.value(webhookId).consecutiveFailures;
}

bool EndpointBackoff::forget(qint64 webhookId)
{
    const bool wasHeldBack = isHeldBack(webhookId);
    m_states.remove(webhookId);
    return wasHeldBack;
}

void EndpointBackoff::endPauses(qint64 nowMs)
{
    for (State &state : m_states) {
        if (state.pausedUntilMs > nowMs)
            state.pausedUntilMs = nowMs;
    }
}
