// The SSRF guard's address judgement, range by range.
#include "DestinationPolicy.h"

#include <QTest>

class TestDestinationPolicy : public QObject
{
    Q_OBJECT

private slots:
    void judgesAddresses_data();
    void judgesAddresses();
    void allowlistOverridesTheRanges();
    void disabledAllowsEverything();
    void parsesAllowlists_data();
    void parsesAllowlists();
};

void TestDestinationPolicy::judgesAddresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("blocked");
    QTest::newRow("public v4") << "93.184.216.34" << false;
    QTest::newRow("public v6") << "2606:2800:220:1:248:1893:25c8:1946" << false;
    QTest::newRow("loopback") << "127.0.0.1" << true;
    QTest::newRow("loopback range") << "127.45.0.9" << true;
    QTest::newRow("loopback v6") << "::1" << true;
    QTest::newRow("private 10") << "10.1.2.3" << true;
    QTest::newRow("private 172.16") << "172.16.0.1" << true;
    QTest::newRow("private 172.31") << "172.31.255.254" << true;
    QTest::newRow("not private 172.32") << "172.32.0.1" << false;
    QTest::newRow("private 192.168") << "192.168.1.1" << true;
    QTest::newRow("cloud metadata") << "169.254.169.254" << true;
    QTest::newRow("aws metadata v6") << "fd00:ec2::254" << true;
    QTest::newRow("cgnat") << "100.64.0.1" << true;
    QTest::newRow("unspecified") << "0.0.0.0" << true;
    QTest::newRow("unspecified v6") << "::" << true;
    QTest::newRow("link-local v6") << "fe80::1" << true;
    QTest::newRow("multicast") << "239.1.1.1" << true;
    QTest::newRow("broadcast") << "255.255.255.255" << true;
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    QTest::newRow("mapped loopback") << "::ffff:127.0.0.1" << true;
    QTest::newRow("mapped metadata") << "::ffff:169.254.169.254" << true;
    QTest::newRow("mapped public") << "::ffff:93.184.216.34" << false;
}

void TestDestinationPolicy::judgesAddresses()
{
    QFETCH(QString, address);
    QFETCH(bool, blocked);
    const DestinationPolicy policy(true, {});
    const QString refusal = policy.refusal(QHostAddress(address));
    QCOMPARE(!refusal.isEmpty(), blocked);
    if (blocked)
        QVERIFY2(refusal.contains(QStringLiteral("--allow-destination")), qPrintable(refusal));
}

void TestDestinationPolicy::allowlistOverridesTheRanges()
{
    QList<DestinationPolicy::Subnet> allowlist;
    QString error;
    QVERIFY(DestinationPolicy::parseAllowlist({QStringLiteral("10.20.0.0/16"), QStringLiteral("127.0.0.1")},
                                              &allowlist, &error));
    const DestinationPolicy policy(true, allowlist);
    QVERIFY(policy.refusal(QHostAddress(QStringLiteral("10.20.30.40"))).isEmpty());
    QVERIFY(!policy.refusal(QHostAddress(QStringLiteral("10.21.0.1"))).isEmpty());
    QVERIFY(policy.refusal(QHostAddress(QStringLiteral("127.0.0.1"))).isEmpty());
    QVERIFY(!policy.refusal(QHostAddress(QStringLiteral("127.0.0.2"))).isEmpty());
    QVERIFY(policy.refusal(QHostAddress(QStringLiteral("::ffff:127.0.0.1"))).isEmpty());
}

void TestDestinationPolicy::disabledAllowsEverything()
{
    const DestinationPolicy policy;
    QVERIFY(!policy.isEnabled());
    QVERIFY(policy.refusal(QHostAddress(QStringLiteral("127.0.0.1"))).isEmpty());
    QVERIFY(policy.refusal(QHostAddress(QStringLiteral("169.254.169.254"))).isEmpty());
}

void TestDestinationPolicy::parsesAllowlists_data()
{
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("count");
    QTest::newRow("cidr and host") << QStringList{QStringLiteral("10.0.0.0/8"), QStringLiteral("192.168.1.5")}
                                   << true << 2;
    QTest::newRow("v6") << QStringList{QStringLiteral("fd00::/8")} << true << 1;
    QTest::newRow("blank entries skipped") << QStringList{QString(), QStringLiteral(" ")} << true << 0;
    QTest::newRow("hostname") << QStringList{QStringLiteral("internal.example")} << false << 0;
    QTest::newRow("bad prefix") << QStringList{QStringLiteral("10.0.0.0/33")} << false << 0;
}

void TestDestinationPolicy::parsesAllowlists()
{
    QFETCH(QStringList, entries);
    QFETCH(bool, valid);
    QFETCH(int, count);
    QList<DestinationPolicy::Subnet> subnets;
    QString error;
    QCOMPARE(DestinationPolicy::parseAllowlist(entries, &subnets, &error), valid);
    if (valid)
        QCOMPARE(subnets.size(), count);
    else
        QVERIFY(!error.isEmpty());
}

QTEST_APPLESS_MAIN(TestDestinationPolicy)
#include "tst_destinationpolicy.moc"
