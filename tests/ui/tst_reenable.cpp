// A webhook disabled by a real 410: the desktop notification (the in-window path offscreen), and re-enabling
// it from the Dashboard with the preview of what it missed, replaying all of it or none.
#include "DashboardView.h"
#include "DesktopNotifier.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "ReenableWebhookPanel.h"
#include "WebhookListModel.h"
#include "WebhooksView.h"

#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QRadioButton>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

class ReenableTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void disablingShowsTheNotificationInTheWindow();
    void reenableReplaysWhatItMissed();
    void reenableWithoutReplaySendsOnlyNewEvents();

private:
    // A webhook to `sink` that got a 500 (its delivery now waits an hour for a retry, held once disabled)
    // and then a 410 that disabled it; then two more events arrived while it was disabled.
    struct Scenario
    {
        WebhookConfig webhook;
        qint64 heldDelivery = 0;
        qint64 goneDelivery = 0;
    };
    static void disableWithA410(EngineFixture &fixture, HttpSink &sink, Scenario *scenario);
    static QByteArray push(const QString &tag)
    {
        EventFactory::Spec spec;
        spec.tag = tag;
        return EventFactory::envelopeOf(spec);
    }
};

void ReenableTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_reenable"));
    QSettings().clear();
}

void ReenableTest::disableWithA410(EngineFixture &fixture, HttpSink &sink, Scenario *scenario)
{
    WebhookConfig webhook;
    webhook.name = QStringLiteral("gone-hook");
    webhook.url = sink.url().toString();
    webhook.retryScheduleSeconds = {0, 3600};
    webhook.concurrency = 1;
    scenario->webhook = fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    IntakeClient intake(fixture.intakeUrl());
    HttpSink::Behaviour failing;
    failing.status = 500;
    sink.setBehaviour(failing);
    QCOMPARE(intake.post(push(QStringLiteral("1-held"))).status, 202);
    QList<DeliveryRecord> deliveries;
    QTRY_VERIFY_WITH_TIMEOUT((deliveries = fixture.deliveriesOf(scenario->webhook.id)).size() == 1 &&
                                 deliveries.constFirst().attempts == 1,
                             10000);
    scenario->heldDelivery = deliveries.constFirst().id;

    HttpSink::Behaviour gone;
    gone.status = 410;
    sink.setBehaviour(gone);
    QSignalSpy disabled(fixture.engine(), &Engine::webhookDisabled);
    QCOMPARE(intake.post(push(QStringLiteral("2-gone"))).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(disabled.size(), 1, 10000);
    for (const DeliveryRecord &d : fixture.deliveriesOf(scenario->webhook.id)) {
        if (d.id != scenario->heldDelivery)
            scenario->goneDelivery = d.id;
    }
    // Answers 200 from now on; nothing is sent while the webhook is disabled.
    sink.setBehaviour(HttpSink::Behaviour());
    for (const QString &tag : {QStringLiteral("3-missed"), QStringLiteral("4-missed")}) {
        QCOMPARE(intake.post(push(tag)).status, 202);
    }
    QCOMPARE(sink.count(), 2);
    QCOMPARE(fixture.deliveriesOf(scenario->webhook.id).size(), 2);
}

void ReenableTest::disablingShowsTheNotificationInTheWindow()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("notified-hook");
    webhook.url = sink.url().toString();
    webhook = fixture.addWebhook(webhook);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    DesktopNotifier *notifier = window.notifier();
    // Offscreen has no system tray: the class chooses the in-window path by itself.
    QCOMPARE(QSystemTrayIcon::isSystemTrayAvailable(), false);
    QCOMPARE(notifier->path(), DesktopNotifier::Path::InWindow);
    QVERIFY(!notifier->banner()->isVisible());

    HttpSink::Behaviour gone;
    gone.status = 410;
    sink.setBehaviour(gone);
    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(push(QStringLiteral("1.0"))).status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(notifier->banner()->isVisible(), 10000);
    QCOMPARE(notifier->lastTitle(), QStringLiteral("Webhook notified-hook disabled"));
    QVERIFY2(notifier->lastMessage().contains(QStringLiteral("answered 410 Gone")),
             qPrintable(notifier->lastMessage()));
    QCOMPARE(notifier->lastWebhookId(), webhook.id);
    QVERIFY(notifier->banner()
                ->findChild<QLabel *>(QStringLiteral("notificationText"))
                ->text()
                .contains(QStringLiteral("notified-hook")));
    QVERIFY(notifier->trayIcon() == nullptr);

    // "Show webhook": the Webhooks screen with it selected, the message gone.
    QTest::mouseClick(notifier->banner()->findChild<QPushButton *>(QStringLiteral("notificationShowWebhook")),
                      Qt::LeftButton);
    QVERIFY(!notifier->banner()->isVisible());
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.webhooksView()));
    const QModelIndex current = window.webhooksView()->table()->currentIndex();
    QVERIFY(current.isValid());
    QCOMPARE(window.webhooksView()->model()->webhookAt(current.row())->id, webhook.id);

    // "Re-enable…" leads to the Dashboard with the webhook chosen.
    notifier->webhookDisabled(webhook.id, webhook.name, QStringLiteral("again"));
    QVERIFY(notifier->banner()->isVisible());
    QTest::mouseClick(notifier->banner()->findChild<QPushButton *>(QStringLiteral("notificationReenable")),
                      Qt::LeftButton);
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.dashboardView()));
    QCOMPARE(window.dashboardView()->reenablePanel()->chosenWebhookId(), webhook.id);
}

