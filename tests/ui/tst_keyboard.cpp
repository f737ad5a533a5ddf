// Keyboard only and dark mode: a workflow driven with keys alone (focus on open, filter, table, replay, copy
// as curl), unique mnemonics on every screen, and readable colours on a dark palette as on a light one.
#include "DarkPalette.h"
#include "DashboardView.h"
#include "DeliveriesView.h"
#include "DeliveryDetailPane.h"
#include "DeliveryLogModel.h"
#include "DesktopNotifier.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "ReadableTextDelegate.h"
#include "SettingsView.h"
#include "StatusColours.h"
#include "WebhookListModel.h"
#include "WebhooksView.h"

#include <QAbstractButton>
#include <QApplication>
#include <QChart>
#include <QClipboard>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QStyleOptionViewItem>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

class KeyboardTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void aWorkflowWithTheKeyboardOnly();
    void mnemonicsAreUniqueOnEveryScreen();
    void coloursStayReadable_data();
    void coloursStayReadable();

private:
    // Sends a key sequence to whatever has the keyboard focus, as a person typing would.
    static void press(const QKeySequence &keys);
    static QWidget *focused() { return QApplication::focusWidget(); }
    QPalette m_originalPalette;
};

void KeyboardTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_keyboard"));
    m_originalPalette = QApplication::palette();
}

void KeyboardTest::init()
{
    QSettings().clear();
}

void KeyboardTest::cleanup()
{
    QApplication::setPalette(m_originalPalette);
}

void KeyboardTest::press(const QKeySequence &keys)
{
    QWidget *target = QApplication::focusWidget();
    QVERIFY2(target, "nothing has the keyboard focus");
    QTest::keySequence(target, keys);
}

void KeyboardTest::aWorkflowWithTheKeyboardOnly()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failOnce;
    failOnce.failFirst = 1;
    failOnce.failStatus = 500;
    sink.setBehaviour(failOnce);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("keys");
    webhook.url = sink.url().toString();
    webhook.maxAttempts = 1; // the 500 fails it for good: only a replay sends it again
    webhook.concurrency = 1;
    webhook = fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    MainWindow window(*fixture.engine());
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    DeliveriesView *view = window.deliveriesView();
    // Focus on open: the delivery log, so the keys work without a click.
    QTRY_COMPARE(focused(), static_cast<QWidget *>(view->table()));

    IntakeClient intake(fixture.intakeUrl());
    EventFactory::Spec first;
    first.repository = QStringLiteral("team/app");
    QCOMPARE(intake.post(EventFactory::envelopeOf(first)).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 10000);
    EventFactory::Spec second;
    second.repository = QStringLiteral("other/thing");
    QCOMPARE(intake.post(EventFactory::envelopeOf(second)).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 2, 10000);

    // Ctrl+F: the text filter; type; Enter: filtered, and the focus is on the table's first row.
    press(QKeySequence::Find);
    QCOMPARE(focused()->objectName(), QStringLiteral("textFilter"));
    QTest::keyClicks(focused(), QStringLiteral("team/app"));
    QTest::keyClick(focused(), Qt::Key_Return);
    QCOMPARE(focused(), static_cast<QWidget *>(view->table()));
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(view->detailPane()->deliveryId(), view->model()->deliveryIdAt(0), 10000);
    const qint64 deliveryId = view->detailPane()->deliveryId();
    QVERIFY(fixture.waitForState(deliveryId, DeliveryState::Failed));
    QCOMPARE(fixture.store().delivery(deliveryId)->repository, QStringLiteral("team/app"));

    // Ctrl+R: replayed; the sink answers 200 this time.
    press(QKeySequence(Qt::CTRL | Qt::Key_R));
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, 10000);
    QVERIFY(fixture.waitForState(deliveryId, DeliveryState::Succeeded));

    // Ctrl+Shift+C: the shown attempt as curl on the clipboard.
    QGuiApplication::clipboard()->clear();
    QTRY_VERIFY_WITH_TIMEOUT((press(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)),
                              QGuiApplication::clipboard()->text().contains(sink.url().toString())),
                             10000);
    const QString curl = QGuiApplication::clipboard()->text();
    QVERIFY2(curl.startsWith(QStringLiteral("curl")), qPrintable(curl));
    QVERIFY2(curl.contains(QStringLiteral("team/app")), qPrintable(curl));

    // Ctrl+2: the Webhooks screen, its list focused; Ctrl+1 back to the log, focused again.
    press(QKeySequence(Qt::CTRL | Qt::Key_2));
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.webhooksView()));
    QCOMPARE(focused(), static_cast<QWidget *>(window.webhooksView()->table()));
    press(QKeySequence(Qt::CTRL | Qt::Key_1));
    QCOMPARE(focused(), static_cast<QWidget *>(view->table()));
    // Ctrl+6: Settings; its first field takes the focus and Tab walks its controls.
    press(QKeySequence(Qt::CTRL | Qt::Key_6));
    QVERIFY(window.settingsView()->isAncestorOf(focused()));
    QWidget *before = focused();
    QTest::keyClick(focused(), Qt::Key_Tab);
    QVERIFY(focused() != before);
    QVERIFY(window.settingsView()->isAncestorOf(focused()));
}

