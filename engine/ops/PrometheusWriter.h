#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// Writes the Prometheus text exposition format (version 0.0.4): a HELP and a TYPE line per metric family,
// then its samples. Label values and help texts are escaped as the format requires, so a webhook name with
// quotes, backslashes or line breaks cannot break the output.
class PrometheusWriter
{
public:
    using Labels = QList<QPair<QByteArray, QString>>;

    static constexpr const char *contentType = "text/plain; version=0.0.4; charset=utf-8";

    // Starts a metric family; `type` is counter, gauge or histogram.
    void family(const QByteArray &name, const QByteArray &type, const QString &help);
    void sample(const QByteArray &name, const Labels &labels, double value);

    QByteArray text() const { return m_text; }

    static QByteArray escapeLabelValue(const QString &value);
    static QByteArray escapeHelp(const QString &help);
    // Go's formatting of floats as Prometheus parses it: integers without a fraction, +Inf, NaN.
    static QByteArray formatValue(double value);

private:
    QByteArray m_text;
};
