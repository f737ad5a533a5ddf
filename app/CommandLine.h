#pragma once

#include <QString>
#include <QStringList>

// The first look at argv: which database, which command, and whether the desktop console is wanted.
// Kept apart from running the command so main() can choose QApplication or QCoreApplication first.
class CommandLine
{
public:
    struct Invocation
    {
        QString databaseLocation;
        bool databaseGiven = false; // --db was given (rather than TIDINGS_DB or the default)
        QString server;             // --server URL or TIDINGS_SERVER: manage that instance over its admin API
        QByteArray adminToken;      // --token T or TIDINGS_ADMIN_TOKEN
        bool serverGiven = false;   // on the command line (not from the environment)
        QString command;            // "serve", "webhook", ...; empty: none given
        QStringList arguments;      // after the command
        bool wantsConsole = false;
        QString error; // a usage error found while splitting
    };

    // guiAvailable: built with the console and a display exists.
    static Invocation classify(const QStringList &argv, bool guiAvailable);
    // Runs a command-line command; needs a QCoreApplication.
    static int run(const Invocation &invocation);
    static QString usage();
};
