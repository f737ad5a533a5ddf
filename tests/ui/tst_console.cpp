// The Events screen (routing with reasons), the status bar, and the Settings screen.
#include "ConsoleSettings.h"
#include "DashboardView.h"
#include "DeliveriesView.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "EventListModel.h"
#include "EventsView.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "SettingsView.h"

#include <QAbstractItemModelTester>
#include <QBarSet>
#include <QChart>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

#include <unistd.h>

class ConsoleTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void eventsShowWhichWebhooksMatchedAndWhyNot();
    void liveUpdatesReachAWindowBuiltBeforeTheEngineStarts();
    void settingsMaskTheTokenAndApplyAtTheNextStart();
    void settingsChooseTheDatabaseForTheNextStart();
    void germanTranslationIsBuiltInAndUsed();
    void dashboardChartsFollowTheDeliveries();
};

void ConsoleTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_console"));
    QSettings().clear();
}

void ConsoleTest::eventsShowWhichWebhooksMatchedAndWhyNot()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 503;
    sink.setBehaviour(failing);
    WebhookConfig all;
    all.name = QStringLiteral("all-pushes");
    all.url = sink.url().toString();
    all.retryScheduleSeconds = {0, 3600}; // stays pending after the first failure
    fixture.addWebhook(all);
    WebhookConfig prod;
    prod.name = QStringLiteral("prod-only");
    prod.url = sink.url().toString();
    prod.repositoryGlobs = {QStringLiteral("prod/*")};
    fixture.addWebhook(prod);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));

    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("events")));
    QTRY_VERIFY(window.intakeLabel()->text().contains(fixture.intakeUrl().toString()));
    EventsView *view = window.eventsView();
    QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202); // push team/app:1.0
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 1, 10000);
    QCOMPARE(view->model()->index(0, EventListModel::TargetColumn).data().toString(),
             QStringLiteral("team/app:1.0"));
    view->table()->selectRow(0);
    auto *routing = view->findChild<QListWidget *>(QStringLiteral("eventRouting"));
    QCOMPARE(routing->count(), 2);
    QVERIFY2(routing->item(0)->text().startsWith(QStringLiteral("✓ all-pushes: matched (delivery ")),
             qPrintable(routing->item(0)->text()));
    QCOMPARE(routing->item(1)->text(),
             QStringLiteral("✗ prod-only: excluded, repository \"team/app\" matches none of [prod/*]"));
    auto *raw = view->findChild<QPlainTextEdit *>(QStringLiteral("eventRaw"));
    QVERIFY(raw->toPlainText().contains(QStringLiteral("\"repository\": \"team/app\"")));
    QVERIFY(view->findChild<QLabel *>(QStringLiteral("eventSource"))
                ->text()
                .contains(QStringLiteral("from registry")));

    // The status bar: after the failed first attempt the delivery waits an hour for its retry.
    QTRY_COMPARE_WITH_TIMEOUT(window.queueLabel()->text(), QStringLiteral("Queue: 1 pending, 0 in flight"),
                              10000);
    QCOMPARE(sink.count(), 1);
}

void ConsoleTest::liveUpdatesReachAWindowBuiltBeforeTheEngineStarts()
{
    // As `tidings console` does it: the window first, then the engine.
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("early-window");
    webhook.url = sink.url().toString();
    fixture.addWebhook(webhook);
    Engine engine(fixture.config());
    MainWindow window(engine);
    window.show();
    QSignalSpy started(&engine, &Engine::started);
    engine.start();
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 10000);
    IntakeClient intake(engine.intakeUrl());
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(window.deliveriesView()->model()->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.deliveriesView()->model()->index(0, DeliveryLogModel::StatusColumn).data().toString(),
        QStringLiteral("succeeded"), 10000);
    // A hidden screen catches up when it is shown (it does not query on every update while hidden).
    QVERIFY(window.showScreen(QStringLiteral("events")));
    QTRY_COMPARE_WITH_TIMEOUT(window.eventsView()->model()->rowCount(), 1, 10000);
    QVERIFY(engine.stopAndWait());
}

