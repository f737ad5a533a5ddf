#pragma once

#include "EngineConfig.h"
#include "LogOutput.h"

#include <QStringList>

class CommandContext;

// `tidings serve`: the engine headless, until SIGTERM or SIGINT.
class ServeCommand
{
public:
    static int run(CommandContext &context, const QStringList &arguments);
    // Flags over environment variables over the --config file over defaults (see ServeSettings). The
    // database: --db, TIDINGS_DB, the file's "db", the default; `databaseGiven` says --db was on the command
    // line. Returns an error message naming the flag, variable or file and key, or empty.
    static QString configure(const QStringList &arguments, const QString &databaseLocation,
                             bool databaseGiven, EngineConfig *config, LogOutput::Format *logFormat,
                             QString *grpcAddress = nullptr);
    // The gRPC admin API's address as gRPC takes it ("127.0.0.1:50051", "[::1]:50051").
    static QString grpcTarget(const QHostAddress &address, quint16 port);
    // "127.0.0.1:8765", "[::1]:8765", ":8765" (all addresses), "8765".
    static bool parseListen(const QString &text, QHostAddress *address, quint16 *port);
    // "90s", "30m", "12h", "30d", or plain seconds; -1 when invalid.
    static qint64 parseAgeMs(const QString &text);
    // How to point docker-registry at this intake, for the start-up banner.
    static QString registrySnippet(const QUrl &intakeUrl, bool withToken);
};
