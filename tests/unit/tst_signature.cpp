#include "delivery/WebhookSignature.h"

#include <QTest>

using Verdict = WebhookSignature::Verdict;

namespace {

// The example from the Standard Webhooks specification and its reference libraries.
const QString specSecret = QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const QByteArray specMessageId("msg_p5jXN8AQM9LWM0D4loKWxJek");
const qint64 specTimestamp = 1614265330;
const QByteArray specBody("{\"test\": 2432232314}");
const QByteArray specSignature("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

QByteArray keyOf(const QString &secret)
{
    QByteArray key;
    QString error;
    if (!WebhookSignature::decodeSecret(secret, &key, &error))
        qFatal("test secret does not decode: %s", qPrintable(error));
    return key;
}

} // namespace

class TestSignature : public QObject
{
    Q_OBJECT

private slots:
    void specVector()
    {
        const QByteArray key = keyOf(specSecret);
        QCOMPARE(key.size(), 24);
        QCOMPARE(WebhookSignature::sign(key, specMessageId, specTimestamp, specBody), specSignature);
        QCOMPARE(WebhookSignature::signatureHeader({key}, specMessageId, specTimestamp, specBody),
                 specSignature);
        QCOMPARE(WebhookSignature::verify(key, specMessageId, "1614265330", specBody, specSignature,
                                          specTimestamp),
                 Verdict::Valid);
    }

    void generatedSecret()
    {
        const QString secret = WebhookSignature::generateSecret();
        QVERIFY(secret.startsWith(QLatin1StringView("whsec_")));
        QByteArray key;
        QString error;
        QVERIFY2(WebhookSignature::decodeSecret(secret, &key, &error), qPrintable(error));
        QCOMPARE(key.size(), 32);
        QVERIFY(error.isEmpty());
        QVERIFY(WebhookSignature::isValidSecret(secret));
        // Two secrets from a cryptographic source never collide in practice; equal ones would mean no
        // randomness.
        QVERIFY(WebhookSignature::generateSecret() != secret);
    }

    void secretValidation_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("errorFragment");

        const QString b64of24 = QString::fromLatin1(QByteArray(24, 'k').toBase64());
        const QString b64of64 = QString::fromLatin1(QByteArray(64, 'k').toBase64());
        QTest::newRow("spec example") << specSecret << true << QString();
        QTest::newRow("24 bytes") << (u"whsec_" + b64of24) << true << QString();
        QTest::newRow("64 bytes") << (u"whsec_" + b64of64) << true << QString();
        QTest::newRow("unpadded base64")
            << (u"whsec_" + QString::fromLatin1(QByteArray(25, 'k').toBase64(QByteArray::OmitTrailingEquals)))
            << true << QString();
        QTest::newRow("surrounding whitespace") << (u"  " + specSecret + u"\n") << true << QString();
        QTest::newRow("no prefix") << QStringLiteral("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") << false
                                   << QStringLiteral("does not start with \"whsec_\"");
        QTest::newRow("wrong prefix case") << QStringLiteral("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                                           << false << QStringLiteral("does not start with");
        QTest::newRow("prefix only") << QStringLiteral("whsec_") << false << QStringLiteral("nothing after");
        QTest::newRow("bad base64") << QStringLiteral("whsec_MfKQ9r8G*YqrTwjUPD8ILPZIo2LaLaSw") << false
                                    << QStringLiteral("not valid base64");
        QTest::newRow("non latin1") << QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSé") << false
                                    << QStringLiteral("not valid base64");
        QTest::newRow("too short") << QStringLiteral("whsec_c2hvcnQ=") << false
                                   << QStringLiteral("decodes to 5 bytes; it must be 24 to 64");
        QTest::newRow("23 bytes") << (u"whsec_" + QString::fromLatin1(QByteArray(23, 'k').toBase64()))
                                  << false << QStringLiteral("decodes to 23 bytes");
        QTest::newRow("65 bytes") << (u"whsec_" + QString::fromLatin1(QByteArray(65, 'k').toBase64()))
                                  << false << QStringLiteral("decodes to 65 bytes");
        QTest::newRow("empty") << QString() << false << QStringLiteral("does not start with");
    }

