// The Webhooks screen: the editor's validation as you type and its filter preview, and creating a webhook
// through the dialog that then receives a test event and a real registry event.
#include "DeliveriesView.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "WebhookEditorDialog.h"
#include "WebhookListModel.h"
#include "WebhooksView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

class WebhooksTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void editorValidatesAsYouType();
    void createThroughTheDialogSendTestAndDeliver();

private:
    static void typeInto(QLineEdit *edit, const QString &text)
    {
        edit->clear();
        QTest::keyClicks(edit, text);
    }
};

void WebhooksTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_webhooks"));
    QSettings().clear();
}

void WebhooksTest::editorValidatesAsYouType()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    WebhookConfig taken;
    taken.name = QStringLiteral("deploy-bot");
    taken.url = QStringLiteral("http://127.0.0.1:9/hook");
    taken = fixture.addWebhook(taken);
    Engine engine(fixture.config()); // not started: the dialog only validates here

    RegistryEvent prodPush;
    prodPush.action = QStringLiteral("push");
    prodPush.repository = QStringLiteral("prod/api");
    prodPush.tag = QStringLiteral("v2");
    prodPush.mediaType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
    RegistryEvent devPush = prodPush;
    devPush.repository = QStringLiteral("dev/api");
    RegistryEvent pull = prodPush;
    pull.action = QStringLiteral("pull");

    WebhookEditorDialog dialog(engine, WebhookConfig(), {taken}, {prodPush, devPush, pull});
    auto *name = dialog.findChild<QLineEdit *>(QStringLiteral("nameEdit"));
    auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("urlEdit"));
    auto *repositories = dialog.findChild<QLineEdit *>(QStringLiteral("repositoryGlobsEdit"));
    auto *secret = dialog.findChild<QLineEdit *>(QStringLiteral("secretEdit"));
    auto *retry = dialog.findChild<QLineEdit *>(QStringLiteral("retryScheduleEdit"));
    auto *headers = dialog.findChild<QTableWidget *>(QStringLiteral("headersTable"));
    auto *message = dialog.findChild<QLabel *>(QStringLiteral("validationMessage"));
    auto *preview = dialog.findChild<QLabel *>(QStringLiteral("previewSummary"));
    auto *save = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(name && url && repositories && secret && retry && headers && message && preview && save);

    QCOMPARE(message->text(), QStringLiteral("Give the webhook a name."));
    QVERIFY(!save->isEnabled());
    typeInto(name, QStringLiteral("deploy-bot"));
    QCOMPARE(message->text(), QStringLiteral("A webhook named \"deploy-bot\" exists already."));
    typeInto(name, QStringLiteral("42"));
    QVERIFY(message->text().contains(QStringLiteral("only digits")));
    typeInto(name, QStringLiteral("prod-only"));
    QCOMPARE(message->text(), QStringLiteral("Enter the URL to deliver to."));
    typeInto(url, QStringLiteral("ftp://files.example/x"));
    QVERIFY(message->text().contains(QStringLiteral("is not an http:// or https:// URL")));
    QVERIFY(!save->isEnabled());
    typeInto(url, QStringLiteral("https://chat.example/hook"));
    QCOMPARE(message->text(), QString());
    QVERIFY(save->isEnabled());
    // Default filters: pushes of image manifests, so both pushes and not the pull.
    QCOMPARE(preview->text(), QStringLiteral("2 of the last 3 event(s) would be delivered."));

    typeInto(repositories, QStringLiteral("prod/[abc"));
    QVERIFY2(message->text().startsWith(QStringLiteral("Filter: ")), qPrintable(message->text()));
    QVERIFY(!save->isEnabled());
    typeInto(repositories, QStringLiteral("prod/*"));
    QCOMPARE(message->text(), QString());
    QCOMPARE(preview->text(), QStringLiteral("1 of the last 3 event(s) would be delivered."));
    auto *previewList = dialog.findChild<QListWidget *>(QStringLiteral("previewList"));
    QVERIFY(previewList->item(1)->text().contains(QStringLiteral("repository \"dev/api\" matches none of")));

    typeInto(secret, QStringLiteral("whsec_tooshort"));
    QVERIFY(message->text().startsWith(QStringLiteral("The secret is not usable")));
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("generateSecretButton")),
                      Qt::LeftButton);
    QVERIFY(secret->text().startsWith(QStringLiteral("whsec_")));
    QCOMPARE(message->text(), QString());

    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("addHeaderButton")), Qt::LeftButton);
    headers->item(0, 0)->setText(QStringLiteral("webhook-id"));
    QCOMPARE(message->text(), QStringLiteral("Header \"webhook-id\" is set by Tidings itself."));
    headers->item(0, 0)->setText(QStringLiteral("Bad Name"));
    QVERIFY(message->text().contains(QStringLiteral("is not a valid HTTP header name")));
    headers->item(0, 0)->setText(QStringLiteral("X-Team"));
    headers->item(0, 1)->setText(QStringLiteral("platform"));
    QCOMPARE(message->text(), QString());

    typeInto(retry, QStringLiteral("0, soon"));
    QCOMPARE(message->text(), QStringLiteral("Retry schedule: \"soon\" is not a number of seconds."));
    typeInto(retry, QStringLiteral("0, -5"));
    QVERIFY(message->text().startsWith(QStringLiteral("Retry schedule: ")));
    typeInto(retry, QStringLiteral("0, 5, 60"));
    QCOMPARE(message->text(), QString());
    QVERIFY(save->isEnabled());

    const WebhookConfig config = dialog.config();
    QCOMPARE(config.name, QStringLiteral("prod-only"));
    QCOMPARE(config.repositoryGlobs, QStringList{QStringLiteral("prod/*")});
    QCOMPARE(config.retryScheduleSeconds, (QList<int>{0, 5, 60}));
    QCOMPARE(config.headers.size(), 1);
    QCOMPARE(config.headers.first().first, QStringLiteral("X-Team"));
}

