//! Connections aimed at a generated configuration, using the registry the engine compiles for
//! it: at a chain's address and port (match), just beside it (near miss: the next IP, the
//! address past a CIDR, another SNI, no SNI, plain TCP on a TLS port), at nothing in particular
//! (unmatched), at an HTTP port with raw bytes, and at 15001 or 15006 (the loop guards of
//! `virtualOutbound` and `virtualInbound`), and, when the configuration has them, at
//! VirtualService route chains (their subnets and SNI names) and Service VIPs and pod IPs. The
//! engine only
//! aims; Envoy and `simulate` are compared later.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use meshctl_core::engine::{Addr, Chain, Listener, Registry, Transport};

use crate::pools::{HOSTS, PORTS};
use crate::rng::Rng;

/// One connection to make.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Call {
    pub(crate) id: usize,
    pub(crate) dst: IpAddr,
    pub(crate) port: u16,
    pub(crate) tls: bool,
    pub(crate) sni: Option<String>,
    /// Feature classes this connection exercises (for the per-class table).
    pub(crate) classes: Vec<String>,
}

/// Addresses for "anything": documentation ranges, away from the link addresses.
fn random_ip(rng: &mut Rng) -> IpAddr {
    if rng.chance(70) {
        let base = *rng.pick(&[[198u8, 51, 100], [203, 0, 113]]);
        IpAddr::V4(Ipv4Addr::new(
            base[0],
            base[1],
            base[2],
            u8::try_from(4 + rng.below(240)).unwrap_or(9),
        ))
    } else {
        let group = *rng.pick(&[1u16, 2, 3]);
        let host = u16::try_from(1 + rng.below(4000)).unwrap_or(1);
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, group, 0, 0, 0, 0, host))
    }
}

/// An address inside `net` (not its network address), or the one just past its end.
fn in_or_past(rng: &mut Rng, net: IpNet, past: bool) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let size = 1u64 << (32 - u32::from(n.prefix_len()));
            let base = u64::from(u32::from(n.network()));
            let offset = if past {
                size
            } else {
                1 + rng.next() % (size - 1).max(1)
            };
            let ip = Ipv4Addr::from(u32::try_from((base + offset) & 0xFFFF_FFFF).unwrap_or(0));
            if documentation(ip) {
                return IpAddr::V4(ip);
            }
            // A wide block (`0.0.0.0/0` from `::ffff:0.0.0.0/96`) also holds addresses no test
            // host can answer — 0.0.0.0 is the local host, 224/4 is multicast — so aim at the
            // documentation ranges inside it, or anywhere when there is no "past" it.
            let inside: Vec<[u8; 3]> = [[198u8, 51, 100], [203, 0, 113]]
                .into_iter()
                .filter(|b| n.contains(&Ipv4Addr::new(b[0], b[1], b[2], 4)))
                .collect();
            match inside.as_slice() {
                [] => random_ip(rng),
                blocks if !past => {
                    let b = *rng.pick(blocks);
                    IpAddr::V4(Ipv4Addr::new(
                        b[0],
                        b[1],
                        b[2],
                        u8::try_from(4 + rng.below(240)).unwrap_or(9),
                    ))
                }
                _ => random_ip(rng),
            }
        }
        IpNet::V6(n) => {
            let bits = 128 - u32::from(n.prefix_len());
            let base = u128::from(n.network());
            let offset = if past {
                1u128.checked_shl(bits).unwrap_or(0)
            } else {
                1 + u128::from(rng.next() % 60_000)
            };
            IpAddr::V6(Ipv6Addr::from(base.wrapping_add(offset)))
        }
    }
}

/// True inside 198.51.100.0/24 or 203.0.113.0/24, where the external namespace answers.
fn documentation(ip: Ipv4Addr) -> bool {
    matches!(ip.octets(), [198, 51, 100, _] | [203, 0, 113, _])
}

fn neighbour(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4).wrapping_add(1))),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6).wrapping_add(1))),
    }
}

