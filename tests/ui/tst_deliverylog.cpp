// The Deliveries screen: the paged SQL model under QAbstractItemModelTester, and the live workflow through
// the real widgets (event in at the intake, failure, replay from the detail pane, success).
#include "DeliveriesView.h"
#include "DeliveryDetailPane.h"
#include "DeliveryLogModel.h"
#include "DeliveryLogQuery.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QUuid>

class DeliveryLogTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void pagesMatchTheWholeHistoryInBothOrders();
    void filtersAndSortsInSql();
    void liveArrivalsAreInsertedInBatches();
    void filtersAreKeptAcrossRestarts();
    void failReplaySucceedThroughTheWidgets();
    void cancelPendingRetriesFromTheDetailPane();
    void replayAllFailedInTheView();
    void bulkReplayCanBeCancelled();

private:
    // Events and deliveries written straight into the fixture's database, as the intake would.
    static QList<qint64> addDeliveries(EngineFixture &fixture, qint64 webhookId, int count,
                                       const QString &repository = QStringLiteral("team/app"));
    static void execSql(EngineFixture &fixture, const QString &sql);
};

void DeliveryLogTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_deliverylog"));
}

void DeliveryLogTest::init()
{
    QSettings().clear();
}

QList<qint64> DeliveryLogTest::addDeliveries(EngineFixture &fixture, qint64 webhookId, int count,
                                             const QString &repository)
{
    Store &store = fixture.store();
    QList<qint64> ids;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    store.beginWrite();
    for (int i = 0; i < count; ++i) {
        RegistryEvent event;
        event.eventId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        event.timestamp = event.receivedAt = QDateTime::currentDateTimeUtc();
        event.action = QStringLiteral("push");
        event.repository = repository;
        event.tag = QStringLiteral("v%1").arg(i);
        event.contentType = "application/vnd.docker.distribution.events.v1+json";
        event.rawJson = "{}";
        const qint64 row = store.insertEvent(event);
        ids.append(store.insertDelivery(row, webhookId, QStringLiteral("msg_%1").arg(row), now + i));
    }
    store.commit();
    return ids;
}

void DeliveryLogTest::execSql(EngineFixture &fixture, const QString &sql)
{
    const QString name = QStringLiteral("tst-sql");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(fixture.databasePath());
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY2(query.exec(sql), qPrintable(sql));
    }
    QSqlDatabase::removeDatabase(name);
}

void DeliveryLogTest::pagesMatchTheWholeHistoryInBothOrders()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("hook");
    webhook.url = QStringLiteral("http://127.0.0.1:9/x");
    webhook = fixture.addWebhook(webhook);
    // More than two pages, and not a multiple of the page size, so the reversed read of the deep pages and
    // the short last page are both exercised.
    const QList<qint64> ids = addDeliveries(fixture, webhook.id, 2 * DeliveryLogModel::pageSize + 57);

    DeliveryLogQuery query;
    QString error;
    QVERIFY2(query.open(fixture.databasePath(), &error), qPrintable(error));
    DeliveryLogModel model(query);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), ids.size());
    QCOMPARE(model.columnCount(), int(DeliveryLogModel::ColumnCount));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.deliveryIdAt(row), ids.at(ids.size() - 1 - row)); // newest first
    QCOMPARE(model.index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push team/app:v%1").arg(ids.size() - 1));
    QCOMPARE(model.index(0, DeliveryLogModel::StatusColumn).data().toString(), QStringLiteral("pending"));

    model.sort(DeliveryLogModel::TimeColumn, Qt::AscendingOrder);
    QCOMPARE(model.rowCount(), ids.size());
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.deliveryIdAt(row), ids.at(row));
}