void WebhooksTest::createThroughTheDialogSendTestAndDeliver()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("webhooks")));
    WebhooksView *view = window.webhooksView();
    QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view->model()->rowCount(), 0);

    QTest::mouseClick(view->findChild<QPushButton *>(QStringLiteral("newWebhookButton")), Qt::LeftButton);
    auto *dialog = view->findChild<WebhookEditorDialog *>(QStringLiteral("webhookEditor"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("nameEdit")),
                     QStringLiteral("deploy-bot"));
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("urlEdit")), sink.url().toString());
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("generateSecretButton")),
                      Qt::LeftButton);
    QCOMPARE(dialog->validationError(), QString());
    QPointer<WebhookEditorDialog> guard(dialog);
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), 10000); // closed (and deleted) once the engine stored it

    QTRY_COMPARE(view->model()->rowCount(), 1);
    const std::optional<WebhookConfig> stored = fixture.store().webhookByName(QStringLiteral("deploy-bot"));
    QVERIFY(stored);
    QCOMPARE(stored->url, sink.url().toString());
    QVERIFY(stored->secret.startsWith(QStringLiteral("whsec_")));
    QCOMPARE(view->model()->index(0, WebhookListModel::StateColumn).data().toString(),
             QStringLiteral("enabled"));
    QCOMPARE(view->model()->index(0, WebhookListModel::LastDeliveryColumn).data().toString(),
             QStringLiteral("never"));

    // Send test event: the result shows inline.
    view->table()->selectRow(0);
    auto *sendTest = view->findChild<QPushButton *>(QStringLiteral("sendTestButton"));
    QVERIFY(sendTest->isEnabled());
    QTest::mouseClick(sendTest, Qt::LeftButton);
    auto *result = view->findChild<QLabel *>(QStringLiteral("testResult"));
    QTRY_VERIFY2_WITH_TIMEOUT(result->text().contains(QStringLiteral(": HTTP 200 in ")),
                              qPrintable(result->text()), 10000);
    QCOMPARE(sink.count(), 1);
    QVERIFY(!sink.requests().first().header("webhook-signature").isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->index(0, WebhookListModel::SuccessColumn).data().toString() ==
                                 QStringLiteral("100 % of 1"),
                             10000);

    // A registry event through the real intake reaches the new webhook and shows in the live log.
    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(EventFactory::sampleWithNewId(QStringLiteral("03-push-manifest.json"))).status, 202);
    DeliveryLogModel *log = window.deliveriesView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(log->rowCount(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(log->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("succeeded"), 10000);
    QCOMPARE(log->index(0, DeliveryLogModel::WebhookColumn).data().toString(), QStringLiteral("deploy-bot"));
    QCOMPARE(sink.count(), 2);
}

QTEST_MAIN(WebhooksTest)
#include "tst_webhooks.moc"
