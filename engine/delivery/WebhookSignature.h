#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

// Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver checks the
// `webhook-signature` header against HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}") with the
// shared secret.
class WebhookSignature
{
public:
    static constexpr int minSecretBytes = 24;
    static constexpr int maxSecretBytes = 64;
    static constexpr int generatedSecretBytes = 32;

    // "whsec_" + base64 of 32 bytes from the system's cryptographic random source.
    static QString generateSecret();

    // Decodes "whsec_<base64>" into the HMAC key (24 to 64 bytes). false with a message when malformed.
    static bool decodeSecret(const QString &secret, QByteArray *key, QString *error = nullptr);
    static bool isValidSecret(const QString &secret, QString *error = nullptr);

    // "v1," + base64(HMAC-SHA256(key, "{messageId}.{timestamp}.{body}")).
    static QByteArray sign(const QByteArray &key, const QByteArray &messageId, qint64 timestamp,
                           const QByteArray &body);

    // The header value for one or more keys, space-separated: during a secret rotation the request is signed
    // with the old and the new secret so receivers on either keep verifying. Empty when keys is empty.
    static QByteArray signatureHeader(const QList<QByteArray> &keys, const QByteArray &messageId,
                                      qint64 timestamp, const QByteArray &body);

    // Receiver-side check, for the tests and a built-in receiver. Header syntax is checked first, then the
    // timestamp tolerance (stale requests may be replays), then each "v1," entry in constant time; entries of
    // other versions (e.g. "v1a," asymmetric signatures) are skipped.
    enum class Verdict
    {
        Valid,
        NoMatchingSignature,
        TimestampOutOfTolerance,
        MalformedHeader
    };
    static Verdict verify(const QByteArray &key, const QByteArray &messageId,
                          const QByteArray &timestampHeader, const QByteArray &body,
                          const QByteArray &signatureHeader, qint64 nowSeconds, int toleranceSeconds = 300);

    // Compares without an early exit so the time taken does not reveal how many leading bytes matched.
    // Only the lengths may leak, and signature lengths are public.
    static bool constantTimeEquals(QByteArrayView a, QByteArrayView b);
    // Frees what libcrypto keeps for the calling thread (its error queue, 904 bytes, allocated by the first
    // signature). A thread that signed calls it as it ends: OpenSSL's own clean-up at thread exit did not
    // run for the engine's thread, and LeakSanitizer reported the queue (make test-asan).
    static void releaseThreadState();
};
