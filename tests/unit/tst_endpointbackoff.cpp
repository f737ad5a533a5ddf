#include "delivery/EndpointBackoff.h"

#include <QTest>

// EndpointBackoff on a clock the test owns: when a failing endpoint is paused, probed and given back its
// concurrency.
class TestEndpointBackoff : public QObject
{
    Q_OBJECT

private slots:
    void failuresBelowTheThresholdChangeNothing()
    {
        EndpointBackoff backoff;
        for (int i = 1; i < EndpointBackoff::failureThreshold; ++i) {
            QCOMPARE(backoff.recordFailure(7, 1000, 5000), EndpointBackoff::Change::None);
            QCOMPARE(backoff.allowedConcurrency(7, 6, 1000), 6);
        }
        QVERIFY(!backoff.isHeldBack(7));
        QCOMPARE(backoff.consecutiveFailures(7), EndpointBackoff::failureThreshold - 1);
        // A success in between starts the count again: one bad delivery among good ones never pauses.
        QCOMPARE(backoff.recordSuccess(7), EndpointBackoff::Change::None);
        QCOMPARE(backoff.consecutiveFailures(7), 0);
        QCOMPARE(backoff.recordFailure(7, 1000, 5000), EndpointBackoff::Change::None);
        QVERIFY(!backoff.isHeldBack(7));
    }

    void thresholdPausesUntilTheRetryIsDue()
    {
        EndpointBackoff backoff;
        for (int i = 1; i < EndpointBackoff::failureThreshold; ++i)
            backoff.recordFailure(7, 1000, 5000);
        QCOMPARE(backoff.recordFailure(7, 2000, 5000), EndpointBackoff::Change::Paused);
        QVERIFY(backoff.isHeldBack(7));
        QCOMPARE(backoff.allowedConcurrency(7, 6, 2000), 0);
        QCOMPARE(backoff.allowedConcurrency(7, 6, 6999), 0);
        QCOMPARE(backoff.pauseLeftMs(7, 2000), std::optional<qint64>(5000));
        QCOMPARE(backoff.pauseLeftMs(7, 6999), std::optional<qint64>(1));
        // Other webhooks are untouched.
        QCOMPARE(backoff.allowedConcurrency(8, 6, 2000), 6);
        QVERIFY(!backoff.pauseLeftMs(8, 2000));

        // The pause is over: one probe at a time, not the full concurrency.
        QCOMPARE(backoff.allowedConcurrency(7, 6, 7000), 1);
        QVERIFY(!backoff.pauseLeftMs(7, 7000));
        QVERIFY(backoff.isHeldBack(7));
    }

    void aFailedProbePausesAgainAndAnAnswerResumes()
    {
        EndpointBackoff backoff;
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i)
            backoff.recordFailure(7, 0, 1000);
        QCOMPARE(backoff.allowedConcurrency(7, 4, 1000), 1);
        // Still held back: a failed probe is no new pause to report, but it pauses for its own retry delay.
        QCOMPARE(backoff.recordFailure(7, 1000, 3000), EndpointBackoff::Change::None);
        QCOMPARE(backoff.allowedConcurrency(7, 4, 3999), 0);
        QCOMPARE(backoff.allowedConcurrency(7, 4, 4000), 1);
        QCOMPARE(backoff.recordSuccess(7), EndpointBackoff::Change::Resumed);
        QVERIFY(!backoff.isHeldBack(7));
        QCOMPARE(backoff.allowedConcurrency(7, 4, 4000), 4);
        QCOMPARE(backoff.recordSuccess(7), EndpointBackoff::Change::None);
    }

    void lateFailuresNeverShortenThePause()
    {
        EndpointBackoff backoff;
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i)
            backoff.recordFailure(7, 0, 10000);
        // A request sent before the pause fails with a shorter retry delay: the pause still ends at 10 s.
        backoff.recordFailure(7, 100, 0);
        QCOMPARE(backoff.pauseLeftMs(7, 100), std::optional<qint64>(9900));
    }

    void pauseIsBounded()
    {
        EndpointBackoff backoff;
        // The default schedule's later delays are hours; Retry-After may ask for more. The endpoint is probed
        // within a minute all the same, so it is back soon after it recovers.
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i)
            backoff.recordFailure(7, 0, 10LL * 3600 * 1000);
        QCOMPARE(backoff.pauseLeftMs(7, 0), std::optional<qint64>(EndpointBackoff::maxPauseMs));
        // A zero retry delay (a schedule of zeros) still holds the webhook to one request at a time.
        EndpointBackoff immediate;
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i)
            immediate.recordFailure(9, 0, 0);
        QVERIFY(immediate.isHeldBack(9));
        QCOMPARE(immediate.allowedConcurrency(9, 8, 0), 1);
    }

    void endPausesLetsTheProbeGoNow()
    {
        EndpointBackoff backoff;
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i) {
            backoff.recordFailure(7, 0, 60000);
            backoff.recordFailure(8, 0, 60000);
        }
        backoff.recordFailure(9, 0, 60000); // one failure: not held back, and endPauses leaves it so
        backoff.endPauses(100);
        QVERIFY(!backoff.pauseLeftMs(7, 100));
        // Still held back: one probe at a time, not the full concurrency at once.
        QCOMPARE(backoff.allowedConcurrency(7, 4, 100), 1);
        QCOMPARE(backoff.allowedConcurrency(8, 4, 100), 1);
        QCOMPARE(backoff.allowedConcurrency(9, 4, 100), 4);
        QCOMPARE(backoff.consecutiveFailures(9), 1);
    }

    void forgetGivesAFreshStart()
    {
        EndpointBackoff backoff;
        for (int i = 0; i < EndpointBackoff::failureThreshold; ++i)
            backoff.recordFailure(7, 0, 60000);
        QVERIFY(backoff.forget(7)); // it was held back: the caller reports the change
        QVERIFY(!backoff.isHeldBack(7));
        backoff.recordFailure(8, 0, 60000);
        QVERIFY(!backoff.forget(8)); // one failure is no pause: nothing to report
        QCOMPARE(backoff.consecutiveFailures(7), 0);
        QCOMPARE(backoff.allowedConcurrency(7, 4, 0), 4);
    }
};

QTEST_APPLESS_MAIN(TestEndpointBackoff)
#include "tst_endpointbackoff.moc"