/// A concrete name under a server name (`*.example.com` → `x7.example.com`).
fn concrete(rng: &mut Rng, name: &str) -> String {
    match name.strip_prefix('*') {
        Some(suffix) => format!("x{}{suffix}", rng.below(100)),
        None => name.to_owned(),
    }
}

pub(crate) fn aim(rng: &mut Rng, registry: &Registry, calls: usize, tags: &[String]) -> Vec<Call> {
    let chains: Vec<_> = registry
        .listeners()
        .iter()
        .flat_map(|l| registry.chains_of(l).map(move |c| (l, c)))
        .collect();
    let http_ports: Vec<u16> = registry
        .listeners()
        .iter()
        .filter(|l| !l.http_services.is_empty())
        .map(|l| l.port)
        .collect();
    let routed = routed_chains(registry, &chains);
    let mut out = Vec::new();
    while out.len() < calls {
        if !routed.is_empty() && rng.chance(55) {
            let (listener, chain) = *rng.pick(&routed);
            out.push(at_route(rng, registry, listener, chain, tags, out.len()));
            continue;
        }
        let roll = rng.below(100);
        let mut classes: Vec<String> = tags.to_vec();
        let (dst, port, tls, sni) = if roll < 50 && !chains.is_empty() {
            let (listener, chain) = *rng.pick(&chains);
            let near = roll >= 30;
            classes.push(if near { "near-miss" } else { "match" }.into());
            classes.push(format!("protocol:{}", chain.protocol.as_str()));
            classes.push(format!(
                "resolution:{}",
                registry.entry(chain.entry).resolution.as_str()
            ));
            let dst = match chain.addr {
                Addr::Ip(ip) => {
                    classes.push("address:exact".into());
                    if near && rng.chance(60) {
                        neighbour(ip)
                    } else {
                        ip
                    }
                }
                Addr::Cidr(net) => {
                    classes.push("address:cidr".into());
                    let past = near && rng.chance(60);
                    in_or_past(rng, net, past)
                }
                Addr::Any => {
                    classes.push("address:none".into());
                    random_ip(rng)
                }
            };
            let (tls, sni) = match &chain.server_name {
                Some(_) if near => match rng.below(3) {
                    0 => (true, None),
                    1 => (false, None),
                    _ => (true, Some(other_name(rng))),
                },
                Some(name) => {
                    if name.starts_with('*') {
                        classes.push("sni:wildcard".into());
                    }
                    (true, Some(concrete(rng, name)))
                }
                None if rng.chance(25) => (true, Some(other_name(rng))),
                None => (false, None),
            };
            let port = if near && rng.chance(20) {
                *rng.pick(&PORTS)
            } else {
                listener.port
            };
            (dst, port, tls, sni)
        } else if roll < 58 && !http_ports.is_empty() {
            classes.push("http-port".into());
            (random_ip(rng), *rng.pick(&http_ports), rng.chance(30), None)
        } else if roll < 95 {
            classes.push("unmatched".into());
            let port = if rng.chance(70) {
                *rng.pick(&PORTS)
            } else {
                1024 + u16::try_from(rng.below(8000)).unwrap_or(0)
            };
            let tls = rng.chance(30);
            let sni = (tls && rng.chance(70)).then(|| other_name(rng));
            (random_ip(rng), port, tls, sni)
        } else {
            classes.push("loop-guard".into());
            (random_ip(rng), *rng.pick(&[15001, 15006]), false, None)
        };
        family_and_transport(&mut classes, dst, tls, sni.as_deref());
        out.push(Call {
            id: out.len(),
            dst,
            port,
            tls,
            sni,
            classes,
        });
    }
    out
}

/// The classes every connection has: its address family and what it sends first.
fn family_and_transport(classes: &mut Vec<String>, dst: IpAddr, tls: bool, sni: Option<&str>) {
    classes.push(if dst.is_ipv4() { "ipv4" } else { "ipv6" }.into());
    classes.push(
        match (tls, sni) {
            (false, _) => "transport:plain",
            (true, None) => "transport:tls-no-sni",
            (true, Some(_)) => "transport:tls-sni",
        }
        .into(),
    );
}

