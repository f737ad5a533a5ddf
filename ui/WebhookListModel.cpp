#include "WebhookListModel.h"
#include "StatusColours.h"

#include <QColor>
#include <QGuiApplication>
#include <QLocale>

WebhookListModel::WebhookListModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int WebhookListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_webhooks.size());
}

int WebhookListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WebhookListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WebhookConfig &w = m_webhooks.at(index.row());
    const WebhookHealth health = m_health.value(w.id);
    if (role == WebhookIdRole)
        return w.id;
    if (role == Qt::ForegroundRole && index.column() == StateColumn && !w.enabled)
        return StatusColours::failure(QGuiApplication::palette());
    if (role == Qt::ToolTipRole && index.column() == StateColumn && !w.enabled)
        return w.disabledReason;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn:
        return w.name;
    case UrlColumn:
        return w.url;
    case StateColumn:
        if (w.enabled)
            return tr("enabled");
        return w.disabledReason.isEmpty() ? tr("disabled") : tr("disabled: %1").arg(w.disabledReason);
    case SuccessColumn: {
        const int percent = health.successPercent();
        if (percent < 0)
            return tr("no deliveries");
        return tr("%1 % of %2").arg(percent).arg(health.succeeded + health.failed);
    }
    case LastDeliveryColumn:
        if (!health.lastDeliveryAt.isValid())
            return tr("never");
        return tr("%1 (%2)").arg(
            QLocale().toString(health.lastDeliveryAt.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss")),
            deliveryStateName(health.lastState));
    default:
        return {};
    }
}

QVariant WebhookListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case UrlColumn:
        return tr("URL");
    case StateColumn:
        return tr("State");
    case SuccessColumn:
        return tr("Success (24 h)");
    case LastDeliveryColumn:
        return tr("Last delivery");
    default:
        return {};
    }
}

void WebhookListModel::setWebhooks(const QList<WebhookConfig> &webhooks,
                                   const QHash<qint64, WebhookHealth> &health)
{
    beginResetModel();
    m_webhooks = webhooks;
    m_health = health;
    endResetModel();
}

const WebhookConfig *WebhookListModel::webhookAt(int row) const
{
    return row >= 0 && row < m_webhooks.size() ? &m_webhooks.at(row) : nullptr;
}

int WebhookListModel::rowOf(qint64 webhookId) const
{
    for (qsizetype i = 0; i < m_webhooks.size(); ++i) {
        if (m_webhooks.at(i).id == webhookId)
            return int(i);
    }
    return -1;
}
