// The console on either backend: every query class of the console (the delivery log with each filter and
// sort, recent events, webhook health, the dashboard's minutes) answers correctly, and the live workflow
// runs through the real widgets (an event in at the intake, the delivery live in the log, the text filter,
// a replay). ctest runs this twice: ui_consolebackends on SQLite and ui_consolebackends_postgresql on a
// private PostgreSQL cluster (TIDINGS_TEST_BACKEND, see EngineFixture).
#include "DashboardQuery.h"
#include "DeliveriesView.h"
#include "DeliveryDetailPane.h"
#include "DeliveryLogModel.h"
#include "DeliveryLogQuery.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "RecentEventsQuery.h"
#include "TextIndexFile.h"
#include "WebhookHealthQuery.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

class ConsoleBackendsTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void everyConsoleQueryAnswers();
    void liveFilterAndReplayThroughTheWidgets();
    void stateFilterRecountRunsOffTheUiThread();

private:
    // An event and its delivery, with one finished attempt when `status` is not 0 (2xx: succeeded,
    // otherwise failed), written through the store as the engine would.
    static qint64 addDelivery(Store &store, qint64 webhookId, const QString &repository, const QString &tag,
                              int status);
};

void ConsoleBackendsTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_consolebackends"));
    qInfo("backend: %s", qPrintable(EngineFixture::backend()));
}

void ConsoleBackendsTest::init()
{
    QSettings().clear();
}

qint64 ConsoleBackendsTest::addDelivery(Store &store, qint64 webhookId, const QString &repository,
                                        const QString &tag, int status)
{
    static int counter = 0;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    RegistryEvent event;
    event.eventId = QStringLiteral("backend-%1").arg(++counter);
    event.timestamp = event.receivedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    event.action = QStringLiteral("push");
    event.repository = repository;
    event.tag = tag;
    event.contentType = "application/vnd.docker.distribution.events.v1+json";
    event.rawJson = "{\"id\":\"" + event.eventId.toUtf8() + "\"}";
    if (!store.beginWrite())
        return 0;
    const qint64 row = store.insertEvent(event);
    const qint64 id = store.insertDelivery(row, webhookId, QStringLiteral("msg_%1").arg(row), now);
    if (!store.commit() || id <= 0)
        return 0;
    if (status == 0)
        return id;
    if (!store.beginWrite() || !store.claimDelivery(id, QStringLiteral("test"), now, now + 60000) ||
        !store.commit())
        return 0;
    AttemptRecord attempt;
    attempt.deliveryId = id;
    attempt.number = 1;
    attempt.startedAt = QDateTime::currentDateTimeUtc();
    attempt.durationMs = 7;
    attempt.url = QStringLiteral("http://127.0.0.1:9/x");
    attempt.requestBody = "{}";
    attempt.responseStatus = status;
    if (status < 200 || status >= 300)
        attempt.errorClass = QStringLiteral("http");
    const AttemptOutcome outcome{
        status >= 200 && status < 300 ? DeliveryState::Succeeded : DeliveryState::Failed, QDateTime()};
    return store.recordAttempt(attempt, outcome, QStringLiteral("test")) ? id : 0;
}

