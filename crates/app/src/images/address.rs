//! Which addresses "Load images" may connect to: public unicast ones, never this computer,
//! the local network, the cloud's metadata service or any other special-purpose range. The
//! check is made on the addresses a name resolves to, by the resolver the HTTP client
//! connects with ([`PublicResolver`]), so a name that answers a public address to a check
//! and a private one to the connection (DNS rebinding) has no gap to slip through; and on
//! address literals in URLs, which never reach a resolver ([`Policy::allows`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{Ipv4Net, Ipv6Net};

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

const fn v6(segments: [u16; 8], prefix: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), prefix)
}

/// IPv4 ranges that are not the public internet: IANA's IPv4 Special-Purpose Address
/// Registry, multicast and the reserved block.
const NOT_PUBLIC_V4: [Ipv4Net; 15] = [
    v4(0, 0, 0, 0, 8),       // "this network", 0.0.0.0 (unspecified) included
    v4(10, 0, 0, 0, 8),      // private (RFC 1918)
    v4(100, 64, 0, 0, 10),   // carrier-grade NAT (RFC 6598)
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link-local, the cloud metadata service (169.254.169.254)
    v4(172, 16, 0, 0, 12),   // private (RFC 1918)
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments
    v4(192, 0, 2, 0, 24),    // documentation (TEST-NET-1)
    v4(192, 88, 99, 0, 24),  // 6to4 relay anycast (deprecated)
    v4(192, 168, 0, 0, 16),  // private (RFC 1918)
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation (TEST-NET-2)
    v4(203, 0, 113, 0, 24),  // documentation (TEST-NET-3)
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved, 255.255.255.255 (broadcast) included
];

/// Global unicast IPv6 (2000::/3): everything outside it (loopback, unspecified,
/// unique-local fc00::/7, link-local fe80::/10, site-local, multicast ff00::/8, the
/// IPv4-compatible and discard ranges) is refused without a list.
const GLOBAL_UNICAST_V6: Ipv6Net = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3);

/// Special-purpose ranges inside 2000::/3.
const NOT_PUBLIC_V6: [Ipv6Net; 4] = [
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments, Teredo included
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4: reaches whatever IPv4 it embeds
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation (RFC 9637)
];

/// NAT64's well-known prefix: a gateway connects to the IPv4 address in the last 32 bits.
const NAT64_V6: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);

/// Whether `ip` is an address on the public internet.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => !NOT_PUBLIC_V4.iter().any(|net| net.contains(&ip)),
        IpAddr::V6(ip) => {
            // ::ffff:a.b.c.d and 64:ff9b::a.b.c.d connect to a.b.c.d: judge that address.
            if let Some(mapped) = ip.to_ipv4_mapped() {
                return is_public(mapped.into());
            }
            if NAT64_V6.contains(&ip) {
                let [.., a, b, c, d] = ip.octets();
                return is_public(Ipv4Addr::new(a, b, c, d).into());
            }
            GLOBAL_UNICAST_V6.contains(&ip) && !NOT_PUBLIC_V6.iter().any(|net| net.contains(&ip))
        }
    }
}

/// Where a fetch may connect. The app has one policy, [`Policy::PUBLIC`]; tests make one
/// that also allows their own loopback server, and only that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// The one port on 127.0.0.1 also allowed (tests only).
    loopback_port: Option<u16>,
}

impl Policy {
    /// Public addresses only: the policy of every fetch the app makes.
    pub(crate) const PUBLIC: Policy = Policy {
        loopback_port: None,
    };

    /// Public addresses and `127.0.0.1:port` literally (a test's image server); a name
    /// resolving to loopback, another port, `::1` or any other address stay refused.
    #[cfg(test)]
    pub(crate) fn public_and_loopback_port(port: u16) -> Policy {
        Policy {
            loopback_port: Some(port),
        }
    }

    /// Whether a URL naming the address `ip` and `port` literally may be fetched.
    pub(crate) fn allows(&self, ip: IpAddr, port: u16) -> bool {
        is_public(ip) || (ip == IpAddr::V4(Ipv4Addr::LOCALHOST) && self.loopback_port == Some(port))
    }
}

/// A name whose every address is refused.
#[derive(Debug, thiserror::Error)]
#[error("{name} resolves to no public address")]
pub(crate) struct NameRefused {
    /// The name.
    pub(crate) name: String,
}