/// The chains of VirtualService routes and of Kubernetes Services. A configuration without them
/// spends no draw on them, so its connections are the ones it always had.
fn routed_chains<'r>(
    registry: &Registry,
    chains: &[(&'r Listener, &'r Chain)],
) -> Vec<(&'r Listener, &'r Chain)> {
    chains
        .iter()
        .filter(|(_, c)| c.route.is_some() || registry.entry(c.entry).kind == "Service")
        .copied()
        .collect()
}

/// A connection at a route chain or a Service's chain: inside its destination subnet (or the
/// service's address), with its SNI name, or just beside either.
fn at_route(
    rng: &mut Rng,
    registry: &Registry,
    listener: &Listener,
    chain: &Chain,
    tags: &[String],
    id: usize,
) -> Call {
    let mut classes: Vec<String> = tags.to_vec();
    let near = rng.chance(25);
    classes.push(
        if near {
            "routed:near-miss"
        } else {
            "routed:match"
        }
        .into(),
    );
    classes.push(format!("protocol:{}", chain.protocol.as_str()));
    if registry.entry(chain.entry).kind == "Service" {
        classes.push("at:service".into());
    }
    if let Some(route) = &chain.route {
        classes.push("at:route".into());
        if route.destinations.iter().filter(|d| d.weight > 0).count() > 1 {
            classes.push("route:weighted".into());
        }
    }
    if chain.missing_cluster {
        classes.push("route:missing-cluster".into());
    }
    if !matches!(chain.transport, Transport::Plaintext | Transport::AutoMtls) {
        classes.push("upstream:tls".into());
    }
    if chain.tunnel.is_some() {
        classes.push("upstream:tunnel".into());
    }
    let subnet = chain.prefix.filter(|p| p.prefix_len() < p.max_prefix_len());
    let past = near && rng.chance(50);
    let dst = match (subnet, chain.prefix, chain.addr) {
        (Some(net), _, _) => {
            classes.push("route:subnet".into());
            in_or_past(rng, net, past)
        }
        (None, Some(host), _) => {
            let ip = host.addr();
            if past { neighbour(ip) } else { ip }
        }
        (None, None, Addr::Ip(ip)) => {
            if past {
                neighbour(ip)
            } else {
                ip
            }
        }
        (None, None, Addr::Cidr(net)) => in_or_past(rng, net, past),
        (None, None, Addr::Any) => random_ip(rng),
    };
    let (tls, sni) = match &chain.server_name {
        Some(_) if near && rng.chance(50) => (true, Some(other_name(rng))),
        Some(name) => (true, Some(concrete(rng, name))),
        None if rng.chance(15) => (true, Some(other_name(rng))),
        None => (false, None),
    };
    let port = if near && rng.chance(30) {
        *rng.pick(&PORTS)
    } else {
        listener.port
    };
    family_and_transport(&mut classes, dst, tls, sni.as_deref());
    Call {
        id,
        dst,
        port,
        tls,
        sni,
        classes,
    }
}

fn rng_host(rng: &mut Rng) -> &'static str {
    HOSTS[rng.below(HOSTS.len())]
}

/// A concrete name under a random pool host.
fn other_name(rng: &mut Rng) -> String {
    let host = rng_host(rng);
    concrete(rng, host)
}

/// The text of a call for humans: `[2001:db8::1]:443 tls sni=a.example.com`.
pub(crate) fn describe(call: &Call) -> String {
    let mut text = match call.dst {
        IpAddr::V6(ip) => format!("[{ip}]:{}", call.port),
        IpAddr::V4(ip) => format!("{ip}:{}", call.port),
    };
    if call.tls {
        text.push_str(" tls");
    }
    if let Some(sni) = &call.sni {
        let _ = write!(text, " sni={sni}");
    }
    text
}
