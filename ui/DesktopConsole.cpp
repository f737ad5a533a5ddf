#include "DesktopConsole.h"

#include "Engine.h"
#include "MainWindow.h"

#include <QApplication>

bool DesktopConsole::displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

int DesktopConsole::run(int &argc, char **argv, const QString &databaseLocation)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("tidings"));
    QApplication::setApplicationDisplayName(QStringLiteral("Tidings"));

    // The console is for local work: the intake listens on loopback, where no token is needed.
    EngineConfig config;
    config.databaseLocation = databaseLocation;
    Engine engine(config);
    MainWindow window(engine);
    window.show();
    engine.start();
    const int code = QApplication::exec();
    engine.stopAndWait();
    return code;
}
