#pragma once

#include "RegistryEvent.h"

#include <QList>
#include <QString>

// The latest stored registry events, newest first, over a read-only connection: the filter preview of the
// webhook editor and the Events screen.
class RecentEventsQuery
{
public:
    static QList<RegistryEvent> load(const QString &connectionName, int limit);
};
