#include "DeliveryLogFilter.h"

#include <QSettings>

QDateTime DeliveryLogFilter::since(const QDateTime &now) const
{
    switch (range) {
    case TimeRange::Any:
        return {};
    case TimeRange::LastHour:
        return now.addSecs(-3600);
    case TimeRange::Last24Hours:
        return now.addDays(-1);
    case TimeRange::Last7Days:
        return now.addDays(-7);
    }
    return {};
}

bool DeliveryLogFilter::parseHttpStatus(const QString &text, int *low, int *high, bool *valid)
{
    const QString t = text.trimmed().toLower();
    *valid = true;
    if (t.isEmpty())
        return false;
    if (t == QLatin1String("none") || t == QLatin1String("0")) {
        *low = *high = 0;
        return true;
    }
    if (t.size() == 3 && t.at(0) >= QLatin1Char('1') && t.at(0) <= QLatin1Char('5') &&
        t.mid(1) == QLatin1String("xx")) {
        *low = (t.at(0).unicode() - '0') * 100;
        *high = *low + 99;
        return true;
    }
    bool ok = false;
    const int status = t.toInt(&ok);
    if (ok && status >= 100 && status <= 599) {
        *low = *high = status;
        return true;
    }
    *valid = false;
    return false;
}

void DeliveryLogFilter::save(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("deliveryLog"));
    settings.setValue(QStringLiteral("state"), state);
    settings.setValue(QStringLiteral("webhookId"), webhookId);
    settings.setValue(QStringLiteral("text"), text);
    settings.setValue(QStringLiteral("httpStatus"), httpStatus);
    settings.setValue(QStringLiteral("range"), int(range));
    settings.endGroup();
}

DeliveryLogFilter DeliveryLogFilter::load(QSettings &settings)
{
    DeliveryLogFilter filter;
    settings.beginGroup(QStringLiteral("deliveryLog"));
    filter.state = settings.value(QStringLiteral("state")).toString();
    filter.webhookId = settings.value(QStringLiteral("webhookId")).toLongLong();
    filter.text = settings.value(QStringLiteral("text")).toString();
    filter.httpStatus = settings.value(QStringLiteral("httpStatus")).toString();
    const int range = settings.value(QStringLiteral("range")).toInt();
    if (range >= int(TimeRange::Any) && range <= int(TimeRange::Last7Days))
        filter.range = TimeRange(range);
    settings.endGroup();
    return filter;
}

bool DeliveryLogFilter::operator==(const DeliveryLogFilter &other) const
{
    return state == other.state && webhookId == other.webhookId && text == other.text &&
           httpStatus == other.httpStatus && range == other.range;
}
