//! Which kind of address an IP or CIDR block is, after the IANA IPv4 and IPv6 Special-Purpose
//! Address Registries (RFC 6890 and its updates): the one answer `gen serviceentry`, `sync` and
//! `check` share when they ask "is this a database on the network, or the pod itself, the
//! node's metadata service, a broadcast?".
//!
//! Only the classes a pinned egress address can be mistaken for are told apart; every other
//! unicast address is [`AddressClass::Public`], the documentation ranges (192.0.2.0/24,
//! 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) included, because examples and tests use
//! them as stand-ins for real services. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the
//! IPv4 address it maps: a dual-stack socket dials exactly that, so `::ffff:169.254.169.254`
//! reaches the metadata service as surely as `169.254.169.254`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// The kind of an address. Names are stable kebab-case strings: flags, annotations and
/// messages spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressClass {
    /// `0.0.0.0`, `::`: "no address"; connecting to it reaches the local host, and DNS filters
    /// (Pi-hole NULL mode) answer it for names they block.
    Unspecified,
    /// `127.0.0.0/8`, `::1`: the pod (or node) itself.
    Loopback,
    /// `169.254.0.0/16` (the cloud metadata service `169.254.169.254` included), `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`, the limited broadcast.
    Broadcast,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), RFC 6598 shared space (`100.64/10`) and
    /// IPv6 unique local addresses (`fc00::/7`).
    Private,
    /// Every other unicast address.
    Public,
}

/// The address of the cloud instance metadata service (AWS, GCP, Azure, OpenStack, ...).
const METADATA: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// The special-purpose IPv4 blocks, each with its class; everything outside is public.
const V4: &[(Ipv4Net, AddressClass)] = &[
    (
        Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 32),
        AddressClass::Unspecified,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
        AddressClass::Loopback,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
        AddressClass::LinkLocal,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
        AddressClass::Multicast,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::BROADCAST, 32),
        AddressClass::Broadcast,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
        AddressClass::Private,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
        AddressClass::Private,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
        AddressClass::Private,
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
        AddressClass::Private,
    ),
];

/// The special-purpose IPv6 blocks, each with its class (the IPv4-mapped block is read as
/// IPv4 before this table is consulted).
const V6: &[(Ipv6Net, AddressClass)] = &[
    (
        Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128),
        AddressClass::Unspecified,
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128),
        AddressClass::Loopback,
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
        AddressClass::LinkLocal,
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
        AddressClass::Multicast,
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
        AddressClass::Private,
    ),
];

/// `::ffff:0:0/96`, the IPv4-mapped addresses.
const MAPPED: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96);

impl AddressClass {
    /// Every class, in a fixed order.
    pub const ALL: [AddressClass; 7] = [
        AddressClass::Unspecified,
        AddressClass::Loopback,
        AddressClass::LinkLocal,
        AddressClass::Multicast,
        AddressClass::Broadcast,
        AddressClass::Private,
        AddressClass::Public,
    ];

    /// The class of `ip` (an IPv4-mapped IPv6 address as its IPv4 address).
    #[must_use]
    pub fn of(ip: IpAddr) -> Self {
        Self::of_net(IpNet::from(ip)).unwrap_or(AddressClass::Public)
    }

    /// The class every address of `net` belongs to, or `None` when the block spans several
    /// (`0.0.0.0/0`, `120.0.0.0/5`).
    #[must_use]
    pub fn of_net(net: IpNet) -> Option<Self> {
        match unmap(net.trunc()) {
            IpNet::V4(net) => classify(V4, net),
            IpNet::V6(net) => classify(V6, net),
        }
    }

    /// True for the classes no egress entry should pin unless told to: the pod itself, the
    /// node's link (metadata service), group and broadcast addresses, and "no address".
    #[must_use]
    pub fn refused_by_default(self) -> bool {
        !matches!(self, AddressClass::Private | AddressClass::Public)
    }

    /// The stable name: `link-local`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::LinkLocal => "link-local",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Private => "private",
            AddressClass::Public => "public",
        }
    }
}

/// `ip` described for a message: "a link-local address (cloud metadata)".
#[must_use]
pub fn describe(ip: IpAddr) -> String {
    let class = AddressClass::of(ip);
    let article = if class == AddressClass::Unspecified {
        "an"
    } else {
        "a"
    };
    let note = if as_v4(ip) == Some(METADATA) {
        " (cloud metadata)"
    } else {
        ""
    };
    format!("{article} {class} address{note}")
}

/// The IPv4 address `ip` is or maps.
fn as_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

/// An IPv4-mapped block (`::ffff:127.0.0.0/104`) as the IPv4 block it maps; other blocks as
/// they are. A block wider than `/96` only partly maps, and stays IPv6.
fn unmap(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if MAPPED.contains(&v6) => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, IpNet::V4),
        other => other,
    }
}

/// The class of a whole block: the special block containing it, public when it overlaps none,
/// `None` when it overlaps one without lying inside it. Two CIDR blocks overlap only when one
/// contains the other.
fn classify<N>(table: &[(N, AddressClass)], net: N) -> Option<AddressClass>
where
    N: Copy + Contains,
{
    if let Some((_, class)) = table.iter().find(|(block, _)| block.holds(net)) {
        return Some(*class);
    }
    if table.iter().any(|(block, _)| net.holds(*block)) {
        return None;
    }
    Some(AddressClass::Public)
}

/// Block containment for both families.
trait Contains {
    fn holds(&self, other: Self) -> bool;
}

impl Contains for Ipv4Net {
    fn holds(&self, other: Self) -> bool {
        self.contains(&other)
    }
}

