// Tidings: the thin entry point. It only decides between the desktop console and the command line.
#include "CommandLine.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#ifdef TIDINGS_WITH_GUI
#include "DesktopConsole.h"
#endif

int main(int argc, char *argv[])
{
    // Debug lines (each refused request, each claim) only when asked for with QT_LOGGING_RULES.
    if (!qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("tidings.*.debug=false"));

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));

#ifdef TIDINGS_WITH_GUI
    const bool guiAvailable = DesktopConsole::displayAvailable();
#else
    const bool guiAvailable = false;
#endif
    const CommandLine::Invocation invocation = CommandLine::classify(arguments, guiAvailable);

#ifdef TIDINGS_WITH_GUI
    if (invocation.wantsConsole && invocation.error.isEmpty())
        return DesktopConsole::run(argc, argv, invocation.databaseLocation,
                                   invocation.databaseGiven || qEnvironmentVariableIsSet("TIDINGS_DB"));
#endif
    // The command line, `serve` above all, runs on Qt's own poll()-based event loop instead of GLib's: an
    // intake request takes several event-loop passes, and each GLib pass costs more (its prepare, check and
    // dispatch over a source per socket). On `wrk -c64` that was 44-65 instead of 52-72 µs of CPU per request
    // (docs/performance.md). GLib's loop matters only to desktop integration, which the console keeps.
    // Setting QT_NO_GLIB to an empty value brings it back.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tidings"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TIDINGS_VERSION));
    return CommandLine::run(invocation);
}