namespace {

// The mnemonic letter of a text ("Re&play" -> 'p'), or a null char.
QChar mnemonicOf(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) != QLatin1Char('&'))
            continue;
        if (text.at(i + 1) == QLatin1Char('&')) {
            ++i;
            continue;
        }
        return text.at(i + 1).toLower();
    }
    return QChar();
}

} // namespace

void KeyboardTest::mnemonicsAreUniqueOnEveryScreen()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("gone");
    webhook.url = QStringLiteral("http://127.0.0.1:9/x");
    webhook.enabled = false; // so the Dashboard's re-enable box shows too
    webhook = fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    // The in-window notification sits above every screen.
    window.notifier()->webhookDisabled(webhook.id, webhook.name, QStringLiteral("test"));
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        if (window.tabs()->currentWidget() == window.dashboardView())
            window.dashboardView()->refresh();
        QMultiHash<QChar, QString> owners;
        for (QAbstractButton *button : window.findChildren<QAbstractButton *>()) {
            const QChar key = mnemonicOf(button->text());
            if (button->isVisible() && !key.isNull())
                owners.insert(key, button->text());
        }
        for (QLabel *label : window.findChildren<QLabel *>()) {
            const QChar key = mnemonicOf(label->text());
            if (!label->isVisible() || key.isNull())
                continue;
            QVERIFY2(label->buddy(),
                     qPrintable(QStringLiteral("\"%1\" has a mnemonic but no buddy").arg(label->text())));
            owners.insert(key, label->text());
        }
        for (QTabBar *bar : window.findChildren<QTabBar *>()) {
            if (!bar->isVisible())
                continue;
            for (int t = 0; t < bar->count(); ++t) {
                const QChar key = mnemonicOf(bar->tabText(t));
                if (!key.isNull())
                    owners.insert(key, bar->tabText(t));
            }
        }
        for (const QChar key : owners.uniqueKeys()) {
            const QStringList texts = owners.values(key);
            QVERIFY2(texts.size() == 1,
                     qPrintable(QStringLiteral("screen %1: Alt+%2 is used by %3")
                                    .arg(window.tabs()->tabText(i), key, texts.join(QStringLiteral(", ")))));
        }
    }
}

void KeyboardTest::coloursStayReadable_data()
{
    QTest::addColumn<bool>("dark");
    QTest::newRow("light") << false;
    QTest::newRow("dark") << true;
}