impl Contains for Ipv6Net {
    fn holds(&self, other: Self) -> bool {
        self.contains(&other)
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a class name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an address class: use unspecified, loopback, link-local, multicast, broadcast, private or public"
)]
pub struct UnknownClass(pub String);

impl FromStr for AddressClass {
    type Err = UnknownClass;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownClass(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        input: &'static str,
        want: AddressClass,
    }

    fn case(input: &'static str, want: AddressClass) -> Case {
        Case { input, want }
    }

    #[test]
    fn every_boundary_of_every_block() {
        use AddressClass::{
            Broadcast, LinkLocal, Loopback, Multicast, Private, Public, Unspecified,
        };
        let cases = [
            case("0.0.0.0", Unspecified),
            case("0.0.0.1", Public),
            case("126.255.255.255", Public),
            case("127.0.0.0", Loopback),
            case("127.0.0.1", Loopback),
            case("127.255.255.255", Loopback),
            case("128.0.0.0", Public),
            case("169.253.255.255", Public),
            case("169.254.0.0", LinkLocal),
            case("169.254.169.254", LinkLocal),
            case("169.254.255.255", LinkLocal),
            case("169.255.0.0", Public),
            case("223.255.255.255", Public),
            case("224.0.0.0", Multicast),
            case("239.255.255.255", Multicast),
            case("240.0.0.0", Public),
            case("255.255.255.254", Public),
            case("255.255.255.255", Broadcast),
            case("9.255.255.255", Public),
            case("10.0.0.0", Private),
            case("10.255.255.255", Private),
            case("11.0.0.0", Public),
            case("172.15.255.255", Public),
            case("172.16.0.0", Private),
            case("172.31.255.255", Private),
            case("172.32.0.0", Public),
            case("192.167.255.255", Public),
            case("192.168.0.0", Private),
            case("192.168.255.255", Private),
            case("192.169.0.0", Public),
            case("100.63.255.255", Public),
            case("100.64.0.0", Private),
            case("100.127.255.255", Private),
            case("100.128.0.0", Public),
            case("192.0.2.1", Public),
            case("198.51.100.7", Public),
            case("203.0.113.7", Public),
            case("::", Unspecified),
            case("::1", Loopback),
            case("::2", Public),
            case("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Public),
            case("fe80::", LinkLocal),
            case("fe80::1", LinkLocal),
            case("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LinkLocal),
            case("fec0::", Public),
            case("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Public),
            case("ff00::", Multicast),
            case("ff02::1", Multicast),
            case("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Multicast),
            case("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Public),
            case("fc00::", Private),
            case("fd00:ec2::254", Private),
            case("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Private),
            case("2001:db8::7", Public),
            case("::ffff:0.0.0.0", Unspecified),
            case("::ffff:127.0.0.1", Loopback),
            case("::ffff:169.254.169.254", LinkLocal),
            case("::ffff:224.0.0.1", Multicast),
            case("::ffff:255.255.255.255", Broadcast),
            case("::ffff:10.0.0.7", Private),
            case("::ffff:203.0.113.7", Public),
            case("::fffe:7f00:1", Public),
        ];
        for Case { input, want } in cases {
            let ip: IpAddr = input.parse().expect(input);
            assert_eq!(AddressClass::of(ip), want, "{input}");
        }
    }

    #[test]
    fn a_block_has_a_class_only_when_all_of_it_does() {
        use AddressClass::{Broadcast, LinkLocal, Loopback, Multicast, Private, Public};
        let cases: [(&str, Option<AddressClass>); 16] = [
            ("127.0.0.0/8", Some(Loopback)),
            ("127.0.0.0/7", None),
            ("169.254.169.254/32", Some(LinkLocal)),
            ("169.254.0.0/16", Some(LinkLocal)),
            ("169.254.0.0/15", None),
            ("224.0.0.0/4", Some(Multicast)),
            ("255.255.255.255/32", Some(Broadcast)),
            ("255.255.255.0/24", None),
            ("10.0.0.0/8", Some(Private)),
            ("203.0.113.0/24", Some(Public)),
            ("0.0.0.0/0", None),
            ("::ffff:127.0.0.1/128", Some(Loopback)),
            ("::ffff:169.254.0.0/112", Some(LinkLocal)),
            ("::/0", None),
            ("fe80::/10", Some(LinkLocal)),
            ("2001:db8::/32", Some(Public)),
        ];
        for (input, want) in cases {
            let net: IpNet = input.parse().expect(input);
            assert_eq!(AddressClass::of_net(net), want, "{input}");
        }
    }

    #[test]
    fn names_round_trip_and_refusal_is_by_class() {
        for class in AddressClass::ALL {
            assert_eq!(class.as_str().parse::<AddressClass>(), Ok(class));
        }
        assert_eq!(" Link-Local".parse(), Ok(AddressClass::LinkLocal));
        let err = "metadata".parse::<AddressClass>().expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with("`metadata` is not an address class")
        );
        let refused: Vec<_> = AddressClass::ALL
            .into_iter()
            .filter(|c| c.refused_by_default())
            .map(AddressClass::as_str)
            .collect();
        assert_eq!(
            refused,
            [
                "unspecified",
                "loopback",
                "link-local",
                "multicast",
                "broadcast"
            ]
        );
    }

    #[test]
    fn descriptions_name_the_class_and_the_metadata_service() {
        let d = |s: &str| describe(s.parse().expect("ip"));
        assert_eq!(
            d("169.254.169.254"),
            "a link-local address (cloud metadata)"
        );
        assert_eq!(
            d("::ffff:169.254.169.254"),
            "a link-local address (cloud metadata)"
        );
        assert_eq!(d("0.0.0.0"), "an unspecified address");
        assert_eq!(d("127.0.0.1"), "a loopback address");
    }
}
