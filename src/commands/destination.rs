//! What `simulate` and `--expect` decide on: a destination as written (IP:PORT, HOST:PORT, a
//! DSN) turned into the addresses to decide (a host name is resolved, as the client would), and
//! one engine explanation per address.

use std::net::IpAddr;

use anyhow::{Context as _, bail};

use meshctl_core::dns::{self, ResolverSettings};
use meshctl_core::engine::{self, Connection, Explanation};
use meshctl_core::target::Target;

/// Explains one connection per address of `target`.
pub(super) fn explain_all(
    registry: &engine::Registry,
    target: &Target,
    addresses: &[IpAddr],
    tls: bool,
    sni: Option<&str>,
) -> Vec<Explanation> {
    let port = target.port_or_scheme_default().unwrap_or_default();
    addresses
        .iter()
        .map(|&dst| {
            engine::explain(
                registry,
                &Connection {
                    dst,
                    port,
                    tls,
                    sni,
                },
            )
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
