#pragma once

#include <QByteArray>
#include <QString>

class CommandContext;

// `tidings replay ID --url URL --payload-file FILE` (also `tidings delivery replay ...`): one attempt of the
// delivery to another URL and/or with an edited payload, sent at once and recorded on the delivery's
// timeline with what it changed. With --server the running instance sends it (POST
// /v1/admin/deliveries/{id}/replay with a body); on the database the command sends it itself, under the
// destination guard given by TIDINGS_DESTINATION_GUARD / TIDINGS_ALLOW_DESTINATIONS. Exit 0 when the
// receiver answered 2xx, 1 when it did not or the replay was refused.
class OverrideReplayCommand
{
public:
    static int run(CommandContext &context, qint64 deliveryId, const QString &url,
                   const QString &payloadFile);
};
