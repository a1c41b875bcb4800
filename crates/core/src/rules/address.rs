//! How rules in several families read one `addresses` entry: whether it names a single host.
//! Istio gives a bare IP, a `/32` or a `/128` its own `<ip>_<port>` listener, and a shorter CIDR
//! a prefix match on the port's wildcard listener (istio/istio
//! `pilot/pkg/networking/core/listener.go`, `buildSidecarOutboundListener`), so "one host or a
//! block" is the question MSH201, MSH207 and MSH301 ask; MSH302 and MSH307 compare the blocks
//! with resolved addresses.

use ipnet::IpNet;

/// The block an address stands for: a CIDR block as written, a bare IP as its host route; `None`
/// for what is neither (MSH102 reports that).
pub(crate) fn as_net(address: &str) -> Option<IpNet> {
    crate::ip::parse_net(address)
}

/// A bare IP address, or a CIDR block of full length (`/32`, `/128`).
pub(crate) fn is_host_route(address: &str) -> bool {
    crate::ip::parse_net(address).is_some_and(|n| n.prefix_len() == n.max_prefix_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_routes_are_bare_ips_and_full_length_blocks() {
        for yes in [
            "203.0.113.7",
            "203.0.113.7/32",
            "2001:db8::7",
            "2001:db8::7/128",
        ] {
            assert!(is_host_route(yes), "{yes}");
        }
        for no in [
            "203.0.113.0/24",
            "2001:db8::/64",
            "db.example.com",
            "203.0.113.7/33",
        ] {
            assert!(!is_host_route(no), "{no}");
        }
        assert_eq!(as_net("203.0.113.7"), "203.0.113.7/32".parse().ok());
        assert_eq!(as_net("203.0.113.0/24"), "203.0.113.0/24".parse().ok());
        assert_eq!(as_net("db.example.com"), None);
    }
}
