//! Regions in their most compact form: address ranges as the fewest CIDRs that cover exactly
//! them, ports as merged ranges, the way network-config-analyzer minimises its rules, so a change
//! to thousands of entries still reads as a few lines.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::space::{Family, Span, V4_MAPPED};

/// An inclusive range of destination ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port (equal to `first` for one port).
    pub last: u16,
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// Sorts and merges touching or overlapping ranges.
pub(crate) fn merge_ports(mut ranges: Vec<(u16, u16)>) -> Vec<PortRange> {
    ranges.sort_unstable();
    let mut out: Vec<PortRange> = Vec::new();
    for (first, last) in ranges {
        match out.last_mut() {
            Some(prev) if u32::from(first) <= u32::from(prev.last) + 1 => {
                prev.last = prev.last.max(last);
            }
            _ => out.push(PortRange { first, last }),
        }
    }
    out
}

/// Sorts and merges touching spans of one family.
pub(crate) fn merge_spans(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::new();
    for span in spans {
        match out.last_mut() {
            Some(prev)
                if prev.0 == span.0
                    && (prev.2.checked_add(1).is_some_and(|n| n >= span.1)
                        || bridges_mapped(prev, &span)) =>
            {
                prev.2 = prev.2.max(span.2);
            }
            _ => out.push(span),
        }
    }
    out
}

/// True when only the IPv4-mapped block, which the IPv4 cells decide, lies between two IPv6
/// spans.
fn bridges_mapped(prev: &Span, next: &Span) -> bool {
    prev.0 == Family::V6 && prev.2 + 1 == V4_MAPPED.0 && next.1 == V4_MAPPED.1 + 1
}

/// The fewest CIDRs that cover exactly the (merged) spans.
pub(crate) fn cidrs(spans: &[Span]) -> Vec<IpNet> {
    let mut out = Vec::new();
    for &(family, lo, hi) in spans {
        let bits = u32::from(family.bits());
        let mut at = lo;
        loop {
            // The largest aligned block starting at `at` that stays inside `[at, hi]`.
            let align = if at == 0 {
                bits
            } else {
                at.trailing_zeros().min(bits)
            };
            let room = hi - at;
            let fit = if room == u128::MAX {
                128
            } else {
                (room + 1).ilog2()
            };
            let size = align.min(fit).min(bits);
            let len = u8::try_from(bits - size).unwrap_or(0);
            if let Ok(net) = IpNet::new(family.ip(at), len) {
                out.push(net);
            }
            let step = if size >= 128 {
                None
            } else {
                at.checked_add(1u128 << size)
            };
            match step {
                Some(next) if next <= hi && next > at => at = next,
                _ => break,
            }
        }
    }
    out
}

/// A region's addresses: the fewest CIDRs, or, per family, the whole family minus the fewest
/// CIDRs when that is shorter (`0.0.0.0/0` except `203.0.113.7/32`).
pub(crate) fn addresses(spans: &[Span]) -> (Vec<IpNet>, Vec<IpNet>) {
    let mut nets = Vec::new();
    let mut except = Vec::new();
    for family in [Family::V4, Family::V6] {
        let own: Vec<Span> = spans.iter().filter(|s| s.0 == family).copied().collect();
        if own.is_empty() {
            continue;
        }
        let direct = cidrs(&own);
        let mut holes = Vec::new();
        let mut next = 0u128;
        let mut open = true;
        for &(_, lo, hi) in &own {
            if lo > next {
                holes.push((family, next, lo - 1));
            }
            match hi.checked_add(1) {
                Some(n) => next = n,
                None => open = false,
            }
        }
        if open && next <= family.max() {
            holes.push((family, next, family.max()));
        }
        let holes = cidrs(&holes);
        if holes.len() + 1 < direct.len() {
            nets.push(cidrs(&[(family, 0, family.max())]).remove(0));
            except.extend(holes);
        } else {
            nets.extend(direct);
        }
    }
    (nets, except)
}

/// True when `ip` is inside `nets` and outside `except`.
pub(crate) fn contains(nets: &[IpNet], except: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.iter().any(|n| n.contains(&ip)) && !except.iter().any(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u128 {
        u128::from(u32::from(s.parse::<std::net::Ipv4Addr>().expect("ip")))
    }

    #[test]
    fn ranges_become_the_fewest_cidrs() {
        let nets = cidrs(&[(Family::V4, v4("198.51.100.0"), v4("198.51.100.255"))]);
        assert_eq!(nets, vec!["198.51.100.0/24".parse::<IpNet>().expect("net")]);
        let nets = cidrs(&[(Family::V4, v4("198.51.100.1"), v4("198.51.100.6"))]);
        let text: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "198.51.100.1/32",
                "198.51.100.2/31",
                "198.51.100.4/31",
                "198.51.100.6/32"
            ]
        );
        assert_eq!(cidrs(&[(Family::V4, 0, u128::from(u32::MAX))]).len(), 1);
        assert_eq!(cidrs(&[(Family::V6, 0, u128::MAX)]).len(), 1);
    }

    #[test]
    fn touching_spans_and_ports_merge() {
        let spans = merge_spans(vec![
            (Family::V4, 5, 9),
            (Family::V4, 0, 4),
            (Family::V6, 10, 11),
        ]);
        assert_eq!(spans, vec![(Family::V4, 0, 9), (Family::V6, 10, 11)]);
        let ports = merge_ports(vec![(80, 80), (81, 90), (443, 443)]);
        assert_eq!(ports.len(), 2);
        assert_eq!(ports[0].to_string(), "80-90");
    }
}
