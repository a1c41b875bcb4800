//! Which outbound connections the pod's iptables rules hand to the sidecar at all (the
//! `ISTIO_OUTPUT` chain that istio/istio tools/istio-iptables/pkg/capture/run.go builds). A
//! bypassed connection never meets a listener, a `ServiceEntry` or the outbound policy, so this
//! runs first in `decide`.
//!
//! The four `traffic.sidecar.istio.io/*Outbound*` annotations are parsed once at compile time;
//! the per-connection check is a few short linear scans (annotation lists are tiny) and does not
//! allocate. Values that are not ports or CIDRs are skipped and reported as compile notes, the
//! way a malformed annotation is ignored rather than breaking the pod.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// `traffic.sidecar.istio.io/includeOutboundIPRanges`.
pub const INCLUDE_RANGES: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";
/// `traffic.sidecar.istio.io/excludeOutboundIPRanges`.
pub const EXCLUDE_RANGES: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
/// `traffic.sidecar.istio.io/includeOutboundPorts`.
pub(crate) const INCLUDE_PORTS: &str = "traffic.sidecar.istio.io/includeOutboundPorts";
/// `traffic.sidecar.istio.io/excludeOutboundPorts`.
pub(crate) const EXCLUDE_PORTS: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";

/// Why a connection does not reach the sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BypassReason {
    /// The port is listed in `excludeOutboundPorts`.
    ExcludedPort(u16),
    /// Loopback destinations (127.0.0.0/8, `::1`) are never redirected.
    Loopback,
    /// The destination is inside a range of `excludeOutboundIPRanges`.
    ExcludedRange(IpNet),
    /// `includeOutboundIPRanges` does not cover the destination and the port is not in
    /// `includeOutboundPorts`.
    NotIncluded,
}

impl fmt::Display for BypassReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BypassReason::ExcludedPort(port) => write!(f, "port {port} is in {EXCLUDE_PORTS}"),
            BypassReason::Loopback => f.write_str("loopback destinations are never redirected"),
            BypassReason::ExcludedRange(net) => write!(f, "{net} is in {EXCLUDE_RANGES}"),
            BypassReason::NotIncluded => write!(
                f,
                "destination is outside {INCLUDE_RANGES} and its port is not in {INCLUDE_PORTS}"
            ),
        }
    }
}

/// The pod's capture rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    /// `excludeOutboundPorts`.
    pub exclude_ports: Vec<u16>,
    /// `excludeOutboundIPRanges`.
    pub exclude_ranges: Vec<IpNet>,
    /// `includeOutboundPorts`.
    pub include_ports: Vec<u16>,
    /// `includeOutboundIPRanges`; `None` means `*` (everything), the default.
    pub include_ranges: Option<Vec<IpNet>>,
}

