#include "LogOutput.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>

#include <cstdio>

namespace {
LogOutput::Format installedFormat = LogOutput::Format::Plain;
QMutex writeLock; // the engine thread and the main thread log at the same time

void writeMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray line = LogOutput::formatLine(installedFormat, type,
                                                  context.category ? context.category : "default", message) +
                            '\n';
    QMutexLocker locker(&writeLock);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}
} // namespace

bool LogOutput::formatFromName(const QString &name, Format *format)
{
    if (name == QLatin1String("plain"))
        *format = Format::Plain;
    else if (name == QLatin1String("json"))
        *format = Format::Json;
    else
        return false;
    return true;
}

void LogOutput::install(Format format)
{
    installedFormat = format;
    qInstallMessageHandler(writeMessage);
}

const char *LogOutput::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

QByteArray LogOutput::formatLine(Format format, QtMsgType type, const char *category, const QString &message)
{
    const QString time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    if (format == Format::Json) {
        const QJsonObject object{{QStringLiteral("time"), time},
                                 {QStringLiteral("level"), QString::fromLatin1(levelName(type))},
                                 {QStringLiteral("category"), QString::fromUtf8(category)},
                                 {QStringLiteral("message"), message}};
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }
    // One event, one line: a line break inside a message (an error text from a peer) must not start a
    // line that looks like another event.
    QString text = message;
    text.replace(QLatin1Char('\r'), QStringLiteral("\\r")).replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    return time.toUtf8() + ' ' + levelName(type) + ' ' + category + ": " + text.toUtf8();
}