    void secretValidation()
    {
        QFETCH(QString, secret);
        QFETCH(bool, valid);
        QFETCH(QString, errorFragment);

        QByteArray key("untouched");
        QString error;
        QCOMPARE(WebhookSignature::decodeSecret(secret, &key, &error), valid);
        QCOMPARE(WebhookSignature::isValidSecret(secret), valid);
        if (valid) {
            QVERIFY(error.isEmpty());
            QVERIFY(key.size() >= 24 && key.size() <= 64);
        } else {
            QVERIFY2(error.contains(errorFragment), qPrintable(error));
            QCOMPARE(key, QByteArray("untouched"));
        }
    }

    void verify_data()
    {
        QTest::addColumn<QByteArray>("messageId");
        QTest::addColumn<QByteArray>("timestampHeader");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("signatureHeader");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<Verdict>("expected");

        const QByteArray key = keyOf(specSecret);
        const QByteArray otherKey = keyOf(WebhookSignature::generateSecret());
        const QByteArray good = specSignature;
        const QByteArray fromOther = WebhookSignature::sign(otherKey, specMessageId, specTimestamp, specBody);
        const QByteArray ts("1614265330");
        const qint64 now = specTimestamp;

        QTest::newRow("valid") << specMessageId << ts << specBody << good << now << Verdict::Valid;
        QTest::newRow("wrong secret")
            << specMessageId << ts << specBody << fromOther << now << Verdict::NoMatchingSignature;
        QTest::newRow("body changed") << specMessageId << ts << QByteArray("{\"test\": 2432232315}") << good
                                      << now << Verdict::NoMatchingSignature;
        QTest::newRow("body whitespace changed") << specMessageId << ts << QByteArray("{\"test\":2432232314}")
                                                 << good << now << Verdict::NoMatchingSignature;
        QTest::newRow("message id changed")
            << QByteArray("msg_other") << ts << specBody << good << now << Verdict::NoMatchingSignature;
        QTest::newRow("timestamp header changed") << specMessageId << QByteArray("1614265331") << specBody
                                                  << good << now << Verdict::NoMatchingSignature;
        QTest::newRow("rotation, second matches")
            << specMessageId << ts << specBody << (fromOther + ' ' + good) << now << Verdict::Valid;
        QTest::newRow("rotation, first matches")
            << specMessageId << ts << specBody << (good + ' ' + fromOther) << now << Verdict::Valid;
        QTest::newRow("rotation, none matches")
            << specMessageId << ts << specBody << (fromOther + ' ' + fromOther) << now
            << Verdict::NoMatchingSignature;
        QTest::newRow("other version skipped")
            << specMessageId << ts << specBody << (QByteArray("v1a,AAAA ") + good) << now << Verdict::Valid;
        QTest::newRow("only other version") << specMessageId << ts << specBody << ("v2," + good.mid(3)) << now
                                            << Verdict::NoMatchingSignature;
        QTest::newRow("signature without prefix")
            << specMessageId << ts << specBody << good.mid(3) << now << Verdict::MalformedHeader;
        QTest::newRow("empty signature header")
            << specMessageId << ts << specBody << QByteArray() << now << Verdict::MalformedHeader;
        QTest::newRow("version without signature")
            << specMessageId << ts << specBody << QByteArray("v1,") << now << Verdict::MalformedHeader;
        QTest::newRow("truncated signature")
            << specMessageId << ts << specBody << good.chopped(1) << now << Verdict::NoMatchingSignature;
        QTest::newRow("timestamp not a number") << specMessageId << QByteArray("yesterday") << specBody
                                                << good << now << Verdict::MalformedHeader;
        QTest::newRow("timestamp with sign") << specMessageId << QByteArray("+1614265330") << specBody << good
                                             << now << Verdict::MalformedHeader;
        QTest::newRow("timestamp empty")
            << specMessageId << QByteArray() << specBody << good << now << Verdict::MalformedHeader;
        QTest::newRow("timestamp huge") << specMessageId << QByteArray("99999999999999999999999") << specBody
                                        << good << now << Verdict::MalformedHeader;
        QTest::newRow("300 s old is tolerated")
            << specMessageId << ts << specBody << good << now + 300 << Verdict::Valid;
        QTest::newRow("301 s old") << specMessageId << ts << specBody << good << now + 301
                                   << Verdict::TimestampOutOfTolerance;
        QTest::newRow("300 s ahead is tolerated")
            << specMessageId << ts << specBody << good << now - 300 << Verdict::Valid;
        QTest::newRow("301 s ahead") << specMessageId << ts << specBody << good << now - 301
                                     << Verdict::TimestampOutOfTolerance;
        QTest::newRow("stale and wrong")
            << specMessageId << ts << specBody << fromOther << now + 3600 << Verdict::TimestampOutOfTolerance;
    }

