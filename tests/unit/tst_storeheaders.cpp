// Header lists are stored as JSON text written by hand (Store's pairsToJson) and read back with
// QJsonDocument: whatever a webhook or an endpoint sends as a header must come back byte for byte.
#include "Store.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

class TestStoreHeaders : public QObject
{
    Q_OBJECT

private slots:
    void headersSurviveTheRoundTrip();
};

void TestStoreHeaders::headersSurviveTheRoundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    QString error;
    Store store(Store::dialectFor(path, &error));
    QVERIFY2(store.open(path, &error), qPrintable(error));

    WebhookConfig webhook;
    webhook.name = QStringLiteral("headers");
    webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
    webhook.headers = {{QStringLiteral("X-Quote"), QStringLiteral("say \"hi\" \\ back")},
                       {QStringLiteral("X-Umlaut"), QStringLiteral("Grüße, 東京")},
                       {QStringLiteral("X-Tab"), QStringLiteral("a\tb\u0001c")},
                       {QStringLiteral("X-Empty"), QString()}};
    const qint64 id = store.insertWebhook(webhook);
    QVERIFY2(id > 0, qPrintable(store.lastError()));
    const std::optional<WebhookConfig> stored = store.webhook(id);
    QVERIFY(stored);
    QCOMPARE(stored->headers, webhook.headers);

    RegistryEvent event;
    event.eventId = QStringLiteral("headers-event");
    event.action = QStringLiteral("push");
    event.repository = QStringLiteral("team/app");
    event.rawJson = QByteArrayLiteral("{}");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(store.beginWrite());
    const qint64 eventRow = store.insertEvent(event);
    const qint64 deliveryId = store.insertDelivery(eventRow, id, QStringLiteral("msg_1"), now);
    QVERIFY(store.commit());
    QVERIFY(store.claimDelivery(deliveryId, QStringLiteral("me"), now, now + 60000));

    AttemptRecord attempt;
    attempt.deliveryId = deliveryId;
    attempt.number = 1;
    attempt.startedAt = QDateTime::currentDateTimeUtc();
    // Response header values are bytes off the wire; Latin-1 ones must survive too.
    attempt.requestHeaders = {{"webhook-id", "msg_1"}, {"X-Quote", "\"\\\""}};
    attempt.responseHeaders = {{"Server", "caf\xe9"},
                               {"X-Control", "a\x1f"
                                             "b"},
                               {"X-Empty", ""}};
    attempt.responseStatus = 200;
    QVERIFY2(store.recordAttempt(attempt, AttemptOutcome{DeliveryState::Succeeded, {}}, QStringLiteral("me")),
             qPrintable(store.lastError()));
    const QList<AttemptRecord> attempts = store.attempts(deliveryId);
    QCOMPARE(attempts.size(), 1);
    QCOMPARE(attempts.first().requestHeaders, attempt.requestHeaders);
    QCOMPARE(attempts.first().responseHeaders, attempt.responseHeaders);
}

QTEST_GUILESS_MAIN(TestStoreHeaders)
#include "tst_storeheaders.moc"
