//! The destination space a sidecar partitions, cut into cells on which every registry given
//! decides alike: port classes (each listener port, the loop-guard ports, and one class for
//! every other port), elementary address ranges per family (every listener bind and chain
//! prefix on the port is a breakpoint), and SNI classes (each server name a chain on the port
//! names, a concrete name under each wildcard, any other name, and no SNI at all).
//!
//! Inside one cell the engine's lookups cannot tell two connections apart: the exact-listener
//! map, the longest-prefix match and the SNI table only see which breakpoints contain the
//! address and which name class the server name is in. So one representative connection per
//! cell decides the whole cell, and `decide` stays the only matcher.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::IpNet;

use crate::engine::{Connection, LOOP_PORTS, Registry};

/// An address family's range of integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }

    pub(crate) fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    pub(crate) fn ip(self, value: u128) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX))),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(value)),
        }
    }
}

/// An inclusive range of integers of one family.
pub(crate) type Span = (Family, u128, u128);

fn span_of_net(net: &IpNet) -> Span {
    match net {
        IpNet::V4(n) => (
            Family::V4,
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (
            Family::V6,
            u128::from(n.network()),
            u128::from(n.broadcast()),
        ),
    }
}

fn span_of_ip(ip: IpAddr) -> Span {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let v = u128::from(u32::from(v4));
            (Family::V4, v, v)
        }
        IpAddr::V6(v6) => {
            let v = u128::from(v6);
            (Family::V6, v, v)
        }
    }
}

/// `::ffff:0:0/96`: `decide` reads these as IPv4, so the IPv4 cells already cover them. A
/// merged IPv6 region may span the block; its addresses are decided as the IPv4 ones they carry.
pub(crate) const V4_MAPPED: (u128, u128) = (0xffff_0000_0000, 0xffff_ffff_ffff);

/// A set of destination ports that the registries treat alike, and the one that stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortClass {
    /// Inclusive ranges, sorted.
    pub(crate) ranges: Vec<(u16, u16)>,
    /// The port decided for the class.
    pub(crate) rep: u16,
}

/// Which server names a cell's connections send.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SniClass {
    /// No chain on the port matches on SNI, in any registry: TLS or not makes no difference.
    Any,
    /// Plain TCP, or TLS without a server name (the engine treats both alike).
    NoSni,
    /// This exact name.
    Exact(Arc<str>),
    /// A name under this wildcard that no exact name or longer wildcard claims, and the name
    /// that stands for them.
    Under(Arc<str>, String),
    /// Any name no chain names, and the name that stands for them.
    Other(String),
}

impl SniClass {
    /// How reports spell it.
    pub(crate) fn label(&self) -> String {
        match self {
            SniClass::Any => "any".into(),
            SniClass::NoSni => "no SNI (plain TCP or TLS without SNI)".into(),
            SniClass::Exact(name) => format!("SNI {name}"),
            SniClass::Under(pattern, _) => format!("SNI {pattern} (other names)"),
            SniClass::Other(_) => "other SNI".into(),
        }
    }

    /// The server name a connection of the class sends; `None`: plain TCP.
    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            SniClass::Any | SniClass::NoSni => None,
            SniClass::Exact(name) => Some(name),
            SniClass::Under(_, name) | SniClass::Other(name) => Some(name),
        }
    }
}

/// One SNI class and the server name that stands for it (`None`: plain TCP).
#[derive(Debug, Clone)]
pub(crate) struct SniCase {
    pub(crate) class: SniClass,
    pub(crate) name: Option<String>,
}

/// One port class with its address cells and SNI cases.
#[derive(Debug, Clone)]
pub(crate) struct PortCells {
    pub(crate) ports: PortClass,
    pub(crate) spans: Vec<Span>,
    pub(crate) sni: Vec<SniCase>,
}

impl PortCells {
    /// The connection that stands for the cell `(span, case)`.
    pub(crate) fn connection<'a>(&self, span: &Span, case: &'a SniCase) -> Connection<'a> {
        let ip = span.0.ip(span.1);
        match &case.name {
            Some(name) => Connection::tls(ip, self.ports.rep, Some(name)),
            None => Connection::tcp(ip, self.ports.rep),
        }
    }
}

/// The common refinement of the registries' partitions.
pub(crate) fn partition(registries: &[&Registry]) -> Vec<PortCells> {
    let mut ports: BTreeSet<u16> = registries
        .iter()
        .flat_map(|r| r.listeners().iter().map(|l| l.port))
        .filter(|p| *p != 0)
        .collect();
    ports.extend(LOOP_PORTS);
    let mut classes: Vec<PortClass> = ports
        .iter()
        .map(|p| PortClass {
            ranges: vec![(*p, *p)],
            rep: *p,
        })
        .collect();
    let mut others = Vec::new();
    let mut next: u32 = 1;
    for p in &ports {
        if u32::from(*p) > next {
            others.push((low(next), *p - 1));
        }
        next = u32::from(*p) + 1;
    }
    if u16::try_from(next).is_ok() {
        others.push((low(next), u16::MAX));
    }
    if let Some(first) = others.first() {
        classes.push(PortClass {
            rep: first.0,
            ranges: others,
        });
    }
    classes
        .into_iter()
        .map(|ports| {
            let port = ports.rep;
            let mut marks: Vec<Span> = vec![
                span_of_net(&IpNet::from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0))).trunc_to(8)),
                span_of_ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                (Family::V6, V4_MAPPED.0, V4_MAPPED.1),
            ];
            let mut names: BTreeSet<Arc<str>> = BTreeSet::new();
            let on_port = registries.iter().flat_map(|registry| {
                registry
                    .listeners()
                    .iter()
                    .filter(move |l| l.port == port)
                    .map(move |l| (*registry, l))
            });
            for (registry, listener) in on_port {
                if let Some(ip) = listener.bind {
                    marks.push(span_of_ip(ip));
                }
                for chain in registry.chains_of(listener) {
                    if let Some(prefix) = &chain.prefix {
                        marks.push(span_of_net(prefix));
                    }
                    if let Some(name) = &chain.server_name {
                        names.insert(name.clone());
                    }
                }
            }
            PortCells {
                spans: elementary(&marks),
                sni: sni_cases(&names),
                ports,
            }
        })
        .collect()
}

