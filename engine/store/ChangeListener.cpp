#include "ChangeListener.h"

#include "PostgresDialect.h"

#include <QAtomicInt>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>

namespace {
QAtomicInt listenerCounter;
}

ChangeListener::ChangeListener(QString origin, QObject *parent)
    : QObject(parent)
    , m_origin(std::move(origin))
    , m_connectionName(QStringLiteral("tidings-listener-%1").arg(listenerCounter.fetchAndAddRelaxed(1)))
{}

ChangeListener::~ChangeListener()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool ChangeListener::start(const QString &location, QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    if (!PostgresDialect().configure(db, location, error))
        return false;
    if (!db.open()) {
        *error = QStringLiteral("cannot open the notification connection to %1: %2")
                     .arg(PostgresDialect::redacted(location), db.lastError().text());
        return false;
    }
    QSqlDriver *driver = db.driver();
    for (Store::Change change : {Store::Change::Webhooks, Store::Change::Work}) {
        if (!driver->subscribeToNotification(Store::changeChannel(change))) {
            *error = QStringLiteral("cannot LISTEN on %1: %2")
                         .arg(Store::changeChannel(change), driver->lastError().text());
            return false;
        }
    }
    connect(driver, &QSqlDriver::notification, this,
            [this](const QString &name, QSqlDriver::NotificationSource, const QVariant &payload) {
                if (payload.toString() == m_origin)
                    return; // this instance's own commit
                emit changed(name == Store::changeChannel(Store::Change::Webhooks) ? Store::Change::Webhooks
                                                                                   : Store::Change::Work);
            });
    return true;
}