    void verify()
    {
        QFETCH(QByteArray, messageId);
        QFETCH(QByteArray, timestampHeader);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, signatureHeader);
        QFETCH(qint64, now);
        QFETCH(Verdict, expected);

        QCOMPARE(WebhookSignature::verify(keyOf(specSecret), messageId, timestampHeader, body,
                                          signatureHeader, now),
                 expected);
    }

    void customTolerance()
    {
        const QByteArray key = keyOf(specSecret);
        QCOMPARE(WebhookSignature::verify(key, specMessageId, "1614265330", specBody, specSignature,
                                          specTimestamp + 10, 5),
                 Verdict::TimestampOutOfTolerance);
        QCOMPARE(WebhookSignature::verify(key, specMessageId, "1614265330", specBody, specSignature,
                                          specTimestamp + 5, 5),
                 Verdict::Valid);
    }

    void roundTripWithRotation()
    {
        const QByteArray oldKey = keyOf(WebhookSignature::generateSecret());
        const QByteArray newKey = keyOf(WebhookSignature::generateSecret());
        const QByteArray body("{\"events\":[]}\n");
        const QByteArray header =
            WebhookSignature::signatureHeader({oldKey, newKey}, "msg_1", 1700000000, body);

        const QList<QByteArray> parts = header.split(' ');
        QCOMPARE(parts.size(), 2);
        QCOMPARE(parts.at(0), WebhookSignature::sign(oldKey, "msg_1", 1700000000, body));
        QCOMPARE(parts.at(1), WebhookSignature::sign(newKey, "msg_1", 1700000000, body));
        // A receiver that has either secret accepts the request.
        QCOMPARE(WebhookSignature::verify(oldKey, "msg_1", "1700000000", body, header, 1700000000),
                 Verdict::Valid);
        QCOMPARE(WebhookSignature::verify(newKey, "msg_1", "1700000000", body, header, 1700000000),
                 Verdict::Valid);
        const QByteArray strangerKey = keyOf(WebhookSignature::generateSecret());
        QCOMPARE(WebhookSignature::verify(strangerKey, "msg_1", "1700000000", body, header, 1700000000),
                 Verdict::NoMatchingSignature);

        QVERIFY(WebhookSignature::signatureHeader({}, "msg_1", 1700000000, body).isEmpty());
    }

    void signatureShape()
    {
        const QByteArray signature = WebhookSignature::sign(keyOf(specSecret), "id", 1, QByteArray());
        QVERIFY(signature.startsWith("v1,"));
        // base64 of a 32-byte SHA-256 MAC is 44 characters.
        QCOMPARE(signature.size(), 3 + 44);
        QCOMPARE(QByteArray::fromBase64(signature.mid(3)).size(), 32);
    }

    void constantTimeEquals_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("equal");

        QTest::newRow("both empty") << QByteArray() << QByteArray() << true;
        QTest::newRow("same") << QByteArray("v1,abc") << QByteArray("v1,abc") << true;
        QTest::newRow("last byte differs") << QByteArray("v1,abc") << QByteArray("v1,abd") << false;
        QTest::newRow("first byte differs") << QByteArray("v1,abc") << QByteArray("w1,abc") << false;
        QTest::newRow("prefix") << QByteArray("v1,ab") << QByteArray("v1,abc") << false;
        QTest::newRow("trailing zero byte") << QByteArray("abc") << QByteArray("abc\0", 4) << false;
        QTest::newRow("one empty") << QByteArray() << QByteArray("x") << false;
        QTest::newRow("high bytes") << QByteArray("\xff\x80") << QByteArray("\xff\x80") << true;
    }

    void constantTimeEquals()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, equal);
        QCOMPARE(WebhookSignature::constantTimeEquals(a, b), equal);
        QCOMPARE(WebhookSignature::constantTimeEquals(b, a), equal);
    }
};

QTEST_APPLESS_MAIN(TestSignature)
#include "tst_signature.moc"