fn low(value: u32) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

trait Trunc {
    fn trunc_to(self, len: u8) -> IpNet;
}

impl Trunc for IpNet {
    fn trunc_to(self, len: u8) -> IpNet {
        IpNet::new(self.addr(), len).map_or(self, |n| n.trunc())
    }
}

/// Cuts each family's whole range at every start and end of `marks`.
fn elementary(marks: &[Span]) -> Vec<Span> {
    let mut spans = Vec::new();
    for family in [Family::V4, Family::V6] {
        let max = family.max();
        let mut starts: BTreeSet<u128> = BTreeSet::from([0]);
        for (f, lo, hi) in marks {
            if *f == family {
                starts.insert(*lo);
                if *hi < max {
                    starts.insert(hi + 1);
                }
            }
        }
        let starts: Vec<u128> = starts.into_iter().collect();
        for (i, lo) in starts.iter().enumerate() {
            let hi = starts.get(i + 1).map_or(max, |next| next - 1);
            if family == Family::V6 && *lo == V4_MAPPED.0 && hi == V4_MAPPED.1 {
                continue;
            }
            spans.push((family, *lo, hi));
        }
    }
    spans
}

/// The SNI classes of a port whose chains name `names`.
fn sni_cases(names: &BTreeSet<Arc<str>>) -> Vec<SniCase> {
    if names.is_empty() {
        return vec![SniCase {
            class: SniClass::Any,
            name: None,
        }];
    }
    let wildcards: Vec<&str> = names.iter().filter_map(|n| n.strip_prefix('*')).collect();
    let taken = |candidate: &str| {
        names.iter().any(|n| **n == *candidate)
            || wildcards
                .iter()
                .any(|suffix| candidate.len() > suffix.len() && candidate.ends_with(suffix))
    };
    let mut cases = vec![SniCase {
        class: SniClass::NoSni,
        name: None,
    }];
    for name in names {
        match name.strip_prefix('*') {
            None => cases.push(SniCase {
                class: SniClass::Exact(name.clone()),
                name: Some(name.to_string()),
            }),
            Some(suffix) => {
                // A label no exact name uses; deeper wildcards need two labels, so one label
                // lands on this wildcard as the longest match.
                let pick = (0..64)
                    .map(|i| format!("meshctl-any{i}{suffix}"))
                    .find(|c| {
                        !names.iter().any(|n| **n == **c)
                            && !wildcards
                                .iter()
                                .any(|w| w.len() > suffix.len() && c.ends_with(w))
                    });
                if let Some(pick) = pick {
                    cases.push(SniCase {
                        class: SniClass::Under(name.clone(), pick.clone()),
                        name: Some(pick),
                    });
                }
            }
        }
    }
    if let Some(other) = (0..64)
        .map(|i| format!("meshctl-other{i}.invalid"))
        .find(|c| !taken(c))
    {
        cases.push(SniCase {
            class: SniClass::Other(other.clone()),
            name: Some(other),
        });
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elementary_ranges_cover_each_family_once() {
        let spans = elementary(&[span_of_net(&"198.51.100.0/24".parse().expect("net"))]);
        let v4: Vec<_> = spans.iter().filter(|s| s.0 == Family::V4).collect();
        assert_eq!(v4.len(), 3);
        assert_eq!(
            v4[1].1,
            u128::from(u32::from(Ipv4Addr::new(198, 51, 100, 0)))
        );
        assert_eq!(v4[2].2, u128::from(u32::MAX));
        // The IPv4-mapped block is left to the IPv4 cells.
        assert!(
            !spans
                .iter()
                .any(|s| s.0 == Family::V6 && s.1 == V4_MAPPED.0)
        );
    }

    #[test]
    fn wildcards_get_a_name_that_lands_on_them() {
        let names: BTreeSet<Arc<str>> = ["*.example.com", "*.a.example.com", "a.example.com"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let cases = sni_cases(&names);
        let under: Vec<_> = cases
            .iter()
            .filter_map(|c| match &c.class {
                SniClass::Under(w, _) => Some((w.to_string(), c.name.clone().unwrap_or_default())),
                _ => None,
            })
            .collect();
        assert_eq!(under.len(), 2);
        for (wildcard, name) in under {
            assert!(name.ends_with(&wildcard[1..]));
        }
        assert!(cases.iter().any(|c| matches!(c.class, SniClass::Other(_))));
    }
}
