#pragma once

#include "QueueDepth.h"

#include <QDateTime>
#include <QList>
#include <QPair>
#include <QTimer>
#include <QWidget>

class DeliveryLogQuery;
class Engine;
class QChart;
class QChartView;
class ReenableWebhookPanel;
class Store;

// The Dashboard: deliveries per minute by outcome and latency p50/p95 over the last hour (from the attempts
// table), the backlog since the console started (sampled from the engine's queue depth), and the 24 h success
// rate per webhook. Refreshed every few seconds while shown. Above them, while a webhook is disabled, the
// box that re-enables it with a preview of what it missed.
class DashboardView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int minutesShown = 60;

    DashboardView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent = nullptr);

    void refresh();
    QChart *outcomesChart() const { return m_outcomes; }
    QChart *latencyChart() const { return m_latency; }
    QChart *backlogChart() const { return m_backlog; }
    QChart *successChart() const { return m_success; }
    // Re-enabling a disabled webhook with a preview of what it missed (shown while one is disabled).
    ReenableWebhookPanel *reenablePanel() const { return m_reenable; }
    // The disabled webhooks offered for re-enabling, from the database now.
    void reloadDisabledWebhooks();

protected:
    void showEvent(class QShowEvent *event) override;
    void hideEvent(class QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void recordBacklog(const QueueDepth &depth);

    Store &m_reader;
    DeliveryLogQuery &m_query;
    QChart *m_outcomes = nullptr;
    QChart *m_latency = nullptr;
    QChart *m_backlog = nullptr;
    QChart *m_success = nullptr;
    ReenableWebhookPanel *m_reenable = nullptr;
    QList<QPair<QDateTime, int>> m_backlogSamples;
    QTimer m_refreshTimer;
};