void ConsoleTest::settingsMaskTheTokenAndApplyAtTheNextStart()
{
    EngineConfig config;
    config.databaseLocation = QStringLiteral("/tmp/unused-by-this-test.db");
    config.intakeToken = "s3cret-intake-token";
    Engine engine(config); // not started: the screen shows what the console would use
    SettingsView view(engine);
    auto *token = view.findChild<QLineEdit *>(QStringLiteral("intakeTokenField"));
    QVERIFY(!token->text().contains(QStringLiteral("s3cret")));
    QTest::mouseClick(view.findChild<QPushButton *>(QStringLiteral("copyTokenButton")), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("s3cret-intake-token"));
    QCOMPARE(view.findChild<QLineEdit *>(QStringLiteral("databaseField"))->text(), config.databaseLocation);

    view.findChild<QSpinBox *>(QStringLiteral("portSpin"))->setValue(9876);
    view.findChild<QSpinBox *>(QStringLiteral("pollIntervalSpin"))->setValue(3);
    view.findChild<QSpinBox *>(QStringLiteral("retentionSpin"))->setValue(7);
    QTest::mouseClick(view.findChild<QPushButton *>(QStringLiteral("saveSettingsButton")), Qt::LeftButton);

    QSettings settings;
    EngineConfig next;
    ConsoleSettings::load(settings, next).applyTo(&next);
    QCOMPARE(next.listenPort, quint16(9876));
    QCOMPARE(next.pollIntervalMs, 3000);
    QCOMPARE(next.retention.maxAgeMs, qint64(7) * 24 * 3600 * 1000);
}