void ConsoleBackendsTest::everyConsoleQueryAnswers()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    Store &store = fixture.store();
    WebhookConfig alpha;
    alpha.name = QStringLiteral("alpha");
    alpha.url = QStringLiteral("http://127.0.0.1:9/a");
    alpha = fixture.addWebhook(alpha);
    WebhookConfig bravo = alpha;
    bravo.id = 0;
    bravo.name = QStringLiteral("bravo");
    bravo = fixture.addWebhook(bravo);
    // alpha: 12 prod/api deliveries, tags v0..v11, the first 4 failed with 503, the next 4 succeeded, the
    // rest pending. bravo: 6 dev/web deliveries tagged prod-0..prod-5 (the text "prod" finds them by their
    // tag), 2 succeeded.
    for (int i = 0; i < 12; ++i)
        QVERIFY(addDelivery(store, alpha.id, QStringLiteral("prod/api"), QStringLiteral("v%1").arg(i),
                            i < 4 ? 503 : (i < 8 ? 200 : 0)) > 0);
    // The log opens before the engine's TextIndexer has created the index file (as a console can), and
    // attaches it at its first snapshot after.
    DeliveryLogQuery query;
    QString error;
    QVERIFY2(query.open(fixture.databaseLocation(), &error), qPrintable(error));
    // On SQLite the text index holds alpha's events and not yet bravo's (the engine's TextIndexer adds new
    // events in batches after their commit): the text filter must find both, from the index and by LIKE
    // above its mark.
    if (EngineFixture::backend() == QLatin1String("sqlite")) {
        QVERIFY(!QFile::exists(TextIndexFile::pathFor(fixture.databasePath())));
        TextIndexFile index;
        QVERIFY2(index.open(fixture.databasePath(), &error), qPrintable(error));
        QCOMPARE(index.indexBatch(1000), 12);
    }
    for (int i = 0; i < 6; ++i)
        QVERIFY(addDelivery(store, bravo.id, QStringLiteral("dev/web"), QStringLiteral("prod-%1").arg(i),
                            i < 2 ? 200 : 0) > 0);

    QCOMPARE(query.backend(), EngineFixture::backend());
    DeliveryLogModel model(query);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 18);
    QCOMPARE(model.index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push dev/web:prod-5"));
    QCOMPARE(model.index(17, DeliveryLogModel::StatusColumn).data().toString(), QStringLiteral("failed"));
    QCOMPARE(model.index(17, DeliveryLogModel::HttpStatusColumn).data().toString(), QStringLiteral("503"));
    QCOMPARE(model.index(17, DeliveryLogModel::DurationColumn).data().toString(), QStringLiteral("7 ms"));

    struct Case
    {
        const char *what;
        DeliveryLogFilter filter;
        int rows;
        bool indexedOnSqlite;
    };
    auto filter = [](auto change) {
        DeliveryLogFilter f;
        change(f);
        return f;
    };
    const QList<Case> cases = {
        {"state", filter([](DeliveryLogFilter &f) { f.state = QStringLiteral("failed"); }), 4, false},
        {"webhook", filter([&](DeliveryLogFilter &f) { f.webhookId = bravo.id; }), 6, false},
        {"text in either column", filter([](DeliveryLogFilter &f) { f.text = QStringLiteral("prod"); }), 18,
         true},
        {"text in the tag only", filter([](DeliveryLogFilter &f) { f.text = QStringLiteral("PROD-"); }), 6,
         true},
        {"repository:tag", filter([](DeliveryLogFilter &f) { f.text = QStringLiteral("prod/api:v10"); }), 1,
         true},
        {"repository:short tag (a scan)",
         filter([](DeliveryLogFilter &f) { f.text = QStringLiteral("prod/api:v1"); }), 3, false},
        {"text and state", filter([](DeliveryLogFilter &f) {
             f.text = QStringLiteral("prod/");
             f.state = QStringLiteral("succeeded");
         }),
         4, true},
        {"text with LIKE wildcards", filter([](DeliveryLogFilter &f) { f.text = QStringLiteral("pr%d"); }), 0,
         true},
        {"HTTP class", filter([](DeliveryLogFilter &f) { f.httpStatus = QStringLiteral("5xx"); }), 4, false},
        {"HTTP 200", filter([](DeliveryLogFilter &f) { f.httpStatus = QStringLiteral("200"); }), 6, false},
        {"no answer", filter([](DeliveryLogFilter &f) { f.httpStatus = QStringLiteral("none"); }), 8, false},
        {"last hour", filter([](DeliveryLogFilter &f) { f.range = DeliveryLogFilter::TimeRange::LastHour; }),
         18, false},
    };
    for (const Case &c : cases) {
        model.setFilter(c.filter);
        QVERIFY2(query.lastError().isEmpty(),
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.what), query.lastError())));
        QVERIFY2(model.rowCount() == c.rows, qPrintable(QStringLiteral("%1: %2 rows, expected %3")
                                                            .arg(QLatin1String(c.what))
                                                            .arg(model.rowCount())
                                                            .arg(c.rows)));
        // Every row reads (the pages' SQL), in both orders.
        for (int row = 0; row < model.rowCount(); ++row)
            QVERIFY(model.deliveryIdAt(row) > 0);
        if (EngineFixture::backend() == QLatin1String("sqlite"))
            QVERIFY2(query.textFilterIndexed() == c.indexedOnSqlite, c.what);
    }

    // Replay-all's id list and the live count of arrivals follow an indexed text filter.
    DeliveryLogFilter text;
    text.text = QStringLiteral("prod/api");
    model.setFilter(text);
    QCOMPARE(model.rowCount(), 12);
    QCOMPARE(model.failedIdsInView().size(), 4);
    QVERIFY(addDelivery(store, alpha.id, QStringLiteral("prod/api"), QStringLiteral("late"), 503) > 0);
    QVERIFY(addDelivery(store, bravo.id, QStringLiteral("dev/web"), QStringLiteral("late"), 0) > 0);
    model.refreshNow();
    QVERIFY2(query.lastError().isEmpty(), qPrintable(query.lastError()));
    QCOMPARE(model.rowCount(), 13);
    QCOMPARE(model.index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push prod/api:late"));
    QCOMPARE(model.failedIdsInView().size(), 5);

    // Every sort key, both orders, over the whole log.
    model.setFilter({});
    for (int column = 0; column < DeliveryLogModel::ColumnCount; ++column) {
        for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            model.sort(column, order);
            QCOMPARE(model.rowCount(), 20);
            QVERIFY(model.deliveryIdAt(19) > 0);
            QVERIFY2(query.lastError().isEmpty(), qPrintable(query.lastError()));
        }
    }
    model.sort(DeliveryLogModel::WebhookColumn, Qt::AscendingOrder);
    QCOMPARE(model.index(0, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("alpha"));
    QCOMPARE(model.index(19, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("bravo"));

    // The other screens' queries on the same connection.
    const QList<RegistryEvent> events = RecentEventsQuery::load(query.connectionName(), 5);
    QCOMPARE(events.size(), 5);
    QCOMPARE(events.first().tag, QStringLiteral("late"));
    QVERIFY(events.first().rawJson.startsWith("{\"id\":\"backend-"));
    const QHash<qint64, WebhookHealth> health =
        WebhookHealthQuery::load(query.connectionName(), QDateTime::currentDateTimeUtc().addDays(-1));
    QCOMPARE(health.value(alpha.id).succeeded, 4);
    QCOMPARE(health.value(alpha.id).failed, 5);
    QCOMPARE(health.value(bravo.id).succeeded, 2);
    QCOMPARE(health.value(bravo.id).lastState, DeliveryState::Pending);
    QVERIFY(health.value(bravo.id).lastDeliveryAt.isValid());
    const QList<DashboardMinute> minutes =
        DashboardQuery::attemptsByMinute(query.connectionName(), QDateTime::currentDateTimeUtc(), 60);
    int succeeded = 0;
    int failed = 0;
    for (const DashboardMinute &m : minutes) {
        succeeded += m.succeeded;
        failed += m.failed;
    }
    QCOMPARE(succeeded, 6);
    QCOMPARE(failed, 5);
}

void ConsoleBackendsTest::liveFilterAndReplayThroughTheWidgets()
{
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
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
    QVERIFY2(view, "the console did not open the database");
    DeliveryLogModel *model = view->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), 0);

    IntakeClient intake(fixture.intakeUrl());
    EventFactory::Spec api;
    api.repository = QStringLiteral("team/api");
    api.tag = QStringLiteral("2.0");
    EventFactory::Spec web;
    web.repository = QStringLiteral("team/web");
    web.tag = QStringLiteral("3.1");
    QCOMPARE(intake.post(EventFactory::envelopeOf(api)).status, 202);
    QCOMPARE(intake.post(EventFactory::envelopeOf(web)).status, 202);

    // Both appear live and fail (one attempt allowed, the receiver answers 500).
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(1, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("failed"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("failed"), 10000);

    // The text filter, typed into the filter box.
    auto *textFilter = view->findChild<QLineEdit *>(QStringLiteral("textFilter"));
    textFilter->setFocus();
    QTest::keyClicks(textFilter, QStringLiteral("team/api"));
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 5000);
    QCOMPARE(model->index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push team/api:2.0"));
    QCOMPARE(model->index(0, DeliveryLogModel::HttpStatusColumn).data().toString(), QStringLiteral("500"));

    // Replay it from the detail pane once the receiver is fixed.
    view->table()->setFocus();
    view->table()->selectRow(0);
    DeliveryDetailPane *detail = view->detailPane();
    QCOMPARE(detail->deliveryId(), model->deliveryIdAt(0));
    auto *timeline = detail->findChild<QListWidget *>(QStringLiteral("attemptTimeline"));
    QCOMPARE(timeline->count(), 1);
    sink.setBehaviour(HttpSink::Behaviour());
    auto *replay = detail->findChild<QPushButton *>(QStringLiteral("replayButton"));
    QVERIFY(replay->isEnabled());
    QTest::mouseClick(replay, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("succeeded"), 10000);
    QCOMPARE(model->index(0, DeliveryLogModel::StatusColumn).data().toString(),
             QStringLiteral("succeeded (replay)"));
    QTRY_COMPARE(timeline->count(), 2);
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(sink.count(), 3);
}

