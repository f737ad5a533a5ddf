#include "WebhookSignature.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

#include <algorithm>

namespace {

const QLatin1StringView secretPrefix("whsec_");
const QByteArray versionPrefix("v1,");

QByteArray signTimestampText(const QByteArray &key, const QByteArray &messageId, const QByteArray &timestamp,
                             const QByteArray &body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, key);
    mac.addData(messageId);
    mac.addData(".");
    mac.addData(timestamp);
    mac.addData(".");
    mac.addData(body);
    return versionPrefix + mac.result().toBase64();
}

bool isDecimal(const QByteArray &text)
{
    return !text.isEmpty() && text.size() <= 18 &&
           std::all_of(text.cbegin(), text.cend(), [](char c) { return c >= '0' && c <= '9'; });
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

QString WebhookSignature::generateSecret()
{
    quint32 words[generatedSecretBytes / sizeof(quint32)];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray bytes(reinterpret_cast<const char *>(words), sizeof(words));
    return secretPrefix + QString::fromLatin1(bytes.toBase64());
}

bool WebhookSignature::decodeSecret(const QString &secret, QByteArray *key, QString *error)
{
    const QString trimmed = secret.trimmed();
    if (!trimmed.startsWith(secretPrefix))
        return fail(error, QStringLiteral("the secret does not start with \"whsec_\""));
    const QString encoded = trimmed.mid(secretPrefix.size());
    if (encoded.isEmpty())
        return fail(error, QStringLiteral("the secret has nothing after \"whsec_\""));
    // toLatin1() would turn non-Latin-1 characters into '?', which the decoder then rejects as it should.
    const auto decoded =
        QByteArray::fromBase64Encoding(encoded.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(error, QStringLiteral("the part after \"whsec_\" is not valid base64"));
    const QByteArray bytes = *decoded;
    if (bytes.size() < minSecretBytes || bytes.size() > maxSecretBytes) {
        return fail(error, QStringLiteral("the secret decodes to %1 bytes; it must be %2 to %3")
                               .arg(QString::number(bytes.size()), QString::number(minSecretBytes),
                                    QString::number(maxSecretBytes)));
    }
    if (key)
        *key = bytes;
    if (error)
        error->clear();
    return true;
}

bool WebhookSignature::isValidSecret(const QString &secret, QString *error)
{
    return decodeSecret(secret, nullptr, error);
}

QByteArray WebhookSignature::sign(const QByteArray &key, const QByteArray &messageId, qint64 timestamp,
                                  const QByteArray &body)
{
    return signTimestampText(key, messageId, QByteArray::number(timestamp), body);
}

QByteArray WebhookSignature::signatureHeader(const QList<QByteArray> &keys, const QByteArray &messageId,
                                             qint64 timestamp, const QByteArray &body)
{
    QByteArray header;
    for (const QByteArray &key : keys) {
        if (!header.isEmpty())
            header += ' ';
        header += sign(key, messageId, timestamp, body);
    }
    return header;
}

WebhookSignature::Verdict WebhookSignature::verify(const QByteArray &key, const QByteArray &messageId,
                                                   const QByteArray &timestampHeader, const QByteArray &body,
                                                   const QByteArray &signatureHeader, qint64 nowSeconds,
                                                   int toleranceSeconds)
{
    // The signed text contains the header as sent, so only plain digits are accepted: "+123" parses as a
    // number, yet a sender following the spec never produces it.
    const QByteArray timestampText = timestampHeader.trimmed();
    if (!isDecimal(timestampText))
        return Verdict::MalformedHeader;
    const qint64 timestamp = timestampText.toLongLong();

    const QList<QByteArray> entries = signatureHeader.simplified().split(' ');
    QList<QByteArray> candidates;
    for (const QByteArray &entry : entries) {
        const qsizetype comma = entry.indexOf(',');
        if (comma <= 0 || comma == entry.size() - 1)
            return Verdict::MalformedHeader;
        if (entry.startsWith(versionPrefix))
            candidates.append(entry);
    }

    // Rejecting old timestamps bounds how long a captured request can be replayed; rejecting future ones
    // stops a sender with a bad clock from minting long-lived requests.
    if (timestamp < nowSeconds - toleranceSeconds || timestamp > nowSeconds + toleranceSeconds)
        return Verdict::TimestampOutOfTolerance;

    const QByteArray expected = signTimestampText(key, messageId, timestampText, body);
    bool matched = false;
    // Every candidate is compared, even after a match, so timing does not tell which entry matched.
    for (const QByteArray &candidate : candidates)
        matched |= constantTimeEquals(candidate, expected);
    return matched ? Verdict::Valid : Verdict::NoMatchingSignature;
}

bool WebhookSignature::constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    const qsizetype length = std::max(a.size(), b.size());
    quint8 difference = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < length; ++i) {
        const quint8 x = i < a.size() ? quint8(a[i]) : 0;
        const quint8 y = i < b.size() ? quint8(b[i]) : 0;
        difference |= x ^ y;
    }
    return difference == 0;
}
