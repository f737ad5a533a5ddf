#pragma once

#include "RegistryEvent.h"
#include "WebhookConfig.h"

#include <QByteArray>

// The body and content type one delivery sends.
struct DeliveryPayload
{
    QByteArray body;
    QByteArray contentType;
};

// Turns a stored event into what a webhook receives.
class PayloadBuilder
{
public:
    static DeliveryPayload build(const RegistryEvent &event, WebhookConfig::PayloadFormat format);
    // The CloudEvents `type` for a registry action, e.g. "dev.tidings.registry.push".
    static QString cloudEventType(const QString &action);
};
