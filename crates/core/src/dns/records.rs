//! What a lookup finds: the addresses with their families and TTLs, the CNAME chain, and the
//! [`Lookup`] that holds them. Pure data; [`crate::dns::lookup`] fills it in and `resolve`,
//! `gen` and `sync` read it.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// Address family of a resolved address. Serializes as `"IPv4"` / `"IPv6"`,
/// and orders IPv4 before IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AddressFamily {
    /// An A record (or IPv4 literal / hosts entry).
    IPv4,
    /// An AAAA record (or IPv6 literal / hosts entry).
    IPv6,
}

impl AddressFamily {
    /// The family of `ip`.
    #[must_use]
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => Self::IPv4,
            IpAddr::V6(_) => Self::IPv6,
        }
    }

    /// `"IPv4"` or `"IPv6"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IPv4 => "IPv4",
            Self::IPv6 => "IPv6",
        }
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for AddressFamily {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AddressFamily {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One hop of a CNAME chain: `name` is an alias for `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CnameLink {
    /// Owner name of the CNAME record (no trailing dot).
    pub name: String,
    /// Name the alias points to (no trailing dot).
    pub target: String,
    /// TTL of the CNAME record, in seconds, as returned by the server.
    pub ttl: u32,
}

/// One resolved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// The address itself.
    pub ip: IpAddr,
    /// `IPv4` for A records, `IPv6` for AAAA records.
    pub family: AddressFamily,
    /// TTL of the record in seconds (0 for IP literals and hosts-file entries).
    pub ttl: u32,
}

/// The outcome of a successful [`crate::dns::lookup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The name as queried (no trailing dot).
    pub name: String,
    /// Last name in the CNAME chain, or `name` when there is no chain (or the
    /// search-list expansion of `name` that produced the answer).
    pub canonical_name: String,
    /// CNAME hops in order, from the queried name to the canonical name.
    pub cname_chain: Vec<CnameLink>,
    /// Addresses sorted IPv4 first then by address, without duplicates.
    pub addresses: Vec<Address>,
    /// Smallest TTL across `addresses`; `None` when the answer carries no TTL
    /// (hosts file, IP literal).
    pub min_ttl: Option<u32>,
    /// Who answered, e.g. `127.0.0.1:5353 (udp)`,
    /// `system resolv.conf (10.0.0.2:53 udp)`, `/etc/hosts` or `literal`.
    pub nameserver: String,
    /// The address family whose query failed (timed out, SERVFAIL, refused) while the other
    /// answered, with why: `addresses` then hold only part of the answer. `None` when both
    /// families answered (records or none). Consumers that remove what DNS no longer returns
    /// (`sync`) must not read the failed family's addresses as gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<(AddressFamily, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_orders_v4_first_and_compares_to_str() {
        assert!(AddressFamily::IPv4 < AddressFamily::IPv6);
        assert!(AddressFamily::IPv6 == "IPv6");
    }
}