void ConsoleBackendsTest::stateFilterRecountRunsOffTheUiThread()
{
    // Under a state filter a live batch must count the view again; refreshBatch() leaves that to the
    // counting thread and applies its answer later, adding what arrived meanwhile.
    EngineFixture fixture;
    QVERIFY2(fixture.isValid(), qPrintable(fixture.lastError()));
    Store &store = fixture.store();
    WebhookConfig webhook;
    webhook.name = QStringLiteral("hook");
    webhook.url = QStringLiteral("http://127.0.0.1:9/x");
    webhook = fixture.addWebhook(webhook);
    QList<qint64> ids;
    for (int i = 0; i < 6; ++i)
        ids.append(
            addDelivery(store, webhook.id, QStringLiteral("team/app"), QStringLiteral("v%1").arg(i), 0));

    DeliveryLogQuery query;
    QString error;
    QVERIFY2(query.open(fixture.databaseLocation(), &error), qPrintable(error));
    DeliveryLogModel model(query);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    DeliveryLogFilter pending;
    pending.state = QStringLiteral("pending");
    model.setFilter(pending);
    QCOMPARE(model.rowCount(), 6);

    // Two leave the view, one new one joins it.
    QVERIFY(store.cancelPending(ids.at(0), QDateTime::currentMSecsSinceEpoch()));
    QVERIFY(store.cancelPending(ids.at(3), QDateTime::currentMSecsSinceEpoch()));
    QVERIFY(addDelivery(store, webhook.id, QStringLiteral("team/app"), QStringLiteral("late"), 0) > 0);
    model.noteChanged(ids.at(0));
    model.noteChanged(ids.at(3));
    model.refreshBatch();
    // The arrival is in at once; the departures wait for the recount, which has not been applied yet.
    QCOMPARE(model.rowCount(), 7);
    QVERIFY(model.recountPending());
    QTRY_VERIFY_WITH_TIMEOUT(!model.recountPending(), 10000);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.index(0, DeliveryLogModel::EventColumn).data().toString(),
             QStringLiteral("push team/app:late"));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.index(row, 0).data(DeliveryLogModel::StateRole).toString(), QStringLiteral("pending"));
}

QTEST_MAIN(ConsoleBackendsTest)
#include "tst_consolebackends.moc"