void DeliveryLogTest::filtersAndSortsInSql()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig a;
    a.name = QStringLiteral("alpha");
    a.url = QStringLiteral("http://127.0.0.1:9/a");
    a = fixture.addWebhook(a);
    WebhookConfig b = a;
    b.id = 0;
    b.name = QStringLiteral("bravo");
    b = fixture.addWebhook(b);
    const QList<qint64> alpha = addDeliveries(fixture, a.id, 30, QStringLiteral("prod/api"));
    const QList<qint64> bravo = addDeliveries(fixture, b.id, 20, QStringLiteral("dev/web"));
    // Ten of alpha's failed with a 503, five of bravo's succeeded.
    execSql(fixture,
            QStringLiteral("UPDATE deliveries SET state = 'failed', last_status = 503, total_attempts = 1 "
                           "WHERE id <= %1")
                .arg(alpha.at(9)));
    execSql(fixture, QStringLiteral("UPDATE deliveries SET state = 'succeeded', last_status = 200, "
                                    "total_attempts = 1 WHERE id >= %1")
                         .arg(bravo.at(15)));

    DeliveryLogQuery query;
    QString error;
    QVERIFY2(query.open(fixture.databasePath(), &error), qPrintable(error));
    DeliveryLogModel model(query);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 50);

    DeliveryLogFilter filter;
    filter.state = QStringLiteral("failed");
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 10);
    filter = {};
    filter.webhookId = b.id;
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 20);
    filter = {};
    filter.text = QStringLiteral("prod");
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 30);
    filter.text = QStringLiteral("dev/web:v1"); // v1, v10..v19
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 11);
    filter = {};
    filter.httpStatus = QStringLiteral("5xx");
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 10);
    filter.httpStatus = QStringLiteral("200");
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 5);
    filter.httpStatus = QStringLiteral("none");
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 35);
    filter = {};
    filter.range = DeliveryLogFilter::TimeRange::LastHour;
    model.setFilter(filter);
    QCOMPARE(model.rowCount(), 50);

    // Sorted by webhook name: alpha's rows first when ascending.
    model.setFilter({});
    model.sort(DeliveryLogModel::WebhookColumn, Qt::AscendingOrder);
    QCOMPARE(model.index(0, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("alpha"));
    QCOMPARE(model.index(49, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("bravo"));
    model.sort(DeliveryLogModel::WebhookColumn, Qt::DescendingOrder);
    QCOMPARE(model.index(0, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("bravo"));
    model.sort(DeliveryLogModel::HttpStatusColumn, Qt::DescendingOrder);
    QCOMPARE(model.index(0, DeliveryLogModel::HttpStatusColumn).data().toString(), QStringLiteral("503"));
}

void DeliveryLogTest::liveArrivalsAreInsertedInBatches()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("hook");
    webhook.url = QStringLiteral("http://127.0.0.1:9/x");
    webhook = fixture.addWebhook(webhook);
    addDeliveries(fixture, webhook.id, 5);

    DeliveryLogQuery query;
    QString error;
    QVERIFY2(query.open(fixture.databasePath(), &error), qPrintable(error));
    DeliveryLogModel model(query);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int inserts = 0;
    int resets = 0;
    connect(&model, &QAbstractItemModel::rowsInserted, this, [&] { ++inserts; });
    connect(&model, &QAbstractItemModel::modelReset, this, [&] { ++resets; });
    QCOMPARE(model.rowCount(), 5);

    // Many notes, one batch: a single insertion of all new rows at the top.
    const QList<qint64> added = addDeliveries(fixture, webhook.id, 40);
    for (qint64 id : added)
        model.noteChanged(id);
    QSignalSpy refreshed(&model, &DeliveryLogModel::refreshed);
    QVERIFY(refreshed.wait(5000));
    QCOMPARE(refreshed.size(), 1);
    QCOMPARE(refreshed.first().first().value<QSet<qint64>>().size(), 40);
    QCOMPARE(inserts, 1);
    QCOMPARE(resets, 0);
    QCOMPARE(model.rowCount(), 45);
    QCOMPARE(model.deliveryIdAt(0), added.last());

    // Under a state filter, a change of state moves a row out of the view.
    DeliveryLogFilter pendingOnly;
    pendingOnly.state = QStringLiteral("pending");
    model.setFilter(pendingOnly);
    QCOMPARE(model.rowCount(), 45);
    execSql(fixture,
            QStringLiteral("UPDATE deliveries SET state = 'cancelled' WHERE id = %1").arg(added.first()));
    model.noteChanged(added.first());
    model.refreshNow();
    QCOMPARE(model.rowCount(), 44);
}

void DeliveryLogTest::filtersAreKeptAcrossRestarts()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig webhook;
    webhook.name = QStringLiteral("hook");
    webhook.url = QStringLiteral("http://127.0.0.1:9/x");
    webhook = fixture.addWebhook(webhook);
    QVERIFY(fixture.start());
    {
        MainWindow window(*fixture.engine());
        DeliveriesView *view = window.deliveriesView();
        QVERIFY(view);
        auto *state = view->findChild<QComboBox *>(QStringLiteral("stateFilter"));
        auto *hook = view->findChild<QComboBox *>(QStringLiteral("webhookFilter"));
        auto *text = view->findChild<QLineEdit *>(QStringLiteral("textFilter"));
        auto *http = view->findChild<QLineEdit *>(QStringLiteral("httpStatusFilter"));
        auto *range = view->findChild<QComboBox *>(QStringLiteral("rangeFilter"));
        QVERIFY(state && hook && text && http && range);
        state->setCurrentIndex(state->findData(QStringLiteral("failed")));
        hook->setCurrentIndex(hook->findData(webhook.id));
        range->setCurrentIndex(range->findData(int(DeliveryLogFilter::TimeRange::Last24Hours)));
        QTest::keyClicks(text, QStringLiteral("team/app"));
        QTest::keyClicks(http, QStringLiteral("5xx"));
        QTRY_COMPARE(view->model()->filter().httpStatus, QStringLiteral("5xx"));
        QCOMPARE(view->model()->filter().text, QStringLiteral("team/app"));
    }
    MainWindow window(*fixture.engine());
    const DeliveryLogFilter restored = window.deliveriesView()->model()->filter();
    QCOMPARE(restored.state, QStringLiteral("failed"));
    QCOMPARE(restored.webhookId, webhook.id);
    QCOMPARE(restored.text, QStringLiteral("team/app"));
    QCOMPARE(restored.httpStatus, QStringLiteral("5xx"));
    QCOMPARE(restored.range, DeliveryLogFilter::TimeRange::Last24Hours);
    QCOMPARE(window.deliveriesView()->findChild<QLineEdit *>(QStringLiteral("textFilter"))->text(),
             QStringLiteral("team/app"));
}

