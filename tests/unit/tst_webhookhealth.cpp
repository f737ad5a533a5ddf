// WebhookHealthMonitor on a real SQLite store: when "failing for longer than --disable-after" starts, ends,
// survives a restart, and disables the webhook; a window of 0 changes nothing.
#include "Store.h"
#include "WebhookHealthMonitor.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

AttemptRecord attemptAt(qint64 ms, int status, const QString &error = {})
{
    AttemptRecord attempt;
    attempt.startedAt = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    attempt.responseStatus = status;
    attempt.errorMessage = error;
    return attempt;
}

const qint64 t0 = QDateTime(QDate(2026, 11, 26), QTime(8, 0), Qt::UTC).toMSecsSinceEpoch();
constexpr qint64 minute = 60 * 1000;

} // namespace

class TestWebhookHealth : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    qint64 m_webhookId = 0;
    int m_databases = 0; // a fresh file per test function

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        const QString path = m_dir.filePath(QStringLiteral("health-%1.db").arg(++m_databases));
        m_store = std::make_unique<Store>(Store::dialectFor(path, &error));
        QVERIFY2(m_store->open(path, &error), qPrintable(error));
        WebhookConfig webhook;
        webhook.name = QStringLiteral("flaky");
        webhook.url = QStringLiteral("http://127.0.0.1:9/hook");
        m_webhookId = m_store->insertWebhook(webhook);
        QVERIFY(m_webhookId > 0);
    }

    void cleanup() { m_store.reset(); }

    void disablesOnlyAfterTheWindow()
    {
        WebhookHealthMonitor monitor(*m_store, 60 * minute);
        QSignalSpy disabled(&monitor, &WebhookHealthMonitor::webhookDisabled);
        monitor.setWebhooks(m_store->webhooks());

        monitor.attemptRecorded(m_webhookId, attemptAt(t0, 500));
        QCOMPARE(m_store->webhookFailingSince().value(m_webhookId), t0); // on the record
        monitor.attemptRecorded(m_webhookId,
                                attemptAt(t0 + 59 * minute, 0, QStringLiteral("connection refused")));
        QCOMPARE(disabled.count(), 0);
        QCOMPARE(m_store->webhookFailingSince().value(m_webhookId), t0); // unchanged by later failures

        monitor.attemptRecorded(m_webhookId,
                                attemptAt(t0 + 61 * minute, 0, QStringLiteral("connection refused")));
        QCOMPARE(disabled.count(), 1);
        QCOMPARE(disabled.at(0).at(0).toLongLong(), m_webhookId);
        const QString reason = disabled.at(0).at(1).toString();
        QVERIFY2(reason.contains(QStringLiteral("since 2026-11-26T08:00:00Z")), qPrintable(reason));
        QVERIFY2(reason.contains(QStringLiteral("1h")) && reason.contains(QStringLiteral("--disable-after")),
                 qPrintable(reason));
        QVERIFY2(reason.contains(QStringLiteral("connection refused")), qPrintable(reason));
        const std::optional<WebhookConfig> stored = m_store->webhook(m_webhookId);
        QVERIFY(stored && !stored->enabled);
        QCOMPARE(stored->disabledReason, reason);

        // Attempts still in flight when it was disabled do not disable it again.
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 62 * minute, 503));
        QCOMPARE(disabled.count(), 1);

        // Re-enabled: a clean record, so the next failure starts a new window.
        QVERIFY(m_store->setWebhookEnabled(m_webhookId, true, {}));
        QVERIFY(!m_store->webhookFailingSince().contains(m_webhookId));
        monitor.setWebhooks(m_store->webhooks());
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 70 * minute, 500));
        QCOMPARE(disabled.count(), 1); // no new disable
        QCOMPARE(m_store->webhookFailingSince().value(m_webhookId), t0 + 70 * minute);
    }

    void successEndsTheFailingRun()
    {
        WebhookHealthMonitor monitor(*m_store, 60 * minute);
        QSignalSpy disabled(&monitor, &WebhookHealthMonitor::webhookDisabled);
        monitor.setWebhooks(m_store->webhooks());
        monitor.attemptRecorded(m_webhookId, attemptAt(t0, 500));
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 30 * minute, 204));
        QVERIFY(!m_store->webhookFailingSince().contains(m_webhookId));
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 40 * minute, 500));
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 90 * minute, 500)); // 50 min after the new start
        QCOMPARE(disabled.count(), 0);
        QVERIFY(m_store->webhook(m_webhookId)->enabled);
    }

    void windowSurvivesARestart()
    {
        {
            WebhookHealthMonitor before(*m_store, 60 * minute);
            before.setWebhooks(m_store->webhooks());
            before.attemptRecorded(m_webhookId, attemptAt(t0, 500));
        }
        WebhookHealthMonitor after(*m_store, 60 * minute);
        QSignalSpy disabled(&after, &WebhookHealthMonitor::webhookDisabled);
        after.setWebhooks(m_store->webhooks());
        after.attemptRecorded(m_webhookId, attemptAt(t0 + 61 * minute, 500));
        QCOMPARE(disabled.count(), 1);
    }

    void zeroWindowDoesNothing()
    {
        WebhookHealthMonitor monitor(*m_store, 0);
        QSignalSpy disabled(&monitor, &WebhookHealthMonitor::webhookDisabled);
        monitor.setWebhooks(m_store->webhooks());
        monitor.attemptRecorded(m_webhookId, attemptAt(t0, 500));
        monitor.attemptRecorded(m_webhookId, attemptAt(t0 + 1000 * minute, 500));
        QCOMPARE(disabled.count(), 0);
        QVERIFY(m_store->webhookFailingSince().isEmpty());
        QVERIFY(m_store->webhook(m_webhookId)->enabled);
    }

    void describesWindows()
    {
        QCOMPARE(WebhookHealthMonitor::describeWindow(24 * 60 * minute), QStringLiteral("1d"));
        QCOMPARE(WebhookHealthMonitor::describeWindow(36 * 60 * minute), QStringLiteral("36h"));
        QCOMPARE(WebhookHealthMonitor::describeWindow(90 * 1000), QStringLiteral("90s"));
        QCOMPARE(WebhookHealthMonitor::describeWindow(1500), QStringLiteral("1500 ms"));
    }
};

QTEST_GUILESS_MAIN(TestWebhookHealth)
#include "tst_webhookhealth.moc"
