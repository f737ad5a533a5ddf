#include "SqlDialect.h"

#include "WalCheckpointer.h"

std::unique_ptr<WalCheckpointer> SqlDialect::checkpointInBackground(QSqlDatabase &, const QString &,
                                                                    QString *) const
{
    return nullptr;
}