void DeliveryLogTest::failReplaySucceedThroughTheWidgets()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    sink.setBehaviour(failing);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("deploy-bot");
    webhook.url = sink.url().toString();
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    DeliveriesView *view = window.deliveriesView();
    DeliveryLogModel *model = view->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), 0);

    IntakeClient intake(fixture.intakeUrl());
    EventFactory::Spec spec;
    spec.repository = QStringLiteral("team/api");
    spec.tag = QStringLiteral("2.0");
    QCOMPARE(intake.post(EventFactory::envelopeOf(spec)).status, 202);

    // It appears live, fails (one attempt allowed, the sink answers 500).
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("failed"), 10000);
    QCOMPARE(model->index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push team/api:2.0"));
    QCOMPARE(model->index(0, DeliveryLogModel::HttpStatusColumn).data().toString(), QStringLiteral("500"));

    view->table()->setFocus();
    view->table()->selectRow(0);
    DeliveryDetailPane *detail = view->detailPane();
    QCOMPARE(detail->deliveryId(), model->deliveryIdAt(0));
    auto *timeline = detail->findChild<QListWidget *>(QStringLiteral("attemptTimeline"));
    auto *response = detail->findChild<QPlainTextEdit *>(QStringLiteral("responseText"));
    auto *request = detail->findChild<QPlainTextEdit *>(QStringLiteral("requestText"));
    QCOMPARE(timeline->count(), 1);
    QVERIFY2(response->toPlainText().startsWith(QStringLiteral("HTTP 500")),
             qPrintable(response->toPlainText()));
    QVERIFY(request->toPlainText().contains(QStringLiteral("webhook-id: msg_")));
    QVERIFY(request->toPlainText().contains(QStringLiteral("\"repository\": \"team/api\"")));

    // Copy as curl: a command that resends this request.
    QTest::mouseClick(detail->findChild<QPushButton *>(QStringLiteral("copyCurlButton")), Qt::LeftButton);
    const QString curl = QGuiApplication::clipboard()->text();
    QVERIFY2(curl.startsWith(QStringLiteral("curl -X POST '") + sink.url().toString()), qPrintable(curl));
    QVERIFY(curl.contains(QStringLiteral("-H 'webhook-id: msg_")));

    // The receiver is fixed; replay from the detail pane.
    HttpSink::Behaviour healthy;
    sink.setBehaviour(healthy);
    auto *replay = detail->findChild<QPushButton *>(QStringLiteral("replayButton"));
    QVERIFY(replay->isEnabled());
    QTest::mouseClick(replay, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("succeeded"), 10000);
    QCOMPARE(model->index(0, DeliveryLogModel::HttpStatusColumn).data().toString(), QStringLiteral("200"));
    QCOMPARE(model->index(0, DeliveryLogModel::StatusColumn).data().toString(),
             QStringLiteral("succeeded (replay)"));
    QTRY_COMPARE(timeline->count(), 2);
    QVERIFY2(response->toPlainText().startsWith(QStringLiteral("HTTP 200")),
             qPrintable(response->toPlainText()));
    QVERIFY(timeline->item(1)->text().contains(QStringLiteral("(replay)")));
    QCOMPARE(sink.count(), 2);
    // Both requests carry the same webhook-id: a replay is the same message.
    QCOMPARE(sink.requests().at(0).header("webhook-id"), sink.requests().at(1).header("webhook-id"));
}

