#include "EventsView.h"

#include "DeliveryLogQuery.h"
#include "Engine.h"
#include "EventListModel.h"
#include "RecentEventsQuery.h"
#include "Store.h"
#include "WebhookFilter.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTableView>
#include <QVBoxLayout>

EventsView::EventsView(Engine &engine, Store &reader, DeliveryLogQuery &query, QWidget *parent)
    : QWidget(parent)
    , m_reader(reader)
    , m_query(query)
{
    auto *layout = new QVBoxLayout(this);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_model = new EventListModel(this);
    m_table = new QTableView(splitter);
    m_table->setObjectName(QStringLiteral("eventTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(EventListModel::ReceivedColumn, 135);
    m_table->setColumnWidth(EventListModel::ActionColumn, 60);
    m_table->setColumnWidth(EventListModel::TargetColumn, 260);

    auto *detail = new QWidget(splitter);
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    m_source = new QLabel(detail);
    m_source->setObjectName(QStringLiteral("eventSource"));
    m_source->setWordWrap(true);
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detailLayout->addWidget(m_source);
    detailLayout->addWidget(new QLabel(tr("Webhooks:"), detail));
    m_routing = new QListWidget(detail);
    m_routing->setObjectName(QStringLiteral("eventRouting"));
    m_routing->setWordWrap(true);
    m_routing->setMaximumHeight(160);
    detailLayout->addWidget(m_routing);
    detailLayout->addWidget(new QLabel(tr("Raw event, as the registry sent it:"), detail));
    m_raw = new QPlainTextEdit(detail);
    m_raw->setObjectName(QStringLiteral("eventRaw"));
    m_raw->setReadOnly(true);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detailLayout->addWidget(m_raw, 1);
    splitter->addWidget(m_table);
    splitter->addWidget(detail);
    splitter->setSizes({620, 640});
    layout->addWidget(splitter);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showEvent(current.row()); });
    // Arrivals are applied together, at most four times a second.
    m_reloadDelay.setSingleShot(true);
    m_reloadDelay.setInterval(250);
    // While another screen is shown, arrivals only mark the list stale: re-reading 500 events with their
    // payloads four times a second for nobody is the UI thread's largest cost under load.
    connect(&m_reloadDelay, &QTimer::timeout, this, [this] {
        if (isVisible())
            reload();
        else
            m_stale = true;
    });
    connect(&engine, &Engine::eventReceived, this, [this] {
        if (!m_reloadDelay.isActive())
            m_reloadDelay.start();
    });
    reload();
}

void EventsView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        reload();
    }
}

void EventsView::reload()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const RegistryEvent *selected = current.isValid() ? m_model->eventAt(current.row()) : nullptr;
    const qint64 selectedId = selected ? selected->rowId : 0;
    m_model->setEvents(RecentEventsQuery::load(m_query.connectionName(), shownEvents));
    const int row = m_model->rowOf(selectedId);
    if (row >= 0)
        m_table->selectRow(row);
    else
        showEvent(-1);
}

void EventsView::showEvent(int row)
{
    m_routing->clear();
    const RegistryEvent *event = m_model->eventAt(row);
    if (!event) {
        m_source->setText(tr("Select an event to see where it went."));
        m_raw->clear();
        return;
    }
    m_source->setText(tr("Event %1 from registry %2 (instance %3), by %4, received %5")
                          .arg(event->eventId,
                               event->sourceAddr.isEmpty() ? tr("unknown") : event->sourceAddr,
                               event->sourceInstance.isEmpty() ? tr("unknown") : event->sourceInstance,
                               event->actor.isEmpty() ? tr("an anonymous client") : event->actor,
                               event->receivedAt.toLocalTime().toString(Qt::ISODateWithMs)));
    const QJsonDocument json = QJsonDocument::fromJson(event->rawJson);
    m_raw->setPlainText(json.isNull() ? QString::fromUtf8(event->rawJson)
                                      : QString::fromUtf8(json.toJson(QJsonDocument::Indented)));

    // What really happened: the deliveries made for this event. For the webhooks without one, the reason
    // their filter gives now (a webhook changed since may have judged differently when the event came).
    QHash<qint64, QString> deliveries;
    QSqlQuery query(QSqlDatabase::database(m_query.connectionName()));
    query.prepare(QStringLiteral("SELECT webhook_id, id, state FROM deliveries WHERE event_id = ?"));
    query.addBindValue(event->rowId);
    if (query.exec()) {
        while (query.next())
            deliveries.insert(
                query.value(0).toLongLong(),
                tr("delivery %1, %2").arg(query.value(1).toLongLong()).arg(query.value(2).toString()));
    }
    for (const WebhookConfig &webhook : m_reader.webhooks()) {
        QString line;
        if (deliveries.contains(webhook.id)) {
            line = tr("✓ %1: matched (%2)").arg(webhook.name, deliveries.value(webhook.id));
        } else {
            const FilterVerdict verdict = WebhookFilter(webhook).evaluate(*event);
            line = verdict.matched
                       ? tr("– %1: no delivery (the webhook matches now; it was added or changed after "
                            "the event, or was disabled)")
                             .arg(webhook.name)
                       : tr("✗ %1: excluded, %2").arg(webhook.name, verdict.reason);
        }
        new QListWidgetItem(line, m_routing);
    }
    if (m_routing->count() == 0)
        new QListWidgetItem(tr("No webhooks yet."), m_routing);
}
