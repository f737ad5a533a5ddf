#pragma once

// Shared by the libFuzzer targets in tests/fuzz: invariant checks that crash the input (so libFuzzer saves
// it as an artifact), and quiet Qt logging (a warning per input would cost more than the code under test).

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <cstdio>
#include <cstdlib>

namespace fuzz {

[[noreturn]] inline void invariantFailed(const char *condition, const char *file, int line,
                                         const QString &detail)
{
    std::fprintf(stderr, "\n==== fuzz invariant violated: %s\n     at %s:%d\n", condition, file, line);
    if (!detail.isEmpty())
        std::fprintf(stderr, "     %s\n", detail.toUtf8().constData());
    std::fflush(stderr);
    std::abort();
}

inline void quietQtMessages(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtFatalMsg) {
        std::fprintf(stderr, "qFatal: %s\n", message.toUtf8().constData());
        std::abort();
    }
}

inline void installQuietMessageHandler()
{
    qInstallMessageHandler(quietQtMessages);
}

// A printable rendering of bytes for invariant messages: at most `max` bytes, C escapes for the rest.
inline QString printable(const QByteArray &bytes, qsizetype max = 200)
{
    QString out;
    for (qsizetype i = 0; i < bytes.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(bytes.at(i));
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out += QLatin1Char(char(c));
        else
            out += QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > max)
        out += QStringLiteral("... (%1 bytes)").arg(bytes.size());
    return out;
}

// splitmix64: a tiny deterministic generator, for the points where a target cuts a stream into pieces.
struct SplitMix
{
    quint64 state;
    quint64 next()
    {
        quint64 z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

} // namespace fuzz

// Aborts with the condition and an optional QString detail when `condition` is false.
#define FUZZ_CHECK(condition, ...)                                                                           \
    do {                                                                                                     \
        if (!(condition))                                                                                    \
            ::fuzz::invariantFailed(#condition, __FILE__, __LINE__, QString(__VA_ARGS__));                   \
    } while (false)
