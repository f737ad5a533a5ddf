// The console's "Replay to another URL or with edited payload…" dialog and the webhook editor's Rotate…,
// driven through the real widgets over a real engine and real loopback sinks; and the built-in receiver's
// signature check on a delivery signed during a rotation.
#include "DeliveriesView.h"
#include "DeliveryDetailPane.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "ReceivedRequest.h"
#include "ReceiverBehaviour.h"
#include "ReceiverServer.h"
#include "ReplayOverrideDialog.h"
#include "RotateSecretDialog.h"
#include "WebhookEditorDialog.h"
#include "WebhookListModel.h"
#include "WebhookSignature.h"
#include "WebhooksView.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTimer>

class ReplayAndRotateTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void replayWithEditedPayloadToAnotherUrlThroughTheDialog();
    void rotateWithAGracePeriodInTheEditor();
};

void ReplayAndRotateTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_replayandrotate"));
    QSettings().clear();
}

void ReplayAndRotateTest::replayWithEditedPayloadToAnotherUrlThroughTheDialog()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink configured, other;
    QVERIFY(configured.start() && other.start());
    HttpSink::Behaviour failing;
    failing.status = 500;
    configured.setBehaviour(failing);
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("deploy-bot");
    webhook.url = configured.url().toString();
    webhook.secret = WebhookSignature::generateSecret();
    webhook.maxAttempts = 1;
    webhook = fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    DeliveriesView *view = window.deliveriesView();
    DeliveryLogModel *model = view->model();
    EventFactory::Spec spec;
    spec.repository = QStringLiteral("team/api");
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf(spec)).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(0, 0).data(DeliveryLogModel::StateRole).toString(),
                              QStringLiteral("failed"), 10000);
    view->table()->setFocus();
    view->table()->selectRow(0);
    DeliveryDetailPane *detail = view->detailPane();

    auto *open = detail->findChild<QPushButton *>(QStringLiteral("replayOverrideButton"));
    QVERIFY(open && open->isEnabled());
    QTest::mouseClick(open, Qt::LeftButton);
    auto *dialog = view->findChild<ReplayOverrideDialog *>(QStringLiteral("replayOverrideDialog"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto *url = dialog->findChild<QLineEdit *>(QStringLiteral("replayUrlEdit"));
    auto *payload = dialog->findChild<QPlainTextEdit *>(QStringLiteral("replayPayloadEdit"));
    auto *message = dialog->findChild<QLabel *>(QStringLiteral("replayMessage"));
    QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    // Prefilled: the webhook's URL and the delivery's payload, pretty-printed.
    QCOMPARE(url->text(), webhook.url);
    QVERIFY2(payload->toPlainText().contains(QStringLiteral("\"repository\": \"team/api\"")),
             qPrintable(payload->toPlainText()));
    QVERIFY(ok->isEnabled());

    // Broken JSON while typing: the parse error, and OK off.
    payload->selectAll();
    QTest::keyClicks(payload, QStringLiteral("{\"events\": [{\"edited\": tru"));
    QVERIFY(!dialog->validationError().isEmpty());
    QVERIFY2(message->text().contains(QStringLiteral("not valid JSON")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(QStringLiteral("line 1")), qPrintable(message->text()));
    QVERIFY(!ok->isEnabled());
    QTest::keyClicks(payload, QStringLiteral("e}]}"));
    QCOMPARE(dialog->validationError(), QString());
    QVERIFY(ok->isEnabled());
    // A bad URL is caught the same way.
    url->selectAll();
    QTest::keyClicks(url, QStringLiteral("ftp://nowhere"));
    QVERIFY(!ok->isEnabled());
    url->selectAll();
    const QString otherUrl = other.url(QStringLiteral("/local-dev")).toString();
    QTest::keyClicks(url, otherUrl);
    QVERIFY(ok->isEnabled());
    QVERIFY2(message->text().contains(otherUrl) && message->text().contains(QStringLiteral("payload edited")),
             qPrintable(message->text()));

    QPointer<ReplayOverrideDialog> guard(dialog);
    QTest::mouseClick(ok, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(guard.isNull() || !guard->isVisible(), 10000);

    // The other URL got the edited body, signed over it with the webhook's secret.
    QTRY_COMPARE_WITH_TIMEOUT(other.count(), 1, 5000);
    const CapturedRequest request = other.requests().constFirst();
    QCOMPARE(request.body, QByteArrayLiteral("{\"events\": [{\"edited\": true}]}"));
    QByteArray key;
    QVERIFY(WebhookSignature::decodeSecret(webhook.secret, &key));
    QCOMPARE(WebhookSignature::verify(key, request.header("webhook-id"), request.header("webhook-timestamp"),
                                      request.body, request.header("webhook-signature"),
                                      QDateTime::currentSecsSinceEpoch()),
             WebhookSignature::Verdict::Valid);

    // The timeline shows what was changed; the request tab names the webhook URL and the original hash.
    auto *timeline = detail->findChild<QListWidget *>(QStringLiteral("attemptTimeline"));
    QTRY_COMPARE_WITH_TIMEOUT(timeline->count(), 2, 5000);
    const QString line = timeline->item(1)->text();
    QVERIFY2(line.contains(QStringLiteral("replayed to ") + otherUrl) &&
                 line.contains(QStringLiteral("payload edited")),
             qPrintable(line));
    timeline->setCurrentRow(1);
    const QString requestText =
        detail->findChild<QPlainTextEdit *>(QStringLiteral("requestText"))->toPlainText();
    QVERIFY2(requestText.contains(QStringLiteral("Webhook URL: ") + webhook.url), qPrintable(requestText));
    QVERIFY2(requestText.contains(QStringLiteral("Original payload SHA-256: ")), qPrintable(requestText));
    QCOMPARE(configured.count(), 1); // only the original attempt
}

void ReplayAndRotateTest::rotateWithAGracePeriodInTheEditor()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    HttpSink sink;
    QVERIFY(sink.start());
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    WebhookConfig webhook;
    webhook.name = QStringLiteral("rotating");
    webhook.url = sink.url().toString();
    webhook.secret = WebhookSignature::generateSecret();
    webhook = fixture.addWebhook(webhook);
    fixture.engine()->reloadWebhooks();

    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("webhooks")));
    QTRY_COMPARE(window.webhooksView()->model()->rowCount(), 1);
    WebhookEditorDialog *editor = window.webhooksView()->openEditor(webhook.id);
    QVERIFY(editor);
    editor->open();
    QTRY_VERIFY(editor->isVisible());
    auto *rotate = editor->findChild<QPushButton *>(QStringLiteral("rotateSecretButton"));
    auto *status = editor->findChild<QLabel *>(QStringLiteral("rotationStatus"));
    QVERIFY(rotate && rotate->isEnabled());

    // The question dialog is modal: answer it once it is up (2 hours), checking what it says first.
    QString untilText;
    bool answered = false;
    QTimer answer;
    answer.setInterval(20);
    connect(&answer, &QTimer::timeout, this, [&] {
        auto *ask = qobject_cast<RotateSecretDialog *>(QApplication::activeModalWidget());
        if (!ask || !ask->isVisible())
            return;
        answer.stop();
        ask->findChild<QSpinBox *>(QStringLiteral("graceHoursSpin"))->setValue(2);
        untilText = ask->findChild<QLabel *>(QStringLiteral("graceUntilLabel"))->text();
        answered = true;
        ask->accept();
    });
    answer.start();
    QTest::mouseClick(rotate, Qt::LeftButton);
    answer.stop();
    QVERIFY(answered);
    QVERIFY2(untilText.contains(QStringLiteral("until")), qPrintable(untilText));

    QTRY_VERIFY2_WITH_TIMEOUT(status->text().contains(QStringLiteral("stays valid until")),
                              qPrintable(status->text()), 5000);
    const WebhookConfig stored = *fixture.store().webhook(webhook.id);
    QVERIFY(stored.secret != webhook.secret);
    QCOMPARE(stored.previousSecret, webhook.secret);
    QVERIFY(qAbs(stored.previousSecretExpiresAt.secsTo(QDateTime::currentDateTimeUtc().addSecs(7200))) < 60);
    QCOMPARE(editor->findChild<QLineEdit *>(QStringLiteral("secretEdit"))->text(), stored.secret);
    // Saving the editor afterwards keeps the rotation (same secret, grace period still running).
    QPointer<WebhookEditorDialog> guard(editor);
    QTest::mouseClick(editor->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(guard.isNull() || !guard->isVisible(), 10000);
    QCOMPARE(fixture.store().webhook(webhook.id)->previousSecret, webhook.secret);

    // A delivery now carries both signatures; the built-in receiver accepts it with either secret.
    QCOMPARE(IntakeClient(fixture.intakeUrl()).post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(sink.count(), 1, 10000);
    const CapturedRequest captured = sink.requests().constFirst();
    ReceivedRequest received;
    received.headers = captured.headers;
    received.body = captured.body;
    for (const QString &secret : {webhook.secret, stored.secret}) {
        ReceiverBehaviour behaviour;
        behaviour.secret = secret;
        bool valid = false;
        const QString verdict =
            ReceiverServer::checkSignature(behaviour, received, QDateTime::currentSecsSinceEpoch(), &valid);
        QVERIFY2(valid, qPrintable(verdict));
        QVERIFY2(verdict.contains(QStringLiteral("2 signatures")), qPrintable(verdict));
    }
    ReceiverBehaviour stranger;
    stranger.secret = WebhookSignature::generateSecret();
    bool valid = true;
    ReceiverServer::checkSignature(stranger, received, QDateTime::currentSecsSinceEpoch(), &valid);
    QVERIFY(!valid);
}

QTEST_MAIN(ReplayAndRotateTest)
#include "tst_replayandrotate.moc"
