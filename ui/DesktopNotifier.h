#pragma once

#include <QObject>
#include <QString>

class QFrame;
class QLabel;
class QPushButton;
class QSystemTrayIcon;
class QWidget;

// Tells the person at the desk that something needs them (today: a webhook was disabled, by a 410 or by
// failing longer than --disable-after), even when the console is not the window in front.
//
// Where the desktop has a system tray (QSystemTrayIcon::isSystemTrayAvailable()), a desktop notification
// from a tray icon; clicking it shows the webhook. Without one (some desktops, offscreen), a message area
// above the screens with "Show webhook", "Re-enable…" and "Dismiss", so the message is not lost in the
// status bar. The choice is made when the notifier is created.
class DesktopNotifier : public QObject
{
    Q_OBJECT
public:
    enum class Path
    {
        Tray,
        InWindow
    };

    // `window`: whose title the notification names, and where the in-window message area is made (the
    // caller places banner() in its layout).
    explicit DesktopNotifier(QWidget *window, QObject *parent = nullptr);
    ~DesktopNotifier() override;

    Path path() const { return m_path; }
    // The in-window message area: hidden until a notification, and always hidden on the tray path.
    QFrame *banner() const { return m_banner; }
    QSystemTrayIcon *trayIcon() const { return m_tray; }
    QString lastTitle() const { return m_title; }
    QString lastMessage() const { return m_message; }
    qint64 lastWebhookId() const { return m_webhookId; }

    void webhookDisabled(qint64 webhookId, const QString &webhookName, const QString &reason);
    void dismiss();

signals:
    void showWebhookRequested(qint64 webhookId);
    void reenableRequested(qint64 webhookId);

private:
    void notify(const QString &title, const QString &message);

    QWidget *m_window;
    Path m_path;
    QFrame *m_banner = nullptr;
    QLabel *m_bannerText = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_title;
    QString m_message;
    qint64 m_webhookId = 0;
};
