#include "CurlCommand.h"

#include <QStringList>

QString CurlCommand::quote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString CurlCommand::fromAttempt(const AttemptRecord &attempt)
{
    QStringList parts{QStringLiteral("curl"), QStringLiteral("-X POST"), quote(attempt.url)};
    for (const auto &header : attempt.requestHeaders) {
        // curl computes these itself from the body it sends.
        const QByteArray name = header.first.toLower();
        if (name == "content-length" || name == "host")
            continue;
        parts << QStringLiteral("-H")
              << quote(QString::fromLatin1(header.first) + QStringLiteral(": ") +
                       QString::fromLatin1(header.second));
    }
    parts << QStringLiteral("--data-binary") << quote(QString::fromUtf8(attempt.requestBody));
    return parts.join(QLatin1Char(' '));
}
