#pragma once

#include "QueueDepth.h"

#include <QMainWindow>

class Engine;
class QLabel;
class QListWidget;

// A first window over the engine: where the intake listens, how deep the queue is, and a live activity list.
// The full console (webhooks, delivery log, receiver, dashboard) builds on this.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Engine &engine, QWidget *parent = nullptr);

private:
    void addActivity(const QString &line);
    void showQueueDepth(const QueueDepth &depth);

    Engine &m_engine;
    QLabel *m_intakeLabel = nullptr;
    QLabel *m_queueLabel = nullptr;
    QListWidget *m_activity = nullptr;
};
