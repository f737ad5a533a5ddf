#include "delivery/RetryPolicy.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>

namespace {

QDateTime now()
{
    return QDateTime(QDate(1994, 11, 6), QTime(8, 49, 0), Qt::UTC);
}

} // namespace

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private slots:
    void defaultSchedule()
    {
        const QList<int> expected{0, 5, 300, 1800, 7200, 18000, 36000, 36000};
        QCOMPARE(RetryPolicy::defaultScheduleSeconds(), expected);

        const RetryPolicy policy;
        QCOMPARE(policy.scheduleSeconds(), expected);
        QCOMPARE(policy.maxAttempts(), 8);
        QCOMPARE(policy.jitter(), 0.2);
        QCOMPARE(policy.maxRetryAfterSeconds(), 6 * 3600);
        QCOMPARE(policy.delayBeforeFirst(), 0);
        // random = 0.5 is the middle of the jitter window: the scheduled delay itself.
        for (int attempt = 2; attempt <= 8; ++attempt)
            QCOMPARE(policy.delayMsBefore(attempt, 0.5), qint64(expected.at(attempt - 1)) * 1000);
    }

    void customSchedule()
    {
        const RetryPolicy policy({10, 20, 30}, 0, 0.0);
        QCOMPARE(policy.maxAttempts(), 3);
        QCOMPARE(policy.delayBeforeFirst(), 10000);
        QCOMPARE(policy.delayMsBefore(2, 0.9), 20000);
        QCOMPARE(policy.delayMsBefore(3, 0.1), 30000);
        // An empty schedule is the default one.
        QCOMPARE(RetryPolicy({}, 0).scheduleSeconds(), RetryPolicy::defaultScheduleSeconds());
    }

    void maxAttempts_data()
    {
        QTest::addColumn<QList<int>>("schedule");
        QTest::addColumn<int>("maxAttempts");
        QTest::addColumn<int>("expectedMax");

        QTest::newRow("default") << QList<int>() << 0 << 8;
        QTest::newRow("fewer than the schedule") << QList<int>() << 3 << 3;
        QTest::newRow("more than the schedule") << QList<int>{0, 60} << 5 << 5;
        QTest::newRow("negative means the schedule") << QList<int>{0, 60, 120} << -4 << 3;
        QTest::newRow("one attempt") << QList<int>{0} << 1 << 1;
    }

    void maxAttempts()
    {
        QFETCH(QList<int>, schedule);
        QFETCH(int, maxAttempts);
        QFETCH(int, expectedMax);

        const RetryPolicy policy(schedule, maxAttempts);
        QCOMPARE(policy.maxAttempts(), expectedMax);
        for (int made = 0; made < expectedMax; ++made)
            QVERIFY(policy.hasAttemptsLeft(made));
        QVERIFY(!policy.hasAttemptsLeft(expectedMax));
        QVERIFY(!policy.hasAttemptsLeft(expectedMax + 1));
    }

    void lastDelayRepeats()
    {
        const RetryPolicy policy({0, 60, 120}, 6, 0.0);
        QCOMPARE(policy.delayMsBefore(2), 60000);
        QCOMPARE(policy.delayMsBefore(3), 120000);
        QCOMPARE(policy.delayMsBefore(4), 120000);
        QCOMPARE(policy.delayMsBefore(6), 120000);
        QCOMPARE(policy.delayMsBefore(100), 120000);
    }

    void jitterBounds_data()
    {
        QTest::addColumn<double>("random");
        QTest::newRow("0") << 0.0;
        QTest::newRow("0.5") << 0.5;
        QTest::newRow("0.999999") << 0.999999;
    }

    void jitterBounds()
    {
        QFETCH(double, random);
        const RetryPolicy policy;
        const QList<int> schedule = RetryPolicy::defaultScheduleSeconds();
        for (int attempt = 2; attempt <= policy.maxAttempts(); ++attempt) {
            const qint64 base = qint64(schedule.at(attempt - 1)) * 1000;
            const qint64 delay = policy.delayMsBefore(attempt, random);
            const qint64 low = base * 8 / 10;
            const qint64 high = base * 12 / 10;
            QVERIFY2(delay >= low && delay <= high,
                     qPrintable(QStringLiteral("attempt %1: %2 ms outside [%3, %4]")
                                    .arg(QString::number(attempt), QString::number(delay),
                                         QString::number(low), QString::number(high))));
            if (random == 0.0)
                QCOMPARE(delay, low); // exactly -20 %
            else if (random == 0.5)
                QCOMPARE(delay, base);
            else
                QVERIFY(delay > base && high - delay <= base / 100000 + 1); // just under +20 %
        }
    }

    void zeroDelayStaysZero()
    {
        const RetryPolicy policy({0, 0, 10}, 0, 0.5);
        QCOMPARE(policy.delayMsBefore(1, 0.99), 0);
        QCOMPARE(policy.delayMsBefore(2, 0.99), 0);
        QCOMPARE(policy.delayMsBefore(2), 0);
        QCOMPARE(policy.delayMsBefore(3, 0.0), 5000);
        QCOMPARE(policy.delayMsBefore(3, 0.999999), 15000);
    }

    void jitterArguments()
    {
        // Out-of-range inputs are clamped rather than producing negative or runaway delays.
        const RetryPolicy wild({0, 100}, 0, 3.0);
        QCOMPARE(wild.jitter(), 1.0);
        QCOMPARE(wild.delayMsBefore(2, 0.0), 0);
        QCOMPARE(wild.delayMsBefore(2, 0.999999), 200000); // 199999.8 rounded
        const RetryPolicy negative({0, 100}, 0, -1.0);
        QCOMPARE(negative.jitter(), 0.0);
        QCOMPARE(negative.delayMsBefore(2, 0.0), 100000);
        const RetryPolicy policy({0, 100});
        QCOMPARE(policy.delayMsBefore(2, -5.0), 80000);
        QCOMPARE(policy.delayMsBefore(2, 7.0), 120000);
        QCOMPARE(policy.delayMsBefore(2, qQNaN()), 100000);
        // A negative delay that slipped past validation counts as none.
        QCOMPARE(RetryPolicy({0, -30}).delayMsBefore(2, 0.7), 0);
    }

    void jitterStatistics()
    {
        const RetryPolicy policy;
        const qint64 base = 300 * 1000; // before attempt 3
        QRandomGenerator random(20261126);
        qint64 minimum = std::numeric_limits<qint64>::max();
        qint64 maximum = 0;
        double sum = 0;
        int belowBase = 0;
        const int draws = 10000;
        for (int i = 0; i < draws; ++i) {
            const qint64 delay = policy.delayMsBefore(3, random.generateDouble());
            QVERIFY(delay >= base * 8 / 10 && delay <= base * 12 / 10);
            minimum = std::min(minimum, delay);
            maximum = std::max(maximum, delay);
            sum += double(delay);
            belowBase += delay < base ? 1 : 0;
        }
        // Uniform over [240 s, 360 s]: the mean is near 300 s, both halves are used, and the draws spread to
        // near both ends (10k draws leave gaps of a few tens of ms at most).
        QVERIFY(std::abs(sum / draws - double(base)) < base * 0.01);
        QVERIFY(belowBase > draws * 45 / 100 && belowBase < draws * 55 / 100);
        QVERIFY(minimum < base * 8 / 10 + 1000);
        QVERIFY(maximum > base * 12 / 10 - 1000);

        // The production overload draws its own numbers within the same bounds.
        for (int i = 0; i < 1000; ++i) {
            const qint64 delay = policy.delayMsBefore(3);
            QVERIFY(delay >= base * 8 / 10 && delay <= base * 12 / 10);
        }
    }

    void applyRetryAfter_data()
    {
        QTest::addColumn<qint64>("scheduled");
        QTest::addColumn<qint64>("retryAfter");
        QTest::addColumn<qint64>("expected");

        QTest::newRow("absent keeps the schedule") << qint64(5000) << qint64(-1) << qint64(5000);
        QTest::newRow("later than scheduled postpones") << qint64(5000) << qint64(60000) << qint64(60000);
        QTest::newRow("earlier than scheduled is ignored")
            << qint64(300000) << qint64(1000) << qint64(300000);
        QTest::newRow("zero is ignored") << qint64(5000) << qint64(0) << qint64(5000);
        QTest::newRow("clamped to the maximum")
            << qint64(5000) << qint64(7 * 24 * 3600) * 1000 << qint64(6 * 3600) * 1000;
        QTest::newRow("exactly the maximum")
            << qint64(5000) << qint64(6 * 3600) * 1000 << qint64(6 * 3600) * 1000;
        QTest::newRow("schedule beyond the maximum wins")
            << qint64(10 * 3600) * 1000 << qint64(7 * 24 * 3600) * 1000 << qint64(10 * 3600) * 1000;
    }

    void applyRetryAfter()
    {
        QFETCH(qint64, scheduled);
        QFETCH(qint64, retryAfter);
        QFETCH(qint64, expected);
        QCOMPARE(RetryPolicy().applyRetryAfter(scheduled, retryAfter), expected);
    }

    void applyRetryAfterCustomMaximum()
    {
        const RetryPolicy policy({}, 0, 0.2, 120);
        QCOMPARE(policy.applyRetryAfter(5000, 3600 * 1000), 120 * 1000);
        QCOMPARE(RetryPolicy({}, 0, 0.2, 0).applyRetryAfter(5000, 3600 * 1000), 5000);
    }

    void parseRetryAfter_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<qint64>("expected");

        // now() is Sun, 06 Nov 1994 08:49:00 GMT; the RFC 9110 example dates are 37 s later.
        QTest::newRow("seconds") << QByteArray("120") << qint64(120000);
        QTest::newRow("zero seconds") << QByteArray("0") << qint64(0);
        QTest::newRow("seconds with spaces") << QByteArray("  30 ") << qint64(30000);
        QTest::newRow("leading zeros") << QByteArray("007") << qint64(7000);
        QTest::newRow("huge seconds saturate")
            << QByteArray("99999999999999999999999") << std::numeric_limits<qint64>::max() / 1000 * 1000;
        QTest::newRow("IMF-fixdate") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT") << qint64(37000);
        QTest::newRow("IMF-fixdate next day")
            << QByteArray("Mon, 07 Nov 1994 08:49:00 GMT") << qint64(86400000);
        QTest::newRow("RFC 850") << QByteArray("Sunday, 06-Nov-94 08:49:37 GMT") << qint64(37000);
        QTest::newRow("asctime") << QByteArray("Sun Nov  6 08:49:37 1994") << qint64(37000);
        QTest::newRow("asctime two-digit day")
            << QByteArray("Wed Nov 16 08:49:00 1994") << qint64(10 * 86400000LL);
        QTest::newRow("date in the past") << QByteArray("Sat, 05 Nov 1994 08:49:37 GMT") << qint64(0);
        QTest::newRow("empty") << QByteArray() << qint64(-1);
        QTest::newRow("blank") << QByteArray("   ") << qint64(-1);
        QTest::newRow("negative") << QByteArray("-5") << qint64(-1);
        QTest::newRow("fraction") << QByteArray("1.5") << qint64(-1);
        QTest::newRow("unit") << QByteArray("30s") << qint64(-1);
        QTest::newRow("garbage") << QByteArray("soon") << qint64(-1);
        QTest::newRow("ISO date") << QByteArray("1994-11-06T08:49:37Z") << qint64(-1);
        QTest::newRow("wrong zone") << QByteArray("Sun, 06 Nov 1994 08:49:37 PST") << qint64(-1);
        QTest::newRow("bad month") << QByteArray("Sun, 06 Foo 1994 08:49:37 GMT") << qint64(-1);
        QTest::newRow("bad day name") << QByteArray("Xyz, 06 Nov 1994 08:49:37 GMT") << qint64(-1);
        QTest::newRow("day 31 in November") << QByteArray("Sun, 31 Nov 1994 08:49:37 GMT") << qint64(-1);
        QTest::newRow("bad clock") << QByteArray("Sun, 06 Nov 1994 25:49:37 GMT") << qint64(-1);
        QTest::newRow("short clock") << QByteArray("Sun, 06 Nov 1994 8:49:37 GMT") << qint64(-1);
        QTest::newRow("lower-case month") << QByteArray("Sun, 06 nov 1994 08:49:37 GMT") << qint64(-1);
    }

    void parseRetryAfter()
    {
        QFETCH(QByteArray, value);
        QFETCH(qint64, expected);
        QCOMPARE(RetryPolicy::parseRetryAfterMs(value, now()), expected);
    }

    void parseRetryAfterRfc850Century()
    {
        // RFC 9110: a two-digit year more than 50 years ahead belongs to the previous century.
        const QDateTime in2026(QDate(2026, 11, 26), QTime(4, 0, 0), Qt::UTC);
        QCOMPARE(RetryPolicy::parseRetryAfterMs("Thursday, 26-Nov-26 04:00:10 GMT", in2026), 10000);
        QCOMPARE(RetryPolicy::parseRetryAfterMs("Friday, 26-Nov-99 04:00:10 GMT", in2026), 0); // 1999: past
        QCOMPARE(RetryPolicy::parseRetryAfterMs("Friday, 26-Nov-27 04:00:00 GMT", in2026), 365LL * 86400000);
        // The reference time may be in any zone; only the instant matters.
        QCOMPARE(
            RetryPolicy::parseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT", now().toOffsetFromUtc(-5 * 3600)),
            37000);
    }

    void validateSchedule_data()
    {
        QTest::addColumn<QList<int>>("schedule");
        QTest::addColumn<QString>("error");

        QTest::newRow("empty means default") << QList<int>() << QString();
        QTest::newRow("default") << RetryPolicy::defaultScheduleSeconds() << QString();
        QTest::newRow("30 days exactly") << QList<int>{0, 30 * 24 * 3600} << QString();
        QTest::newRow("50 entries") << QList<int>(50, 60) << QString();
        QTest::newRow("51 entries") << QList<int>(51, 60)
                                    << QStringLiteral(
                                           "the retry schedule has 51 delays; at most 50 are allowed");
        QTest::newRow("negative") << QList<int>{0, 5, -5}
                                  << QStringLiteral("retry delay 3 (-5 s) is negative");
        QTest::newRow("too long") << QList<int>{0, 30 * 24 * 3600 + 1}
                                  << QStringLiteral("retry delay 2 (2592001 s) is longer than 30 days");
    }

    void validateSchedule()
    {
        QFETCH(QList<int>, schedule);
        QFETCH(QString, error);
        QCOMPARE(RetryPolicy::validateSchedule(schedule), error);
    }
};

QTEST_APPLESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