void DeliveryLogTest::cancelPendingRetriesFromTheDetailPane()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 503;
    sink.setBehaviour(failing);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("flaky");
    webhook.url = sink.url().toString();
    webhook.retryScheduleSeconds = {0, 3600}; // the second attempt is an hour away
    webhook = fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    DeliveriesView *view = window.deliveriesView();
    DeliveryLogModel *model = view->model();
    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, DeliveryLogModel::AttemptsColumn).data().toInt(), 1, 10000);
    QCOMPARE(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(), QStringLiteral("pending"));
    QVERIFY(!model->index(0, DeliveryLogModel::NextRetryColumn).data().toString().isEmpty());

    view->table()->setFocus();
    view->table()->selectRow(0);
    auto *cancel = view->detailPane()->findChild<QPushButton *>(QStringLiteral("cancelRetriesButton"));
    QVERIFY(cancel->isEnabled());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("cancelled"), 10000);
    QTRY_VERIFY(!cancel->isEnabled());
    QCOMPARE(sink.count(), 1);
}

void DeliveryLogTest::replayAllFailedInTheView()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    sink.setBehaviour(failing);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("bulk");
    webhook.url = sink.url().toString();
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    DeliveriesView *view = window.deliveriesView();
    DeliveryLogModel *model = view->model();
    IntakeClient intake(fixture.intakeUrl());
    for (const QString &repository :
         {QStringLiteral("prod/a"), QStringLiteral("prod/b"), QStringLiteral("dev/c")}) {
        EventFactory::Spec spec;
        spec.repository = repository;
        QCOMPARE(intake.post(EventFactory::envelopeOf(spec)).status, 202);
    }
    DeliveryLogFilter failedOnly;
    failedOnly.state = QStringLiteral("failed");
    model->setFilter(failedOnly);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, 10000);
    // Only what the view shows: the prod ones.
    DeliveryLogFilter prodFailed = failedOnly;
    prodFailed.text = QStringLiteral("prod/");
    model->setFilter(prodFailed);
    QCOMPARE(model->rowCount(), 2);

    sink.setBehaviour(HttpSink::Behaviour());
    QTest::mouseClick(view->findChild<QPushButton *>(QStringLiteral("bulkReplayButton")), Qt::LeftButton);
    QMessageBox *confirm = nullptr;
    QTRY_VERIFY((confirm = view->findChild<QMessageBox *>(QStringLiteral("bulkReplayConfirm"))));
    QCOMPARE(confirm->text(), QStringLiteral("Replay 2 failed delivery(ies) shown by the current filters?"));
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    auto *result = view->findChild<QLabel *>(QStringLiteral("bulkReplayResult"));
    QTRY_COMPARE_WITH_TIMEOUT(result->text(), QStringLiteral("Replaying 2 failed delivery(ies)."), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 0, 10000); // no longer failed
    model->setFilter({});
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 5, 10000);
    DeliveryLogFilter succeeded;
    succeeded.state = QStringLiteral("succeeded");
    model->setFilter(succeeded);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 10000);
    model->setFilter(failedOnly);
    QCOMPARE(model->rowCount(), 1); // dev/c was not in the view
}

void DeliveryLogTest::bulkReplayCanBeCancelled()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("gone");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    webhook = fixture.addWebhook(webhook);
    addDeliveries(fixture, webhook.id, 500);
    execSql(fixture, QStringLiteral("UPDATE deliveries SET state = 'failed', next_attempt_at = NULL"));

    MainWindow window(*fixture.engine());
    window.show();
    DeliveriesView *view = window.deliveriesView();
    DeliveryLogFilter failedOnly;
    failedOnly.state = QStringLiteral("failed");
    view->model()->setFilter(failedOnly);
    QCOMPARE(view->model()->rowCount(), 500);

    view->replayAllFailed();
    QMessageBox *confirm = nullptr;
    QTRY_VERIFY((confirm = view->findChild<QMessageBox *>(QStringLiteral("bulkReplayConfirm"))));
    QCOMPARE(confirm->text(),
             QStringLiteral("Replay 500 failed delivery(ies) shown by the current filters?"));
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    // Cancel before the first chunk went out: nothing is replayed.
    auto *progress = view->findChild<QProgressDialog *>(QStringLiteral("bulkReplayProgress"));
    QVERIFY(progress);
    QCOMPARE(progress->maximum(), 500);
    auto *cancelButton = progress->findChild<QPushButton *>();
    QVERIFY(cancelButton);
    QTest::mouseClick(cancelButton, Qt::LeftButton);
    QCOMPARE(view->findChild<QLabel *>(QStringLiteral("bulkReplayResult"))->text(),
             QStringLiteral("Cancelled: 0 of 500 failed deliveries replayed."));
    QTest::qWait(500); // what would have been sent by now has not been
    QCOMPARE(fixture.store().queueDepth().pending, 0);
    view->model()->refreshNow();
    QCOMPARE(view->model()->rowCount(), 500);
}

QTEST_MAIN(DeliveryLogTest)
#include "tst_deliverylog.moc"
