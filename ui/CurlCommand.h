#pragma once

#include "AttemptRecord.h"

#include <QString>

// "Copy as curl": the request of an attempt as a shell command that sends it again, byte for byte (the
// recorded headers, secrets masked as recorded, and the body).
class CurlCommand
{
public:
    static QString fromAttempt(const AttemptRecord &attempt);
    // Single-quoted for a POSIX shell.
    static QString quote(const QString &text);
};
