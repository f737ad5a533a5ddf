#pragma once

#include <QtGlobal>

#include <chrono>

// Wall-clock microseconds, the unit every benchmark process stamps and compares times in (the sink and the
// load generator are different processes, so a monotonic clock of one process would not do).
namespace BenchClock {
inline qint64 nowUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}
} // namespace BenchClock