void ConsoleTest::settingsChooseTheDatabaseForTheNextStart()
{
    QSettings().clear();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineConfig config;
    config.databaseLocation = dir.filePath(QStringLiteral("in-use.db"));
    Engine engine(config);
    SettingsView view(engine);
    auto *next = view.findChild<QLineEdit *>(QStringLiteral("nextDatabaseField"));
    auto *check = view.findChild<QLabel *>(QStringLiteral("databaseCheck"));
    auto *save = view.findChild<QPushButton *>(QStringLiteral("saveSettingsButton"));
    QVERIFY(view.findChild<QPushButton *>(QStringLiteral("chooseDatabaseButton")));
    QCOMPARE(next->text(), config.databaseLocation);
    QVERIFY2(check->text().startsWith(QStringLiteral("This is the database in use.")),
             qPrintable(check->text()));
    QVERIFY(save->isEnabled());

    // A folder that does not exist, a folder instead of a file, a folder where nothing can be created (as
    // root too: /proc refuses new files to everyone).
    next->setText(dir.filePath(QStringLiteral("missing/tidings.db")));
    QCOMPARE(check->text(),
             QStringLiteral("The folder %1 does not exist.").arg(dir.filePath(QStringLiteral("missing"))));
    QVERIFY(!save->isEnabled());
    next->setText(dir.path());
    QVERIFY2(check->text().contains(QStringLiteral("is a folder; enter a file name in it")),
             qPrintable(check->text()));
    next->setText(QStringLiteral("/proc/tidings.db"));
    QVERIFY2(check->text().startsWith(QStringLiteral("The folder /proc is not writable")),
             qPrintable(check->text()));
    QVERIFY(check->text().contains(QStringLiteral("Choose another folder")));
    QVERIFY(!save->isEnabled());
    QVERIFY(!view.save());
    QVERIFY(view.findChild<QLabel *>(QStringLiteral("settingsSaved"))
                ->text()
                .startsWith(QStringLiteral("Not saved:")));
    if (geteuid() != 0) { // permission bits bind everyone but root
        const QString locked = dir.filePath(QStringLiteral("locked"));
        QVERIFY(QDir().mkdir(locked));
        QVERIFY(QFile::setPermissions(locked, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        next->setText(locked + QStringLiteral("/tidings.db"));
        QVERIFY2(check->text().contains(QStringLiteral("is not writable")), qPrintable(check->text()));
        QFile::setPermissions(locked,
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    // The probe leaves nothing behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);

    // A new file in a writable folder: accepted, saved, and used at the next start unless --db says
    // otherwise.
    const QString chosen = dir.filePath(QStringLiteral("elsewhere.db"));
    next->setText(chosen);
    QVERIFY2(
        check->text().startsWith(QStringLiteral("Tidings opens this database when the console starts next")),
        qPrintable(check->text()));
    QVERIFY(save->isEnabled());
    QTest::mouseClick(save, Qt::LeftButton);
    QSettings settings;
    const ConsoleSettings saved = ConsoleSettings::load(settings, config);
    QCOMPARE(saved.databaseLocation, chosen);
    QCOMPARE(saved.databaseFor(QStringLiteral("/default/tidings.db"), false), chosen);
    QCOMPARE(saved.databaseFor(QStringLiteral("/given/with/--db.db"), true),
             QStringLiteral("/given/with/--db.db"));
    // The database in use is not touched until then.
    QCOMPARE(engine.config().databaseLocation, config.databaseLocation);
    QVERIFY(!QFile::exists(chosen));

    // Saving other settings without choosing a database keeps "the default" rather than pinning the path.
    QSettings().clear();
    SettingsView fresh(engine);
    QVERIFY(fresh.save());
    QSettings reread;
    QCOMPARE(ConsoleSettings::load(reread, config).databaseLocation, QString());
}

void ConsoleTest::germanTranslationIsBuiltInAndUsed()
{
    QTranslator translator;
    QVERIFY(translator.load(QLocale(QLocale::German), QStringLiteral("tidings"), QStringLiteral("_"),
                            QStringLiteral(":/i18n")));
    QVERIFY(QCoreApplication::installTranslator(&translator));
    QCOMPARE(QCoreApplication::translate("WebhookEditorDialog", "Give the webhook a name."),
             QStringLiteral("Dem Webhook einen Namen geben."));
    QCOMPARE(QCoreApplication::translate("WebhookEditorDialog",
                                         "%1 of the last %n event(s) would be delivered.", nullptr, 3),
             QStringLiteral("%1 der letzten 3 Ereignisse würden zugestellt."));

    // The whole window in German: tab titles and the delivery log's headers.
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    Engine engine(fixture.config());
    MainWindow window(engine);
    QStringList tabs;
    for (int i = 0; i < window.tabs()->count(); ++i)
        tabs.append(window.tabs()->tabText(i));
    QCOMPARE(tabs, (QStringList{QStringLiteral("&Zustellungen"), QStringLiteral("&Webhooks"),
                                QStringLiteral("E&reignisse"), QStringLiteral("&Empfänger"),
                                QStringLiteral("Ü&bersicht"), QStringLiteral("Ein&stellungen")}));
    DeliveryLogModel *log = window.deliveriesView()->model();
    QCOMPARE(log->headerData(DeliveryLogModel::NextRetryColumn, Qt::Horizontal).toString(),
             QStringLiteral("Nächster Versuch"));
    QCoreApplication::removeTranslator(&translator);
}

void ConsoleTest::dashboardChartsFollowTheDeliveries()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("charted");
    webhook.url = sink.url().toString();
    fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("dashboard")));
    IntakeClient intake(fixture.intakeUrl());
    for (int i = 0; i < 3; ++i)
        QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, 10000);

    DashboardView *dashboard = window.dashboardView();
    auto sumOf = [](QChart *chart, const QString &name) {
        qreal sum = 0;
        for (QAbstractSeries *series : chart->series()) {
            if (series->name() != name)
                continue;
            for (const QPointF &point : static_cast<QLineSeries *>(series)->points())
                sum += point.y();
        }
        return sum;
    };
    QTRY_COMPARE_WITH_TIMEOUT(
        (dashboard->refresh(), sumOf(dashboard->outcomesChart(), QStringLiteral("2xx"))), 3.0, 10000);
    QCOMPARE(sumOf(dashboard->outcomesChart(), QStringLiteral("failed")), 0.0);
    QCOMPARE(dashboard->outcomesChart()->series().constFirst()->type(), QAbstractSeries::SeriesTypeLine);
    QCOMPARE(static_cast<QLineSeries *>(dashboard->outcomesChart()->series().constFirst())->count(),
             DashboardView::minutesShown);
    QVERIFY(sumOf(dashboard->latencyChart(), QStringLiteral("p95")) >=
            sumOf(dashboard->latencyChart(), QStringLiteral("p50")));
    auto *bars = static_cast<QHorizontalBarSeries *>(dashboard->successChart()->series().constFirst());
    QCOMPARE(bars->barSets().constFirst()->at(0), 100.0);
    QVERIFY(!dashboard->backlogChart()->series().isEmpty());
}

QTEST_MAIN(ConsoleTest)
#include "tst_console.moc"