/// The resolver the image client connects through: the system's (`getaddrinfo`, on tokio's
/// blocking pool), with every address that is not public dropped. reqwest connects only to
/// what a resolver returns, so what is checked is what is connected to. Names get no
/// exception, whatever the [`Policy`].
pub(crate) struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NameRefused { name }) as Box<_>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn every_special_purpose_address_is_refused_and_public_ones_are_not() {
        let refused = [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback (all of 127/8)"),
            ("::1", "IPv6 loopback"),
            ("0.0.0.0", "unspecified"),
            ("::", "IPv6 unspecified"),
            ("10.1.2.3", "private (RFC 1918)"),
            ("172.16.0.1", "private (RFC 1918)"),
            ("172.31.255.254", "private (RFC 1918)"),
            ("192.168.1.1", "private (the agent's router)"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("224.0.0.251", "multicast (mDNS)"),
            ("239.255.255.250", "multicast (SSDP)"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("fc00::1", "IPv6 unique local"),
            ("fd12:3456::1", "IPv6 unique local"),
            ("fe80::1", "IPv6 link-local"),
            ("fec0::1", "IPv6 site-local (deprecated)"),
            ("ff02::1", "IPv6 multicast"),
            ("2001:db8::1", "IPv6 documentation"),
            ("3fff::1", "IPv6 documentation"),
            ("2001::1", "Teredo"),
            ("2002:c0a8:101::1", "6to4"),
            ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
            ("::ffff:10.0.0.1", "IPv4-mapped private"),
            ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
            ("::127.0.0.1", "IPv4-compatible (deprecated)"),
            ("64:ff9b::7f00:1", "NAT64 of loopback"),
            ("64:ff9b::a00:1", "NAT64 of a private address"),
            ("64:ff9b:1::1", "local-use NAT64"),
        ];
        for (address, what) in refused {
            assert!(
                !is_public(ip(address)),
                "{address} ({what}) must be refused"
            );
        }
        let public = [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ];
        for address in public {
            assert!(
                is_public(ip(address)),
                "{address} is on the public internet"
            );
        }
    }

    /// The table agrees with every stable classification the standard library has.
    #[test]
    fn no_address_std_calls_special_is_public() {
        let mut checked = 0;
        for a in [
            0u8, 10, 100, 127, 169, 172, 192, 198, 203, 224, 239, 240, 255,
        ] {
            for b in [0u8, 16, 31, 64, 88, 168, 254, 255] {
                for c in [0u8, 2, 99, 100, 113, 255] {
                    let ip = Ipv4Addr::new(a, b, c, 1);
                    let special = ip.is_private()
                        || ip.is_loopback()
                        || ip.is_link_local()
                        || ip.is_broadcast()
                        || ip.is_documentation()
                        || ip.is_multicast()
                        || ip.is_unspecified();
                    if special {
                        checked += 1;
                        assert!(!is_public(ip.into()), "std calls {ip} special");
                        let mapped = IpAddr::V6(ip.to_ipv6_mapped());
                        assert!(
                            !is_public(mapped),
                            "{mapped} maps to {ip}, which std calls special"
                        );
                    }
                }
            }
        }
        for ip in [
            "::1", "::", "fc00::", "fdff::1", "fe80::", "febf::1", "ff00::", "ff0e::1",
        ] {
            let ip: Ipv6Addr = ip.parse().expect("an address");
            let special = ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || ip.is_multicast();
            assert!(special, "{ip} is one std names");
            assert!(!is_public(ip.into()), "std calls {ip} special");
            checked += 1;
        }
        assert!(
            checked > 100,
            "the sweep reached the special ranges ({checked} checked)"
        );
    }

    #[test]
    fn the_test_policy_allows_exactly_one_loopback_port() {
        let policy = Policy::public_and_loopback_port(4321);
        assert!(
            policy.allows(ip("127.0.0.1"), 4321),
            "the test server's own port"
        );
        assert!(
            !policy.allows(ip("127.0.0.1"), 4322),
            "another loopback port"
        );
        assert!(!policy.allows(ip("::1"), 4321), "IPv6 loopback, same port");
        assert!(
            !policy.allows(ip("127.0.0.2"), 4321),
            "another loopback address"
        );
        assert!(
            !policy.allows(ip("10.0.0.1"), 4321),
            "a private address, same port"
        );
        assert!(
            !Policy::PUBLIC.allows(ip("127.0.0.1"), 4321),
            "the app's policy has no exception"
        );
        assert!(
            Policy::PUBLIC.allows(ip("8.8.8.8"), 443),
            "a public address"
        );
    }
}
