#include "DestinationPolicy.h"

namespace {

struct BlockedRange
{
    const char *subnet;
    const char *what;
};

// Ranges a webhook on the public internet never needs, and an attacker who controls a webhook URL would love.
const BlockedRange blockedRanges[] = {
    {"0.0.0.0/8", "an unspecified address"},
    {"10.0.0.0/8", "a private network"},
    {"100.64.0.0/10", "a carrier-grade NAT network"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local (cloud metadata lives here)"},
    {"172.16.0.0/12", "a private network"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.168.0.0/16", "a private network"},
    {"198.18.0.0/15", "a benchmarking network"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved or broadcast"},
    {"::/128", "an unspecified address"},
    {"::1/128", "loopback"},
    {"fc00::/7", "a unique-local network (cloud metadata fd00:ec2::254 included)"},
    {"fe80::/10", "link-local"},
    {"ff00::/8", "multicast"},
};

} // namespace

DestinationPolicy::DestinationPolicy(bool enabled, QList<Subnet> allowlist)
    : m_enabled(enabled)
    , m_allowlist(std::move(allowlist))
{}

QString DestinationPolicy::refusal(const QHostAddress &candidate) const
{
    if (!m_enabled)
        return {};
    // ::ffff:10.0.0.1 is 10.0.0.1: judge IPv4-mapped addresses as the IPv4 address they are.
    QHostAddress address = candidate;
    bool isMapped = false;
    const quint32 ipv4 = candidate.toIPv4Address(&isMapped);
    if (isMapped)
        address = QHostAddress(ipv4);
    for (const Subnet &allowed : m_allowlist) {
        if (address.isInSubnet(allowed))
            return {};
    }
    for (const BlockedRange &range : blockedRanges) {
        if (address.isInSubnet(QHostAddress::parseSubnet(QLatin1String(range.subnet)))) {
            return QStringLiteral("%1 is %2; deliveries to it are blocked (add it to the allowlist with "
                                  "--allow-destination if it is a trusted target)")
                .arg(address.toString(), QLatin1String(range.what));
        }
    }
    return {};
}

bool DestinationPolicy::parseAllowlist(const QStringList &entries, QList<Subnet> *subnets, QString *error)
{
    for (const QString &raw : entries) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            continue;
        Subnet subnet = QHostAddress::parseSubnet(entry);
        if (subnet.first.isNull()) {
            QHostAddress single;
            if (!single.setAddress(entry)) {
                *error = QStringLiteral("\"%1\" is not an address or a subnet like 10.0.0.0/8").arg(entry);
                return false;
            }
            subnet = {single, single.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32};
        }
        subnets->append(subnet);
    }
    return true;
}
