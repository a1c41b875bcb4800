//! IP addresses and CIDR blocks read exactly as Istio's validation reads them. The webhook parses
//! `spec.addresses` with Go's `net/netip` (istio/istio `pkg/config/validation/agent/validation.go`
//! `ValidateIPSubnet`, `ValidateIPAddress`), which refuses what a lenient parser accepts: an IPv4
//! octet with a leading zero (`203.000.113.007`, once read as octal by some libraries), a prefix
//! length with a leading zero or a sign (`/032`, `/+8`), whitespace. `ipnet`'s own parser takes
//! the first two, so every reader in meshctl goes through here instead: a block the webhook
//! rejects must never be matched, pinned or exported as if it meant something.
//!
//! The unspecified address (`0.0.0.0`, `::`, and their full-length blocks) is not a pin: istiod
//! gives such a service the default address `0.0.0.0`, the same as an entry with no `addresses`
//! (istio/istio `pilot/pkg/serviceregistry/serviceentry/conversion.go` `convertServices`), and the
//! sidecar binds that port's wildcard listener (`pilot/pkg/networking/core/listener.go`).
//! [`is_unspecified_host`] says when an address means "every destination".

use std::net::IpAddr;

use ipnet::IpNet;

/// A bare IP address (`203.0.113.7`, `2001:db8::7`); `None` for anything Go's
/// `netip.ParseAddr` refuses, leading zeros in IPv4 octets included.
#[must_use]
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    // std's parser refuses leading zeros, signs, whitespace and over-long IPv6 groups, as
    // Go's does; IPv6 zones (`%eth0`) are refused too, and Istio has no use for them here.
    text.parse::<IpAddr>().ok()
}

/// A CIDR block written with exactly one `/` (`203.0.113.0/24`), host bits kept as written;
/// `None` for anything Go's `netip.ParsePrefix` refuses: a bad address, a prefix length that
/// is empty, not all digits, has a leading zero, or is longer than the address.
#[must_use]
pub fn parse_cidr(text: &str) -> Option<IpNet> {
    let (addr, bits) = text.split_once('/')?;
    let ip = parse_ip(addr)?;
    let digits_only = !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (bits.len() > 1 && bits.starts_with('0')) || bits.len() > 3 {
        return None;
    }
    let len = bits.parse::<u8>().ok()?;
    IpNet::new(ip, len).ok()
}

/// An `addresses` item as the block it stands for: a CIDR block as written, a bare IP as its
/// host route (`/32`, `/128`); `None` when the webhook would reject it.
#[must_use]
pub fn parse_net(text: &str) -> Option<IpNet> {
    if text.contains('/') {
        parse_cidr(text)
    } else {
        parse_ip(text).map(IpNet::from)
    }
}

/// True when `text` is the unspecified address alone: `0.0.0.0`, `::`, `0.0.0.0/32`, `::/128`.
/// Istio treats these as "no address" (the wildcard listener), so they pin nothing. The
/// IPv4-mapped `::ffff:0.0.0.0` is a different string to istiod and is not included.
#[must_use]
pub fn is_unspecified_host(text: &str) -> bool {
    parse_net(text)
        .is_some_and(|net| net.prefix_len() == net.max_prefix_len() && net.addr().is_unspecified())
}

/// The number of address bits a block leaves free, counted in the family it really covers: an
/// IPv4-mapped IPv6 block (`::ffff:0.0.0.0/96`) covers IPv4 addresses, so it is as wide as the
/// IPv4 block with 96 fewer prefix bits (`0.0.0.0/0`). Returns the effective IPv4 block for a
/// mapped one, and the block itself otherwise.
#[must_use]
pub fn effective_block(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(mapped) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(mapped);
    }
    net
}

/// Addresses as findings and log lines print them: comma-separated, in the order given.
#[must_use]
pub fn comma_list(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_go_netip_refuses() {
        for bad in [
            "203.000.113.007/32",
            "203.0.113.07/32",
            "203.0.113.7/032",
            "203.0.113.0/+24",
            "203.0.113.0/ 24",
            "203.0.113.0/",
            "203.0.113.0/33",
            "2001:db8::/129",
            "203.0.113.0/24/24",
            "::ffff:001.2.3.4/128",
            "2001:db8::00007/128",
            "0x7f.0.0.1/32",
            "db.example.com/32",
        ] {
            assert_eq!(parse_cidr(bad), None, "{bad}");
            assert_eq!(parse_net(bad), None, "{bad}");
        }
        for bad in [
            "203.000.113.007",
            "203.0.113.07",
            " 203.0.113.7",
            "fe80::1%eth0",
        ] {
            assert_eq!(parse_ip(bad), None, "{bad}");
            assert_eq!(parse_net(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_what_go_netip_reads() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.0/24"),
            ("203.0.113.7/24", "203.0.113.7/24"),
            ("203.0.113.7/32", "203.0.113.7/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("2001:db8::0007/128", "2001:db8::7/128"),
            ("::ffff:0.0.0.0/96", "::ffff:0.0.0.0/96"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_cidr(text), want.parse().ok(), "{text}");
        }
        assert_eq!(parse_net("203.0.113.7"), "203.0.113.7/32".parse().ok());
        assert_eq!(parse_net("2001:db8::7"), "2001:db8::7/128".parse().ok());
        assert_eq!(parse_cidr("203.0.113.7"), None, "a CIDR needs its slash");
    }

    #[test]
    fn unspecified_means_every_destination() {
        for yes in ["0.0.0.0", "0.0.0.0/32", "::", "::/128", "0:0:0:0:0:0:0:0"] {
            assert!(is_unspecified_host(yes), "{yes}");
        }
        for no in [
            "0.0.0.0/0",
            "0.0.0.0/8",
            "::/0",
            "::ffff:0.0.0.0",
            "203.0.113.7",
            "000.0.0.0",
        ] {
            assert!(!is_unspecified_host(no), "{no}");
        }
    }

    #[test]
    fn mapped_blocks_count_by_the_ipv4_width_they_cover() {
        let cases = [
            ("::ffff:0.0.0.0/96", "0.0.0.0/0"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:203.0.113.7/128", "203.0.113.7/32"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("203.0.113.0/24", "203.0.113.0/24"),
        ];
        for (text, want) in cases {
            let net = parse_cidr(text).expect("test block parses");
            assert_eq!(effective_block(net), want.parse().expect("want"), "{text}");
        }
    }
}
