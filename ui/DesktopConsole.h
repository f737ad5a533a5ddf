#pragma once

#include <QString>

// Starts the desktop console: a QApplication, the engine in its own thread, and the main window.
class DesktopConsole
{
public:
    // A display to draw on: X11, Wayland, or an explicit QT_QPA_PLATFORM (offscreen for tests and
    // screenshots).
    static bool displayAvailable();
    // `databaseGiven`: the location came from --db or TIDINGS_DB, and wins over the one chosen in Settings.
    static int run(int &argc, char **argv, const QString &databaseLocation, bool databaseGiven = false);
};
