#include "CommandContext.h"

#include "AdminClient.h"
#include "Store.h"

#include <QCommandLineParser>

#include <cstdio>

CommandContext::CommandContext(QString databaseLocation)
    : m_databaseLocation(std::move(databaseLocation))
    , m_out(stdout)
    , m_err(stderr)
{}

CommandContext::~CommandContext() = default;

Store *CommandContext::store()
{
    if (m_store)
        return m_store.get();
    QString error;
    std::unique_ptr<SqlDialect> dialect = Store::dialectFor(m_databaseLocation, &error);
    if (!dialect) {
        fail(error);
        return nullptr;
    }
    auto store = std::make_unique<Store>(std::move(dialect));
    if (!store->open(m_databaseLocation, &error)) {
        fail(error);
        return nullptr;
    }
    m_store = std::move(store);
    return m_store.get();
}

void CommandContext::setServer(const QString &url, const QByteArray &token)
{
    m_remote = std::make_unique<AdminClient>(QUrl(url), token);
}

int CommandContext::fail(const QString &message, int code)
{
    m_out.flush();
    m_err << "tidings: " << message << Qt::endl;
    return code;
}

bool CommandContext::parseOptions(QCommandLineParser &parser, const QStringList &arguments,
                                  const QString &usage, int *exitCode)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    if (parser.parse(QStringList{QStringLiteral("tidings")} + arguments))
        return true;
    *exitCode = fail(parser.errorText() + QLatin1Char('\n') + usage, UsageError);
    return false;
}
