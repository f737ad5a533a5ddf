#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"
#include "Store.h"
#include "WebhookConfig.h"

#include <QElapsedTimer>
#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>

class QNetworkReply;
class QTimer;

// Sends claimed deliveries with QNetworkAccessManager, many at once, at most `concurrency` per webhook so
// that a slow or dead endpoint only ever holds its own slots. Each finished request becomes an attempt record
// and a new delivery state in one transaction.
class Dispatcher : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype maxRecordedResponseBytes = 64 * 1024;

    Dispatcher(Store &store, QString owner, QObject *parent = nullptr);
    ~Dispatcher() override;

    // Slots left for a webhook right now.
    int freeSlots(const WebhookConfig &webhook) const;
    int inFlight() const { return int(m_requests.size()); }
    void dispatch(const ClaimedDelivery &claimed, const WebhookConfig &webhook);
    // Aborts every request without recording an attempt and hands the deliveries back to the queue.
    void abortAll();

    // Headers the dispatcher sets itself; a webhook's static headers may not replace them.
    static bool isReservedHeader(QByteArrayView lowerName);
    // Header names whose values never reach the attempt log.
    static bool isSecretHeader(QByteArrayView lowerName);
    static QByteArray maskedValue(const QByteArray &value);

signals:
    void attemptRecorded(const AttemptRecord &attempt, const DeliveryRecord &delivery);
    void slotFreed(qint64 webhookId);
    void webhookDisabled(qint64 webhookId, const QString &reason);
    void storeFailed(const QString &reason);

private:
    struct InFlightRequest
    {
        ClaimedDelivery claimed;
        WebhookConfig webhook;
        AttemptRecord attempt;
        QElapsedTimer clock;
        QTimer *deadline = nullptr;
        bool timedOut = false;
        bool aborting = false;
    };

    void onReadyRead(QNetworkReply *reply);
    void onFinished(QNetworkReply *reply);
    void finish(InFlightRequest &request, QNetworkReply *reply);
    static QString errorClassFor(QNetworkReply *reply, bool timedOut);

    Store &m_store;
    QString m_owner;
    QNetworkAccessManager m_network;
    QHash<QNetworkReply *, InFlightRequest> m_requests;
    QHash<qint64, int> m_inFlightPerWebhook;
};
