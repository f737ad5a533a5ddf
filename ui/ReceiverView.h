#pragma once

#include "ReceivedRequest.h"

#include <QList>
#include <QWidget>

class Engine;
class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class ReceiverService;

// The Receiver screen: a built-in local endpoint that captures deliveries, so webhooks can be tried without
// writing a server. Start it, point a new webhook at it with one click, see each request with its headers,
// body and signature verdict, and program its answers to try retry policies.
class ReceiverView : public QWidget
{
    Q_OBJECT
public:
    explicit ReceiverView(Engine &engine, QWidget *parent = nullptr);

    ReceiverService *service() const { return m_service; }
    void startReceiver();
    void pointWebhookAtReceiver();

private:
    void applyBehaviour();
    void addCaptured(const ReceivedRequest &request);
    void showRequest(int row);

    Engine &m_engine;
    ReceiverService *m_service = nullptr;
    QList<ReceivedRequest> m_requests;
    QPushButton *m_start = nullptr;
    QLineEdit *m_url = nullptr;
    QPushButton *m_point = nullptr;
    QLabel *m_pointResult = nullptr;
    QLineEdit *m_secret = nullptr;
    QSpinBox *m_status = nullptr;
    QSpinBox *m_failFirst = nullptr;
    QSpinBox *m_failStatus = nullptr;
    QSpinBox *m_delay = nullptr;
    QLineEdit *m_retryAfter = nullptr;
    QCheckBox *m_neverAnswer = nullptr;
    QListWidget *m_list = nullptr;
    QPlainTextEdit *m_detail = nullptr;
};
