//! What `simulate` and `--expect` decide on: a destination as written (IP:PORT, HOST:PORT, a
//! DSN) turned into the addresses to decide (a host name is resolved, as the client would), and
//! one engine explanation per address.

use std::net::IpAddr;

use anyhow::{Context as _, bail};

use meshctl_core::dns::{self, ResolverSettings};
use meshctl_core::engine::{self, Connection, Explanation};
use meshctl_core::target::Target;

/// The gateways a connection may be routed to, and the identity the calling workload
/// presents to them.
pub(super) struct Onward<'g, 'c> {
    pub(super) gateways: &'g engine::Gateways<'c>,
    pub(super) principal: String,
}

/// Explains one connection per address of `target`, following it into a gateway when
/// `onward` is given.
pub(super) fn explain_all(
    registry: &engine::Registry,
    onward: Option<&Onward<'_, '_>>,
    target: &Target,
    addresses: &[IpAddr],
    tls: bool,
    sni: Option<&str>,
) -> Vec<Explanation> {
    let port = target.port_or_scheme_default().unwrap_or_default();
    addresses
        .iter()
        .map(|&dst| {
            let conn = Connection {
                dst,
                port,
                tls,
                sni,
            };
            match onward {
                Some(o) => engine::explain_path(registry, o.gateways, &conn, &o.principal),
                None => engine::explain(registry, &conn),
            }
        })
        .collect()
}

/// DEST → the target and every address to decide (a host name is resolved).
pub(super) fn resolve(
    text: &str,
    settings: &ResolverSettings,
) -> anyhow::Result<(Target, Vec<IpAddr>)> {
    let target = Target::parse(text)?;
    if target.port_or_scheme_default().is_none() {
        bail!(
            "`{target}` has no port: write it as `{}:3306`",
            target.display
        );
    }
    if let Some(ip) = target.ip() {
        return Ok((target, vec![ip]));
    }
    let lookup = super::runtime::runtime()?
        .block_on(dns::lookup(&target.host, settings))
        .with_context(|| format!("resolving `{}` to decide its addresses", target.host))?;
    let addresses = lookup.addresses.iter().map(|a| a.ip).collect();
    Ok((target, addresses))
}
