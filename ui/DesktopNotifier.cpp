#include "DesktopNotifier.h"

#include <QApplication>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QSystemTrayIcon>

DesktopNotifier::DesktopNotifier(QWidget *window, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_path(QSystemTrayIcon::isSystemTrayAvailable() ? Path::Tray : Path::InWindow)
{
    // The message area exists on both paths (the caller lays it out), but only the in-window path shows it.
    m_banner = new QFrame(window);
    m_banner->setObjectName(QStringLiteral("notificationBanner"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    // The palette's tooltip colours: a pair every style and theme makes readable, dark ones too.
    m_banner->setBackgroundRole(QPalette::ToolTipBase);
    m_banner->setForegroundRole(QPalette::ToolTipText);
    m_banner->setAutoFillBackground(true);
    auto *row = new QHBoxLayout(m_banner);
    auto *icon = new QLabel(m_banner);
    const int size = m_banner->style()->pixelMetric(QStyle::PM_SmallIconSize);
    icon->setPixmap(m_banner->style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(size, size));
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("notificationText"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setForegroundRole(QPalette::ToolTipText);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *show = new QPushButton(tr("S&how webhook"), m_banner);
    show->setObjectName(QStringLiteral("notificationShowWebhook"));
    auto *reenable = new QPushButton(tr("Re-enab&le…"), m_banner);
    reenable->setObjectName(QStringLiteral("notificationReenable"));
    auto *dismissButton = new QPushButton(tr("D&ismiss"), m_banner);
    dismissButton->setObjectName(QStringLiteral("notificationDismiss"));
    row->addWidget(icon);
    row->addWidget(m_bannerText, 1);
    row->addWidget(show);
    row->addWidget(reenable);
    row->addWidget(dismissButton);
    m_banner->hide();
    connect(show, &QPushButton::clicked, this, [this] {
        dismiss();
        emit showWebhookRequested(m_webhookId);
    });
    connect(reenable, &QPushButton::clicked, this, [this] {
        dismiss();
        emit reenableRequested(m_webhookId);
    });
    connect(dismissButton, &QPushButton::clicked, this, &DesktopNotifier::dismiss);
}

DesktopNotifier::~DesktopNotifier()
{
    delete m_tray;
}

void DesktopNotifier::webhookDisabled(qint64 webhookId, const QString &webhookName, const QString &reason)
{
    m_webhookId = webhookId;
    notify(
        tr("Webhook %1 disabled").arg(webhookName),
        tr("Tidings stopped sending to %1: %2. Re-enable it from the Dashboard.").arg(webhookName, reason));
}

void DesktopNotifier::notify(const QString &title, const QString &message)
{
    m_title = title;
    m_message = message;
    if (m_path == Path::Tray) {
        if (!m_tray) {
            QIcon icon = QApplication::windowIcon();
            if (icon.isNull())
                icon = m_window->style()->standardIcon(QStyle::SP_MessageBoxWarning);
            m_tray = new QSystemTrayIcon(icon);
            m_tray->setToolTip(QApplication::applicationDisplayName());
            connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
                if (m_window) {
                    m_window->showNormal();
                    m_window->raise();
                    m_window->activateWindow();
                }
                emit showWebhookRequested(m_webhookId);
            });
        }
        m_tray->show();
        m_tray->showMessage(title, message, QSystemTrayIcon::Warning, 15000);
        return;
    }
    m_bannerText->setText(
        QStringLiteral("<b>%1</b><br>%2").arg(title.toHtmlEscaped(), message.toHtmlEscaped()));
    m_banner->show();
    // The window may be behind another: ask the desktop for attention (a blinking task bar entry).
    if (m_window)
        QApplication::alert(m_window);
}

void DesktopNotifier::dismiss()
{
    m_banner->hide();
}
