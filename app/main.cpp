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
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tidings"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TIDINGS_VERSION));
    return CommandLine::run(invocation);
}
