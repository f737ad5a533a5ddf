// The Receiver screen: capture a real delivery, check its signature (valid, then with the wrong secret), and
// program the answer (a 503 the delivery log then shows).
#include "DeliveriesView.h"
#include "DeliveryLogModel.h"
#include "EngineFixture.h"
#include "EventFactory.h"
#include "IntakeClient.h"
#include "MainWindow.h"
#include "ReceiverServer.h"
#include "ReceiverService.h"
#include "ReceiverView.h"
#include "WebhookSignature.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

class ReceiverTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void capturesADeliveryAndChecksItsSignature();
    void explainsTimestampAndUnsignedFailures();
    void answersAsProgrammed();
    void neverAnswersWhenToldTo();
};

void ReceiverTest::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tidings-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_receiver"));
    QSettings().clear();
}

void ReceiverTest::capturesADeliveryAndChecksItsSignature()
{
    EngineFixture fixture;
    QVERIFY(fixture.isValid());
    QVERIFY2(fixture.start(), qPrintable(fixture.lastError()));
    MainWindow window(*fixture.engine());
    window.show();
    QVERIFY(window.showScreen(QStringLiteral("receiver")));
    ReceiverView *view = window.receiverView();

    QTest::mouseClick(view->findChild<QPushButton *>(QStringLiteral("startReceiverButton")), Qt::LeftButton);
    auto *url = view->findChild<QLineEdit *>(QStringLiteral("receiverUrl"));
    QVERIFY(url->text().startsWith(QStringLiteral("http://127.0.0.1:")));
    QTest::mouseClick(view->findChild<QPushButton *>(QStringLiteral("pointWebhookButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view->findChild<QLabel *>(QStringLiteral("pointResult"))
                                 ->text()
                                 .contains(QStringLiteral("now delivers here")),
                             10000);
    const QString secret = view->findChild<QLineEdit *>(QStringLiteral("receiverSecret"))->text();
    QVERIFY(secret.startsWith(QStringLiteral("whsec_")));
    const std::optional<WebhookConfig> webhook = fixture.store().webhook(1);
    QVERIFY(webhook);
    QCOMPARE(webhook->url, url->text());
    QCOMPARE(webhook->secret, secret);

    IntakeClient intake(fixture.intakeUrl());
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    auto *list = view->findChild<QListWidget *>(QStringLiteral("receivedList"));
    auto *detail = view->findChild<QPlainTextEdit *>(QStringLiteral("receivedDetail"));
    QTRY_COMPARE_WITH_TIMEOUT(list->count(), 1, 10000);
    QVERIFY2(list->item(0)->text().contains(QStringLiteral("→ 200  signature valid")),
             qPrintable(list->item(0)->text()));
    QVERIFY(detail->toPlainText().startsWith(QStringLiteral("Signature: valid: signed with this secret")));
    QVERIFY(detail->toPlainText().contains(QStringLiteral("\"repository\": \"team/app\"")));

    // The receiver now expects another secret and answers 503: the verdict says why, the log shows the 503.
    view->findChild<QLineEdit *>(QStringLiteral("receiverSecret"))
        ->setText(WebhookSignature::generateSecret());
    view->findChild<QSpinBox *>(QStringLiteral("receiverStatus"))->setValue(503);
    QCOMPARE(intake.post(EventFactory::envelopeOf({})).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(list->count(), 2, 10000);
    QVERIFY2(list->item(1)->text().contains(QStringLiteral("→ 503  signature INVALID")),
             qPrintable(list->item(1)->text()));
    list->setCurrentRow(1);
    QVERIFY2(detail->toPlainText().contains(
                 QStringLiteral("no signature matches; the webhook uses another secret")),
             qPrintable(detail->toPlainText()));
    DeliveryLogModel *log = window.deliveriesView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(log->index(0, DeliveryLogModel::HttpStatusColumn).data().toString(),
                              QStringLiteral("503"), 10000);
}

void ReceiverTest::explainsTimestampAndUnsignedFailures()
{
    ReceiverBehaviour behaviour;
    behaviour.secret = WebhookSignature::generateSecret();
    QByteArray key;
    QVERIFY(WebhookSignature::decodeSecret(behaviour.secret, &key));
    ReceivedRequest request;
    request.body = "{}";
    const qint64 sent = 1700000000;
    request.headers = {{"webhook-id", "msg_1"},
                       {"webhook-timestamp", QByteArray::number(sent)},
                       {"webhook-signature", WebhookSignature::sign(key, "msg_1", sent, request.body)}};
    bool valid = false;
    QCOMPARE(ReceiverServer::checkSignature(behaviour, request, sent + 10, &valid),
             QStringLiteral("valid: signed with this secret"));
    QVERIFY(valid);
    QVERIFY(ReceiverServer::checkSignature(behaviour, request, sent + 400, &valid)
                .startsWith(QStringLiteral("invalid: webhook-timestamp 1700000000 is 400 s away from now")));
    QVERIFY(!valid);
    request.body = "{\"changed\":true}";
    QVERIFY(
        ReceiverServer::checkSignature(behaviour, request, sent, &valid).contains(QStringLiteral("body")));
    request.headers.removeLast();
    QVERIFY(ReceiverServer::checkSignature(behaviour, request, sent, &valid)
                .startsWith(QStringLiteral("unsigned")));
    behaviour.secret.clear();
    QVERIFY(ReceiverServer::checkSignature(behaviour, request, sent, &valid)
                .startsWith(QStringLiteral("not checked")));
}

void ReceiverTest::answersAsProgrammed()
{
    ReceiverService service;
    QVERIFY(service.start());
    QSignalSpy captured(&service, &ReceiverService::captured);
    ReceiverBehaviour behaviour;
    behaviour.failFirst = 2;
    behaviour.failStatus = 500;
    behaviour.status = 201;
    behaviour.retryAfter = "7";
    behaviour.delayMs = 300;
    service.setBehaviour(behaviour);

    IntakeClient client(service.url());
    QElapsedTimer clock;
    clock.start();
    const IntakeClient::Answer first = client.post("{}", "application/json");
    QVERIFY(clock.elapsed() >= 300);
    QCOMPARE(first.status, 500);
    QCOMPARE(first.header("retry-after"), QByteArray("7"));
    QCOMPARE(client.post("{}", "application/json").status, 500);
    const IntakeClient::Answer third = client.post("{}", "application/json");
    QCOMPARE(third.status, 201);
    QVERIFY(third.header("retry-after").isEmpty());
    QTRY_COMPARE(captured.size(), 3);
    QCOMPARE(captured.at(2).first().value<ReceivedRequest>().answeredStatus, 201);
    QCOMPARE(captured.at(2).first().value<ReceivedRequest>().number, 3);
}

void ReceiverTest::neverAnswersWhenToldTo()
{
    ReceiverService service;
    QVERIFY(service.start());
    QSignalSpy captured(&service, &ReceiverService::captured);
    ReceiverBehaviour behaviour;
    behaviour.neverAnswer = true;
    service.setBehaviour(behaviour);

    // A bare socket: the request is captured, and nothing comes back while the connection stays open.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(service.url().port()));
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /receiver HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    QTRY_COMPARE(captured.size(), 1);
    QCOMPARE(captured.first().first().value<ReceivedRequest>().answeredStatus, 0);
    QTest::qWait(500);
    QCOMPARE(socket.bytesAvailable(), qint64(0));
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
}

QTEST_MAIN(ReceiverTest)
#include "tst_receiver.moc"
