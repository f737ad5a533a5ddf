#pragma once

#include <QObject>

class QSocketNotifier;

// Turns SIGTERM and SIGINT into a Qt signal in the main thread (a self-pipe: the handler only writes a byte),
// so `serve` stops gracefully under systemd, Ctrl-C and `kill`.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    static void handler(int signalNumber);
    static int s_fds[2];
    QSocketNotifier *m_notifier = nullptr;
};
