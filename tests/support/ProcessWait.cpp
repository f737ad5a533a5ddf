#include "ProcessWait.h"

#include <QEventLoop>
#include <QProcess>
#include <QTimer>

bool waitForProcessExit(QProcess &process, int timeoutMs)
{
    if (process.state() == QProcess::NotRunning)
        return true;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&process, &QProcess::errorOccurred, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    while (process.state() != QProcess::NotRunning && timer.isActive())
        loop.exec();
    return process.state() == QProcess::NotRunning;
}
