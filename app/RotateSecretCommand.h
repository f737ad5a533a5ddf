#pragma once

#include <QStringList>

class CommandContext;

// `tidings webhook rotate-secret NAME|ID [--grace 24h]`: a new secret, with the previous one still signing
// next to it for the grace period (0 stops it at once). Prints the new secret once.
class RotateSecretCommand
{
public:
    static int run(CommandContext &context, const QStringList &arguments);
};
