// The Prometheus text format's escaping and number formatting, which /metrics relies on for webhook names
// an operator chose (quotes, backslashes, line breaks, non-ASCII).
#include "MetricsRegistry.h"
#include "PrometheusWriter.h"

#include <QTest>

#include <limits>

class TestPrometheusWriter : public QObject
{
    Q_OBJECT

private slots:
    void labelValuesAreEscaped();
    void helpIsEscaped();
    void valuesAreFormattedAsPrometheusParsesThem();
    void histogramIsCumulative();
};

void TestPrometheusWriter::labelValuesAreEscaped()
{
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("plain")), QByteArray("plain"));
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("a\"b")), QByteArray("a\\\"b"));
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("a\\b")), QByteArray("a\\\\b"));
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("line\nbreak")), QByteArray("line\\nbreak"));
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("bücher")), QStringLiteral("bücher").toUtf8());

    PrometheusWriter writer;
    writer.family("x_total", "counter", QStringLiteral("X."));
    writer.sample("x_total", {{"webhook", QStringLiteral("a\"\\\nb")}, {"result", QStringLiteral("ok")}}, 3);
    QCOMPARE(writer.text(), QByteArray("# HELP x_total X.\n# TYPE x_total counter\n"
                                       "x_total{webhook=\"a\\\"\\\\\\nb\",result=\"ok\"} 3\n"));
}

void TestPrometheusWriter::helpIsEscaped()
{
    // In HELP only the backslash and the line break are escaped; quotes stay.
    QCOMPARE(PrometheusWriter::escapeHelp(QStringLiteral("a \"b\" \\ c\nd")),
             QByteArray("a \"b\" \\\\ c\\nd"));
}

void TestPrometheusWriter::valuesAreFormattedAsPrometheusParsesThem()
{
    QCOMPARE(PrometheusWriter::formatValue(0), QByteArray("0"));
    QCOMPARE(PrometheusWriter::formatValue(42), QByteArray("42"));
    QCOMPARE(PrometheusWriter::formatValue(0.005), QByteArray("0.005"));
    QCOMPARE(PrometheusWriter::formatValue(2.5), QByteArray("2.5"));
    QCOMPARE(PrometheusWriter::formatValue(std::numeric_limits<double>::infinity()), QByteArray("+Inf"));
    QCOMPARE(PrometheusWriter::formatValue(-std::numeric_limits<double>::infinity()), QByteArray("-Inf"));
    QCOMPARE(PrometheusWriter::formatValue(std::numeric_limits<double>::quiet_NaN()), QByteArray("NaN"));
}

void TestPrometheusWriter::histogramIsCumulative()
{
    MetricsRegistry registry;
    DeliveryRecord delivery;
    delivery.webhookName = QStringLiteral("hook");
    delivery.state = DeliveryState::Succeeded;
    AttemptRecord attempt;
    for (int ms : {3, 40, 40, 700, 120000}) { // the last one beyond the largest bucket
        attempt.durationMs = ms;
        registry.recordAttempt(attempt, delivery);
    }
    PrometheusWriter writer;
    registry.write(writer);
    const QByteArray text = writer.text();
    for (const char *line :
         {"tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"0.005\"} 1\n",
          "tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"0.025\"} 1\n",
          "tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"0.05\"} 3\n",
          "tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"1\"} 4\n",
          "tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"60\"} 4\n",
          "tidings_delivery_attempt_duration_seconds_bucket{webhook=\"hook\",le=\"+Inf\"} 5\n",
          "tidings_delivery_attempt_duration_seconds_count{webhook=\"hook\"} 5\n",
          "tidings_delivery_attempt_duration_seconds_sum{webhook=\"hook\"} 120.783\n",
          "tidings_delivery_outcomes_total{webhook=\"hook\",outcome=\"succeeded\"} 5\n",
          "tidings_delivery_attempts_total{webhook=\"hook\",result=\"success\"} 5\n"})
        QVERIFY2(text.contains(line), line);
}

QTEST_MAIN(TestPrometheusWriter)
#include "tst_prometheuswriter.moc"
