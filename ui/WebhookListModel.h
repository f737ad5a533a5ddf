#pragma once

#include "WebhookConfig.h"
#include "WebhookHealthQuery.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

// The Webhooks screen's list: each webhook with its health (enabled, or disabled and why; 24 h success rate;
// latest delivery).
class WebhookListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        NameColumn,
        UrlColumn,
        StateColumn,
        SuccessColumn,
        LastDeliveryColumn,
        ColumnCount
    };
    enum Role
    {
        WebhookIdRole = Qt::UserRole + 1
    };

    explicit WebhookListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setWebhooks(const QList<WebhookConfig> &webhooks, const QHash<qint64, WebhookHealth> &health);
    const WebhookConfig *webhookAt(int row) const;
    int rowOf(qint64 webhookId) const;

private:
    QList<WebhookConfig> m_webhooks;
    QHash<qint64, WebhookHealth> m_health;
};
