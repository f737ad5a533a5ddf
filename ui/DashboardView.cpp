#include "DashboardView.h"

#include "DashboardQuery.h"
#include "DeliveryLogQuery.h"
#include "Engine.h"
#include "ReenableWebhookPanel.h"
#include "StatusColours.h"
#include "Store.h"
#include "WebhookHealthQuery.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHorizontalBarSeries>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

namespace {

constexpr int maxBacklogSamples = 2000;

// Follow the system palette (dark mode too) rather than the charts' own light theme.
void applyPalette(QChart *chart)
{
    const QPalette palette;
    chart->setBackgroundBrush(palette.base());
    chart->setTitleBrush(palette.text());
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
}

QChart *newChart(const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    applyPalette(chart);
    return chart;
}

// Series are drawn in the given colours (none: the theme's).
void setTimeSeries(QChart *chart, const QList<QPair<QString, QList<QPointF>>> &series,
                   const QString &valueTitle, const QList<QColor> &colours = {})
{
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("HH:mm"));
    auto *y = new QValueAxis;
    y->setTitleText(valueTitle);
    y->setLabelFormat(QStringLiteral("%d"));
    const QPalette palette;
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(x), static_cast<QAbstractAxis *>(y)}) {
        axis->setLabelsColor(palette.color(QPalette::Text));
        axis->setTitleBrush(palette.text());
    }
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    qreal maxValue = 1;
    qreal minX = 0;
    qreal maxX = 0;
    for (const auto &[name, points] : series) {
        auto *line = new QLineSeries;
        line->setName(name);
        const qsizetype index = chart->series().size();
        if (index < colours.size() && colours.at(index).isValid())
            line->setPen(QPen(colours.at(index), index == 0 ? 4 : 2)); // equal values stay both visible
        line->append(points);
        chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
        for (const QPointF &p : points) {
            maxValue = std::max(maxValue, p.y());
            minX = minX == 0 ? p.x() : std::min(minX, p.x());
            maxX = std::max(maxX, p.x());
        }
    }
    y->setRange(0, std::max(5.0, maxValue * 1.1));
    y->applyNiceNumbers(); // whole-number ticks, so "%d" labels never repeat
    if (maxX > minX)
        x->setRange(QDateTime::fromMSecsSinceEpoch(qint64(minX)),
                    QDateTime::fromMSecsSinceEpoch(qint64(maxX)));
}

} // namespace

DashboardView::DashboardView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent)
    : QWidget(parent)
    , m_reader(reader)
    , m_query(query)
{
    auto *grid = new QGridLayout(this);
    m_reenable = new ReenableWebhookPanel(engine, this);
    grid->addWidget(m_reenable, 0, 0, 1, 2);
    m_outcomes = newChart(tr("Attempts per minute by outcome (last hour)"));
    m_latency = newChart(tr("Latency per minute, p50 and p95 (last hour)"));
    m_backlog = newChart(tr("Backlog since the console started"));
    m_success = newChart(tr("Success rate per webhook (24 h)"));
    int i = 0;
    for (QChart *chart : {m_outcomes, m_latency, m_backlog, m_success}) {
        auto *view = new QChartView(chart, this);
        view->setRenderHint(QPainter::Antialiasing);
        view->setFocusPolicy(Qt::NoFocus); // pictures: Tab goes to the controls
        grid->addWidget(view, 1 + i / 2, i % 2);
        ++i;
    }
    m_refreshTimer.setInterval(5000);
    connect(&m_refreshTimer, &QTimer::timeout, this, &DashboardView::refresh);
    connect(&engine, &Engine::queueDepthChanged, this, &DashboardView::recordBacklog);
    recordBacklog(reader.queueDepth());
    // A webhook disabled or re-enabled shows here at once, whichever screen is open.
    connect(&engine, &Engine::webhookDisabled, this, &DashboardView::reloadDisabledWebhooks);
    connect(m_reenable, &ReenableWebhookPanel::reenabled, this, &DashboardView::reloadDisabledWebhooks);
    connect(&engine, &Engine::started, this, &DashboardView::reloadDisabledWebhooks);
    reloadDisabledWebhooks();
    // Charts are drawn when the screen is shown (showEvent), not while the console opens on another one.
}

