#pragma once

#include "Store.h"

#include <QObject>
#include <QString>

// Hears what other instances and the CLI commit to a shared PostgreSQL database: LISTEN on the channels Store
// announces on, over a connection of its own (a busy store connection would only read notifications between
// its queries). Notifications whose payload is this instance's own origin are ignored.
class ChangeListener : public QObject
{
    Q_OBJECT
public:
    explicit ChangeListener(QString origin, QObject *parent = nullptr);
    ~ChangeListener() override;

    // False with a reason when the connection or the subscriptions fail.
    bool start(const QString &location, QString *error);

signals:
    void changed(Store::Change change);

private:
    QString m_origin;
    QString m_connectionName;
};
