#pragma once

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

// The SSRF guard: which addresses deliveries may connect to. When enabled, loopback, private, link-local
// (cloud metadata at 169.254.169.254 included), carrier-grade NAT, unique-local, multicast and unspecified
// addresses are refused unless an allowlist entry covers them. The dispatcher checks the address it actually
// connects to (it resolves the name itself and pins the connection to the checked address), so a name that
// resolves differently a moment later (DNS rebinding) cannot slip through.
class DestinationPolicy
{
public:
    using Subnet = QPair<QHostAddress, int>;

    DestinationPolicy() = default; // disabled: every address allowed (local desktop use)
    DestinationPolicy(bool enabled, QList<Subnet> allowlist);

    bool isEnabled() const { return m_enabled; }
    // Empty when `address` may be connected to; otherwise the reason, naming the range.
    QString refusal(const QHostAddress &address) const;
    // "10.0.0.0/8", "192.168.1.20", "fd00::/8": an address without a prefix is one host.
    static bool parseAllowlist(const QStringList &entries, QList<Subnet> *subnets, QString *error);

private:
    bool m_enabled = false;
    QList<Subnet> m_allowlist;
};