void ReenableTest::reenableReplaysWhatItMissed()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    Scenario scenario;
    disableWithA410(fixture, sink, &scenario);
    if (QTest::currentTestFailed())
        return;

    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("dashboard")));
    ReenableWebhookPanel *panel = window.dashboardView()->reenablePanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->isVisible(), 10000);
    QCOMPARE(panel->chosenWebhookId(), scenario.webhook.id);
    QTRY_COMPARE_WITH_TIMEOUT(panel->preview().deliveries.size(), 4, 10000);
    QCOMPARE(panel->preview().count(MissedDelivery::Kind::Failed), 1);
    QCOMPARE(panel->preview().count(MissedDelivery::Kind::Held), 1);
    QCOMPARE(panel->preview().count(MissedDelivery::Kind::NotRouted), 2);
    QVERIFY2(panel->findChild<QLabel *>(QStringLiteral("disabledReason"))
                 ->text()
                 .contains(QStringLiteral("410 Gone")),
             qPrintable(panel->findChild<QLabel *>(QStringLiteral("disabledReason"))->text()));
    const QString summary = panel->findChild<QLabel *>(QStringLiteral("missedSummary"))->text();
    QVERIFY2(summary.startsWith(QStringLiteral("Missed since it was added (no success yet): 4 deliveries; "
                                               "1 failed, 1 held while disabled, 2 events not delivered.")),
             qPrintable(summary));

    // The table: time, event, state, newest first.
    QTableWidget *table = panel->previewTable();
    QCOMPARE(table->rowCount(), 4);
    QMap<QString, QString> stateByEvent;
    for (int row = 0; row < table->rowCount(); ++row) {
        QVERIFY(QDateTime::fromString(table->item(row, ReenableWebhookPanel::TimeColumn)->text(),
                                      QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                    .isValid());
        stateByEvent.insert(table->item(row, ReenableWebhookPanel::EventColumn)->text(),
                            table->item(row, ReenableWebhookPanel::StateColumn)->text());
    }
    QCOMPARE(stateByEvent.value(QStringLiteral("push team/app:1-held")),
             QStringLiteral("pending, held while disabled"));
    QCOMPARE(stateByEvent.value(QStringLiteral("push team/app:2-gone")), QStringLiteral("failed (HTTP 410)"));
    QCOMPARE(stateByEvent.value(QStringLiteral("push team/app:3-missed")),
             QStringLiteral("not delivered, arrived while disabled"));
    QCOMPARE(stateByEvent.value(QStringLiteral("push team/app:4-missed")),
             QStringLiteral("not delivered, arrived while disabled"));
    QCOMPARE(table->item(0, ReenableWebhookPanel::EventColumn)->text(),
             QStringLiteral("push team/app:4-missed"));

    // Replay all (the default choice) and re-enable: the four reach the sink.
    QVERIFY(panel->replayAllButton()->isChecked());
    QCOMPARE(panel->replayAllButton()->text(), QStringLiteral("Replay &all missed (4)"));
    QTRY_VERIFY_WITH_TIMEOUT(panel->reenableButton()->isEnabled(), 10000);
    QTest::mouseClick(panel->reenableButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 6, 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(panel->resultLabel()->text().contains(
                                  QStringLiteral("enabled again; missed deliveries being sent: 4.")),
                              qPrintable(panel->resultLabel()->text()), 10000);
    QSet<QString> tags;
    for (const CapturedRequest &request : sink.requests().mid(2)) {
        for (const QString &tag : {QStringLiteral("1-held"), QStringLiteral("2-gone"),
                                   QStringLiteral("3-missed"), QStringLiteral("4-missed")}) {
            if (request.body.contains(tag.toUtf8()))
                tags.insert(tag);
        }
    }
    QCOMPARE(tags.size(), 4);
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(scenario.webhook.id);
    QCOMPARE(deliveries.size(), 4);
    for (const DeliveryRecord &d : deliveries)
        QVERIFY(fixture.waitForState(d.id, DeliveryState::Succeeded));
    QCOMPARE(fixture.store().webhook(scenario.webhook.id)->enabled, true);
    // Nothing is disabled any more: the box has only its result to show.
    QTRY_COMPARE_WITH_TIMEOUT(panel->findChild<QComboBox *>(QStringLiteral("disabledWebhookChoice"))->count(),
                              0, 10000);
}

void ReenableTest::reenableWithoutReplaySendsOnlyNewEvents()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    Scenario scenario;
    disableWithA410(fixture, sink, &scenario);
    if (QTest::currentTestFailed())
        return;

    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("dashboard")));
    ReenableWebhookPanel *panel = window.dashboardView()->reenablePanel();
    QTRY_COMPARE_WITH_TIMEOUT(panel->preview().deliveries.size(), 4, 10000);
    QCOMPARE(panel->replayNoneButton()->text(),
             QStringLiteral("Replay &none: cancel the held ones (1), send only new events"));
    panel->replayNoneButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel->reenableButton()->isEnabled(), 10000);
    QTest::mouseClick(panel->reenableButton(), Qt::LeftButton);
    QTRY_VERIFY2_WITH_TIMEOUT(
        panel->resultLabel()->text().contains(QStringLiteral("nothing it missed is sent")),
        qPrintable(panel->resultLabel()->text()), 10000);
    QVERIFY(fixture.store().delivery(scenario.heldDelivery)->state == DeliveryState::Cancelled);
    QVERIFY(fixture.store().delivery(scenario.goneDelivery)->state == DeliveryState::Failed);

    // A new event goes out; nothing from the disabled time comes with it.
    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(push(QStringLiteral("5-after"))).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 3, 10000);
    const QList<DeliveryRecord> deliveries = fixture.deliveriesOf(scenario.webhook.id);
    QCOMPARE(deliveries.size(), 3);
    for (const DeliveryRecord &d : deliveries) {
        if (d.id != scenario.heldDelivery && d.id != scenario.goneDelivery)
            QVERIFY(fixture.waitForState(d.id, DeliveryState::Succeeded));
    }
    QCOMPARE(sink.count(), 3);
    QVERIFY(sink.requests().constLast().body.contains("5-after"));
}

QTEST_MAIN(ReenableTest)
#include "tst_reenable.moc"
