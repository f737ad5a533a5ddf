#pragma once

#include "DeliveryLogFilter.h"

#include <QDateTime>
#include <QObject>
#include <QThread>

#include <memory>

class DeliveryLogQuery;

// Counts the delivery log's view on a thread and a read-only connection of its own. Under a state or HTTP
// filter every live batch must count the whole view again (a delivery may have left it), which over a large
// history takes longer than a frame (0.1-0.3 s at a million deliveries); here it never blocks the UI
// thread. Answers come back as counted() in the thread that owns this object, in the order asked.
class DeliveryLogCounter : public QObject
{
    Q_OBJECT
public:
    // `location`: what DeliveryLogQuery::open takes; the connection is opened on the counting thread.
    explicit DeliveryLogCounter(const QString &location, QObject *parent = nullptr);
    ~DeliveryLogCounter() override;

    void request(const DeliveryLogFilter &filter, const QDateTime &since, quint64 generation);

signals:
    // The view's row count and the highest delivery id, read in one snapshot; total is -1 on failure.
    void counted(quint64 generation, int total, qint64 maxId);

private:
    QString m_location;
    QThread m_thread;
    QObject *m_worker = nullptr;               // lives in m_thread
    std::unique_ptr<DeliveryLogQuery> m_query; // used and destroyed in m_thread only
};
