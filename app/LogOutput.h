#pragma once

#include <QString>

// Where `tidings serve` writes its log: stderr, one line per message, each with its time, level and
// logging category (tidings.intake, tidings.engine, ...). Plain text for people and journald, or JSON lines
// ({"time", "level", "category", "message"}) for log shippers. Installed as Qt's message handler, so every
// qCWarning/qCInfo of the engine (from any thread) comes out the same way.
class LogOutput
{
public:
    enum class Format
    {
        Plain,
        Json
    };

    // "plain" or "json"; false when the name is neither.
    static bool formatFromName(const QString &name, Format *format);
    static void install(Format format);
    // The line for one message, without the trailing newline. `time` is UTC.
    static QByteArray formatLine(Format format, QtMsgType type, const char *category, const QString &message);
    static const char *levelName(QtMsgType type);
};