void DashboardView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    m_refreshTimer.start();
}

void DashboardView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::PaletteChange)
        return;
    for (QChart *chart : {m_outcomes, m_latency, m_backlog, m_success}) {
        if (chart)
            applyPalette(chart);
    }
    if (isVisible())
        refresh();
}

void DashboardView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_refreshTimer.stop();
}

void DashboardView::recordBacklog(const QueueDepth &depth)
{
    m_backlogSamples.append({QDateTime::currentDateTime(), depth.pending + depth.inFlight});
    while (m_backlogSamples.size() > maxBacklogSamples)
        m_backlogSamples.removeFirst();
}

void DashboardView::reloadDisabledWebhooks()
{
    m_reenable->setWebhooks(m_reader.webhooks());
}

void DashboardView::refresh()
{
    reloadDisabledWebhooks();
    const QList<DashboardMinute> minutes = DashboardQuery::attemptsByMinute(
        m_query.connectionName(), QDateTime::currentDateTimeUtc(), minutesShown);
    QList<QPointF> succeeded;
    QList<QPointF> failed;
    QList<QPointF> p50;
    QList<QPointF> p95;
    for (const DashboardMinute &m : minutes) {
        const qreal x = qreal(m.minute.toMSecsSinceEpoch());
        succeeded.append({x, qreal(m.succeeded)});
        failed.append({x, qreal(m.failed)});
        p50.append({x, qreal(m.p50Ms)});
        p95.append({x, qreal(m.p95Ms)});
    }
    setTimeSeries(m_outcomes, {{tr("2xx"), succeeded}, {tr("failed"), failed}}, tr("attempts"),
                  {StatusColours::success(palette()), StatusColours::failure(palette())});
    setTimeSeries(m_latency, {{tr("p50"), p50}, {tr("p95"), p95}}, tr("ms"));

    QList<QPointF> backlog;
    for (const auto &[time, depth] : std::as_const(m_backlogSamples))
        backlog.append({qreal(time.toMSecsSinceEpoch()), qreal(depth)});
    backlog.append({qreal(QDateTime::currentMSecsSinceEpoch()),
                    m_backlogSamples.isEmpty() ? 0.0 : qreal(m_backlogSamples.constLast().second)});
    setTimeSeries(m_backlog, {{tr("pending + in flight"), backlog}}, tr("deliveries"));

    m_success->removeAllSeries();
    for (QAbstractAxis *axis : m_success->axes())
        m_success->removeAxis(axis);
    const QHash<qint64, WebhookHealth> health =
        WebhookHealthQuery::load(m_query.connectionName(), QDateTime::currentDateTimeUtc().addDays(-1));
    auto *set = new QBarSet(tr("succeeded %"));
    QStringList names;
    for (const WebhookConfig &webhook : m_reader.webhooks()) {
        names.append(webhook.name);
        set->append(std::max(0, health.value(webhook.id).successPercent()));
    }
    auto *bars = new QHorizontalBarSeries;
    bars->append(set);
    m_success->addSeries(bars);
    auto *names_axis = new QBarCategoryAxis;
    names_axis->append(names);
    auto *percent = new QValueAxis;
    percent->setRange(0, 100);
    percent->setLabelFormat(QStringLiteral("%d %%"));
    const QPalette palette;
    names_axis->setLabelsColor(palette.color(QPalette::Text));
    percent->setLabelsColor(palette.color(QPalette::Text));
    m_success->addAxis(names_axis, Qt::AlignLeft);
    m_success->addAxis(percent, Qt::AlignBottom);
    bars->attachAxis(names_axis);
    bars->attachAxis(percent);
}
