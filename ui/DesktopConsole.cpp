#include "DesktopConsole.h"

#include "ConsoleSettings.h"
#include "DarkPalette.h"
#include "DeliveriesView.h"
#include "Engine.h"
#include "EventsView.h"
#include "MainWindow.h"
#include "ReceiverView.h"
#include "WebhookEditorDialog.h"
#include "WebhookListModel.h"
#include "WebhooksView.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QStyleFactory>
#include <QTableView>
#include <QTimer>
#include <QTranslator>

bool DesktopConsole::displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

int DesktopConsole::run(int &argc, char **argv, const QString &databaseLocation, bool databaseGiven)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("tidings"));
    QApplication::setOrganizationName(QStringLiteral("tidings")); // QSettings: ~/.config/tidings/tidings.conf
    // The console's strings in the user's language when there is a translation (translations/), and Qt's own
    // (dialog buttons) from the system.
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("tidings"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);
    QApplication::setApplicationDisplayName(QStringLiteral("Tidings"));
    // Dark-mode screenshots (scripts/screenshot.sh): the palette a dark desktop theme would give, with the
    // Fusion style, which draws everything from the palette.
    if (qEnvironmentVariable("TIDINGS_SCREENSHOT_PALETTE") == QLatin1String("dark")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(DarkPalette::create());
    }

    // The console is for local work: the intake listens on loopback, where no token is needed.
    EngineConfig config;
    QSettings settings;
    const ConsoleSettings chosen = ConsoleSettings::load(settings, config);
    chosen.applyTo(&config); // the Settings screen's choices
    config.databaseLocation = chosen.databaseFor(databaseLocation, databaseGiven);
    Engine engine(config);
    MainWindow window(engine);
    window.show();
    engine.start();

    // Documentation screenshots (scripts/screenshot.sh): grab the window after a while and quit.
    // TIDINGS_SCREENSHOT_SCREEN names the screen to show (deliveries, webhooks, ...).
    const QString screenshot = qEnvironmentVariable("TIDINGS_SCREENSHOT");
    if (!screenshot.isEmpty()) {
        const int delayMs = qEnvironmentVariableIntValue("TIDINGS_SCREENSHOT_DELAY_MS");
        const QString screen = qEnvironmentVariable("TIDINGS_SCREENSHOT_SCREEN");
        if (!screen.isEmpty())
            window.showScreen(screen);
        // The receiver's picture needs a receiver with a webhook pointing at it.
        if (screen == QLatin1String("receiver") && window.receiverView()) {
            QObject::connect(&engine, &Engine::started, &window, [&window] {
                window.receiverView()->startReceiver();
                window.receiverView()->pointWebhookAtReceiver();
            });
        }
        // The delivery log shows its detail pane with the newest delivery.
        QTimer::singleShot(delayMs > 0 ? delayMs - 500 : 2500, &window, [&window] {
            if (window.deliveriesView())
                window.deliveriesView()->table()->selectRow(0);
            if (window.eventsView())
                window.eventsView()->table()->selectRow(0);
        });
        // "webhook-editor": the editor dialog of the first webhook, grabbed on its own.
        QTimer::singleShot(delayMs > 0 ? delayMs : 3000, &window, [&window, screenshot, screen] {
            if (screen == QLatin1String("webhook-editor") && window.webhooksView()) {
                window.showScreen(QStringLiteral("webhooks"));
                const WebhookListModel *webhooks = window.webhooksView()->model();
                const qint64 first = webhooks->rowCount() > 0 ? webhooks->webhookAt(0)->id : 0;
                WebhookEditorDialog *editor = window.webhooksView()->openEditor(first);
                editor->show();
                QTimer::singleShot(300, editor, [editor, screenshot] {
                    editor->grab().save(screenshot);
                    QApplication::quit();
                });
                return;
            }
            window.grab().save(screenshot);
            QApplication::quit();
        });
    }
    const int code = QApplication::exec();
    engine.stopAndWait();
    return code;
}