void KeyboardTest::coloursStayReadable()
{
    QFETCH(bool, dark);
    if (dark)
        QApplication::setPalette(DarkPalette::create());
    const QPalette palette = QApplication::palette();
    QCOMPARE(palette.color(QPalette::Base).lightness() < 128, dark);

    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failFirst;
    failFirst.failFirst = 1;
    failFirst.failStatus = 500;
    sink.setBehaviour(failFirst);
    WebhookConfig webhook;
    webhook.name = QStringLiteral("colours");
    webhook.url = sink.url().toString();
    webhook.maxAttempts = 1;
    webhook.concurrency = 1;
    webhook = fixture.addWebhook(webhook);
    WebhookConfig disabled;
    disabled.name = QStringLiteral("off");
    disabled.url = sink.url().toString();
    disabled.enabled = false;
    disabled.disabledReason = QStringLiteral("disabled in a test");
    fixture.addWebhook(disabled);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    IntakeClient intake(fixture.intakeUrl());
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
        QTRY_COMPARE_WITH_TIMEOUT(sink.count(), i + 1, 10000);
    }
    DeliveryLogModel *log = window.deliveriesView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(log->rowCount(), 2, 10000);
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(webhook.id);
    for (const DeliveryRecord &d : deliveries)
        QVERIFY(fixture.waitForState(d.id, d.id == deliveries.constLast().id ? DeliveryState::Failed
                                                                             : DeliveryState::Succeeded));

    // The delivery log as painted: every cell's text against its row's background (plain and alternate).
    QTableView *table = window.deliveriesView()->table();
    auto *delegate = qobject_cast<ReadableTextDelegate *>(table->itemDelegate());
    QVERIFY(delegate);
    QSet<QRgb> statusColours;
    QTRY_VERIFY_WITH_TIMEOUT(
        log->index(0, DeliveryLogModel::StatusColumn).data(Qt::ForegroundRole).isValid() &&
            log->index(1, DeliveryLogModel::StatusColumn).data(Qt::ForegroundRole).isValid(),
        10000);
    for (int row = 0; row < log->rowCount(); ++row) {
        for (int column = 0; column < log->columnCount(); ++column) {
            const QModelIndex index = log->index(row, column);
            QVERIFY(!index.data(Qt::BackgroundRole).isValid() ||
                    StatusColours::contrastRatio(index.data(Qt::BackgroundRole).value<QColor>(),
                                                 palette.color(QPalette::Text)) >= 4.5);
            for (bool alternate : {false, true}) {
                QStyleOptionViewItem option;
                option.palette = table->palette();
                option.features = alternate ? QStyleOptionViewItem::Alternate : QStyleOptionViewItem::None;
                const auto [text, background] = delegate->textAndBackground(index, option);
                const double ratio = StatusColours::contrastRatio(text, background);
                QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("row %1 column %2: %3 on %4, contrast %5")
                                                      .arg(row)
                                                      .arg(column)
                                                      .arg(text.name(), background.name())
                                                      .arg(ratio, 0, 'f', 2)));
                if (column == DeliveryLogModel::StatusColumn)
                    statusColours.insert(text.rgb());
            }
        }
    }
    QCOMPARE(statusColours.size(), 2); // succeeded and failed still tell apart

    // The webhook list: the disabled state's colour, from its own model.
    WebhookListModel *webhooks = window.webhooksView()->model();
    window.webhooksView()->reload();
    bool sawDisabled = false;
    for (int row = 0; row < webhooks->rowCount(); ++row) {
        const QVariant colour = webhooks->index(row, WebhookListModel::StateColumn).data(Qt::ForegroundRole);
        if (!colour.isValid())
            continue;
        sawDisabled = true;
        for (QPalette::ColorRole background : {QPalette::Base, QPalette::AlternateBase})
            QVERIFY(StatusColours::contrastRatio(colour.value<QColor>(), palette.color(background)) >= 4.5);
    }
    QVERIFY(sawDisabled);

    // Labels coloured for a meaning, the notification and the charts: from the palette.
    for (const QColor &c : {StatusColours::success(palette, StatusColours::Surface::Window),
                            StatusColours::failure(palette, StatusColours::Surface::Window)})
        QVERIFY(StatusColours::contrastRatio(c, palette.color(QPalette::Window)) >= 4.5);
    window.notifier()->webhookDisabled(webhook.id, webhook.name, QStringLiteral("test"));
    QFrame *banner = window.notifier()->banner();
    QVERIFY(StatusColours::contrastRatio(banner->palette().color(banner->foregroundRole()),
                                         banner->palette().color(banner->backgroundRole())) >= 4.5);
    QVERIFY(banner->autoFillBackground());
    QCOMPARE(window.dashboardView()->outcomesChart()->backgroundBrush().color(),
             palette.color(QPalette::Base));
    QCOMPARE(window.dashboardView()->outcomesChart()->titleBrush().color(), palette.color(QPalette::Text));
    // No widget carries a style sheet with a fixed colour of its own.
    for (QWidget *w : window.findChildren<QWidget *>()) {
        const QString sheet = w->styleSheet();
        if (sheet.isEmpty())
            continue;
        const QRegularExpression colour(QStringLiteral("#([0-9a-fA-F]{6})"));
        const QRegularExpressionMatch match = colour.match(sheet);
        if (!match.hasMatch())
            continue;
        const QColor c(QLatin1Char('#') + match.captured(1));
        QVERIFY2(StatusColours::contrastRatio(c, palette.color(QPalette::Base)) >= 4.5 ||
                     StatusColours::contrastRatio(c, palette.color(QPalette::Window)) >= 4.5,
                 qPrintable(QStringLiteral("%1: %2").arg(w->objectName(), sheet)));
    }
}

QTEST_MAIN(KeyboardTest)
#include "tst_keyboard.moc"
