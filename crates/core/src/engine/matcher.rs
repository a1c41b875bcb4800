//! Filter-chain selection inside one listener: Envoy's sieve restricted to what a TCP
//! connection carries (`FilterChainMatch` in envoyproxy/envoy
//! api/envoy/config/listener/v3/listener_components.proto; Istio's simulator mirrors it in
//! istio/istio pilot/pkg/simulation/traffic.go `matchFilterChain`).
//!
//! Destination IP first: the chains whose CIDR is the longest prefix containing the address
//! survive; only when no CIDR contains it do the chains without a CIDR survive. Then SNI among the
//! survivors: exact, else the longest wildcard, else the survivors without server names. If
//! nothing survives the caller uses the listener's default chain. Note the consequence Istio pins
//! in a test (GH#52235): an address whose best prefix belongs to one entry never reaches another
//! entry's SNI chain on a shorter prefix.
//!
//! Chains are grouped by prefix at build time, so selection is one LPM lookup plus at most one
//! SNI lookup, with no allocation.

use std::net::IpAddr;

use ipnet::IpNet;

use super::host::{SniMatch, SniTable};
use super::ids::ChainId;
use super::lpm::Lpm;

/// The chains sharing one destination prefix (or sharing "no prefix").
#[derive(Debug, Clone, Default)]
struct Group {
    prefix: Option<IpNet>,
    /// The chain without server names, if any.
    plain: Option<ChainId>,
    /// Chains with server names.
    sni: SniTable<ChainId>,
}

impl Group {
    fn pick(&self, sni: Option<&str>) -> (Option<ChainId>, Option<SniMatch>) {
        if let Some(name) = sni
            && let Some((chain, how)) = self.sni.lookup(name)
        {
            return (Some(chain), Some(how));
        }
        (self.plain, None)
    }
}

/// What selection found, for `decide` (the chain) and `explain` (how).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The chosen chain; `None` means "use the listener's default chain".
    pub chain: Option<ChainId>,
    /// The prefix that won the destination-IP step, if one did.
    pub prefix: Option<IpNet>,
    /// How the SNI step matched, if it did.
    pub sni: Option<SniMatch>,
}

/// A listener's chains arranged for selection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matcher {
    v4: Lpm<u32, u32>,
    v6: Lpm<u128, u32>,
    groups: Vec<Group>,
    /// Index of the group without a prefix.
    unprefixed: Option<u32>,
    has_sni: bool,
}

impl Matcher {
    /// Arranges chains given as (id, prefix, server name) in listener order. Duplicate
    /// matches were already dropped by the builder; if one slips through, the first is kept.
    pub(crate) fn build<'a>(
        chains: impl IntoIterator<Item = (ChainId, Option<IpNet>, Option<&'a str>)>,
    ) -> Matcher {
        let mut matcher = Matcher::default();
        let mut index: std::collections::HashMap<Option<IpNet>, u32> =
            std::collections::HashMap::new();
        for (id, prefix, server_name) in chains {
            let next = u32::try_from(matcher.groups.len()).unwrap_or(u32::MAX);
            let g = *index.entry(prefix).or_insert_with(|| {
                matcher.groups.push(Group {
                    prefix,
                    ..Group::default()
                });
                next
            });
            let Some(group) = matcher.groups.get_mut(g as usize) else {
                continue;
            };
            match server_name {
                Some(name) => {
                    matcher.has_sni = true;
                    group.sni.insert(name, id);
                }
                None => {
                    group.plain.get_or_insert(id);
                }
            }
        }
        matcher.unprefixed = index.get(&None).copied();
        let prefixed = || {
            index
                .iter()
                .filter_map(|(prefix, g)| prefix.map(|p| (p, *g)))
        };
        matcher.v4 = Lpm::build(prefixed().filter_map(|(p, g)| match p {
            IpNet::V4(net) => Some((u32::from(net.network()), net.prefix_len(), g)),
            IpNet::V6(_) => None,
        }));
        matcher.v6 = Lpm::build(prefixed().filter_map(|(p, g)| match p {
            IpNet::V6(net) => Some((u128::from(net.network()), net.prefix_len(), g)),
            IpNet::V4(_) => None,
        }));
        matcher
    }

    /// True when some chain matches on SNI, i.e. the listener inspects TLS.
    pub(crate) fn has_sni(&self) -> bool {
        self.has_sni
    }

    /// Runs the sieve for a canonical destination and the connection's SNI (pass `None` when
    /// the connection is not TLS).
    pub(crate) fn select(&self, dst: IpAddr, sni: Option<&str>) -> Selection {
        let hit = match dst {
            IpAddr::V4(ip) => self.v4.lookup(u32::from(ip)),
            IpAddr::V6(ip) => self.v6.lookup(u128::from(ip)),
        };
        let group = hit.map(|(g, _)| g).or(self.unprefixed);
        let Some(group) = group.and_then(|g| self.groups.get(g as usize)) else {
            return Selection {
                chain: None,
                prefix: None,
                sni: None,
            };
        };
        let sni = if self.has_sni { sni } else { None };
        let (chain, how) = group.pick(sni);
        Selection {
            chain,
            prefix: group.prefix,
            sni: how,
        }
    }

    /// Number of distinct prefixes (for views and tests).
    pub(crate) fn prefix_count(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("test net")
    }

    #[test]
    fn prefix_then_sni_then_nothing() {
        let m = Matcher::build([
            (
                ChainId(0),
                Some(net("198.51.100.0/24")),
                Some("a.example.com"),
            ),
            (
                ChainId(1),
                Some(net("198.51.100.0/25")),
                Some("b.example.com"),
            ),
            (ChainId(2), None, Some("*.example.com")),
            (ChainId(3), Some(net("2001:db8::/32")), None),
        ]);
        assert!(m.has_sni());
        assert_eq!(m.prefix_count(), 3);
        let pick = |dst: &str, sni| m.select(dst.parse().expect("ip"), sni).chain;
        assert_eq!(
            pick("198.51.100.200", Some("a.example.com")),
            Some(ChainId(0))
        );
        // Best prefix is the /25 whose only chain wants b.example.com: default chain.
        assert_eq!(pick("198.51.100.1", Some("a.example.com")), None);
        assert_eq!(pick("203.0.113.1", Some("x.example.com")), Some(ChainId(2)));
        assert_eq!(pick("203.0.113.1", None), None);
        assert_eq!(pick("2001:db8::1", Some("x.example.com")), Some(ChainId(3)));
    }
}
