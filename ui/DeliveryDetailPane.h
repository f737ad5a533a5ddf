#pragma once

#include "AttemptRecord.h"
#include "DeliveryRecord.h"

#include <QList>
#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class Store;

// The selected delivery: its attempt timeline and, per attempt, the request (headers, pretty-printed JSON
// body) and the response (status, headers, body) or the error class. Actions: Replay, Copy as curl, Cancel
// pending retries; the view asks the engine to carry them out.
class DeliveryDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit DeliveryDetailPane(Store &reader, QWidget *parent = nullptr);

    void showDelivery(qint64 deliveryId); // 0 clears
    qint64 deliveryId() const { return m_deliveryId; }
    void reload();
    // The attempt shown (the newest unless the user chose another); nullptr when there is none.
    const AttemptRecord *currentAttempt() const;
    void copyAsCurl();

signals:
    void replayRequested(qint64 deliveryId);
    void replayWithOverrideRequested(qint64 deliveryId);
    void cancelRequested(qint64 deliveryId);

private:
    void showAttempt(int index);
    static QString headersText(const AttemptRecord::Headers &headers);
    static QString bodyText(const QByteArray &body);
    // "replayed to <url>", "payload edited": what a replay with an override changed, for the timeline.
    static QString overrideText(const AttemptOverride &change);

    Store &m_reader;
    qint64 m_deliveryId = 0;
    DeliveryRecord m_delivery;
    QList<AttemptRecord> m_attempts;
    QLabel *m_title = nullptr;
    QPushButton *m_replay = nullptr;
    QPushButton *m_replayOverride = nullptr;
    QPushButton *m_copyCurl = nullptr;
    QPushButton *m_cancel = nullptr;
    QListWidget *m_timeline = nullptr;
    QPlainTextEdit *m_request = nullptr;
    QPlainTextEdit *m_response = nullptr;
};