impl Capture {
    /// Reads the annotations; unusable items are described in `notes`.
    pub(crate) fn from_annotations(
        annotations: &BTreeMap<String, String>,
        notes: &mut Vec<String>,
    ) -> Capture {
        let items = |key: &str| -> Vec<&str> {
            annotations.get(key).map_or_else(Vec::new, |v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
        };
        let ports = |key: &str, notes: &mut Vec<String>| -> Vec<u16> {
            items(key)
                .into_iter()
                .filter_map(|item| {
                    let port = item.parse::<u16>().ok().filter(|p| *p != 0);
                    if port.is_none() {
                        notes.push(format!("{key}: `{item}` is not a port; ignored"));
                    }
                    port
                })
                .collect()
        };
        let ranges = |list: Vec<&str>, key: &str, notes: &mut Vec<String>| -> Vec<IpNet> {
            list.into_iter()
                .filter_map(|item| {
                    let net = parse_net(item);
                    if net.is_none() {
                        notes.push(format!("{key}: `{item}` is not a CIDR; ignored"));
                    }
                    net
                })
                .collect()
        };
        let include_ranges = match annotations.get(INCLUDE_RANGES) {
            None => None,
            Some(_) if items(INCLUDE_RANGES).contains(&"*") => None,
            Some(_) => Some(ranges(items(INCLUDE_RANGES), INCLUDE_RANGES, notes)),
        };
        Capture {
            exclude_ports: ports(EXCLUDE_PORTS, notes),
            exclude_ranges: ranges(items(EXCLUDE_RANGES), EXCLUDE_RANGES, notes),
            include_ports: ports(INCLUDE_PORTS, notes),
            include_ranges,
        }
    }

    /// Walks the `ISTIO_OUTPUT` rules in order for a canonical destination; `None` = captured.
    #[must_use]
    pub fn bypass(&self, dst: IpAddr, port: u16) -> Option<BypassReason> {
        if self.exclude_ports.contains(&port) {
            return Some(BypassReason::ExcludedPort(port));
        }
        if dst.is_loopback() {
            return Some(BypassReason::Loopback);
        }
        if let Some(net) = self.exclude_ranges.iter().find(|net| net.contains(&dst)) {
            return Some(BypassReason::ExcludedRange(*net));
        }
        if self.include_ports.contains(&port) {
            return None;
        }
        match &self.include_ranges {
            None => None,
            Some(nets) if nets.iter().any(|net| net.contains(&dst)) => None,
            Some(_) => Some(BypassReason::NotIncluded),
        }
    }
}

/// A CIDR or a bare IP (as a host route); IPv4-mapped IPv6 becomes IPv4.
pub(crate) fn parse_net(text: &str) -> Option<IpNet> {
    crate::ip::parse_net(text).map(canonical_net)
}

/// Rewrites `::ffff:a.b.c.d/n` (n ≥ 96) as the IPv4 prefix it denotes and masks host bits.
pub(crate) fn canonical_net(net: IpNet) -> IpNet {
    crate::ip::effective_block(net).trunc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(pairs: &[(&str, &str)]) -> (Capture, Vec<String>) {
        let map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut notes = Vec::new();
        (Capture::from_annotations(&map, &mut notes), notes)
    }

    #[test]
    fn rules_apply_in_iptables_order() {
        let (c, notes) = capture(&[
            (EXCLUDE_PORTS, "5432, x"),
            (EXCLUDE_RANGES, "198.51.100.0/24"),
            (INCLUDE_RANGES, "203.0.113.0/24,2001:db8::/32"),
            (INCLUDE_PORTS, "3306"),
        ]);
        assert_eq!(
            notes,
            [format!("{EXCLUDE_PORTS}: `x` is not a port; ignored")]
        );
        let ip = |s: &str| s.parse::<IpAddr>().expect("test address");
        let cases = [
            ("203.0.113.7", 5432, Some(BypassReason::ExcludedPort(5432))),
            ("127.0.0.9", 80, Some(BypassReason::Loopback)),
            ("::1", 80, Some(BypassReason::Loopback)),
            (
                "198.51.100.1",
                3306,
                Some(BypassReason::ExcludedRange(
                    parse_net("198.51.100.0/24").expect("net"),
                )),
            ),
            ("192.0.2.1", 3306, None),
            ("192.0.2.1", 443, Some(BypassReason::NotIncluded)),
            ("203.0.113.7", 443, None),
            ("2001:db8::5", 443, None),
        ];
        for (dst, port, want) in cases {
            assert_eq!(c.bypass(ip(dst), port), want, "{dst}:{port}");
        }
    }

    #[test]
    fn defaults_capture_everything_but_loopback() {
        let (c, _) = capture(&[]);
        assert_eq!(c, Capture::default());
        let (star, _) = capture(&[(INCLUDE_RANGES, "*")]);
        assert_eq!(star.include_ranges, None);
        let (none, _) = capture(&[(INCLUDE_RANGES, "")]);
        assert_eq!(none.include_ranges, Some(Vec::new()));
    }

    #[test]
    fn mapped_prefixes_become_ipv4() {
        assert_eq!(
            parse_net("::ffff:198.51.100.7").map(|n| n.to_string()),
            Some("198.51.100.7/32".into())
        );
        assert_eq!(
            parse_net("::ffff:198.51.100.0/120").map(|n| n.to_string()),
            Some("198.51.100.0/24".into())
        );
        assert_eq!(
            parse_net("198.51.100.9/24").map(|n| n.to_string()),
            Some("198.51.100.0/24".into())
        );
        assert_eq!(
            parse_net("2001:db8::/32").map(|n| n.to_string()),
            Some("2001:db8::/32".into())
        );
        assert_eq!(parse_net("nope"), None);
    }
}
