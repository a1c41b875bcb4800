//! The host and ports a DNS command asks about: the command line's, else the environment's
//! (`$MYSQL_DB_HOST` and `$MYSQL_DB_PORT`, the variables of the blog's Bookinfo setup), else
//! `localhost` (`resolve`) or an error (`gen serviceentry`, whose entry for `localhost` no
//! sidecar would use).

use crate::settings::defaults::GEN_PORT;
use anyhow::bail;
use meshctl_core::target::Target;

/// The target named on the command line, else the environment's (see [`default_target`]).
pub(crate) fn target_or_default(text: Option<&str>) -> anyhow::Result<Target> {
    match text {
        Some(text) => Ok(Target::parse(text)?),
        None => default_target(),
    }
}

/// The host and port to use when the command line names none: `$MYSQL_DB_HOST` and
/// `$MYSQL_DB_PORT`, else `localhost`.
fn default_target() -> anyhow::Result<Target> {
    let host = std::env::var("MYSQL_DB_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let target = Target::parse(&host).map_err(|e| anyhow::anyhow!("$MYSQL_DB_HOST: {e}"))?;
    Ok(target.or_port(env_port()?))
}

/// `$MYSQL_DB_PORT`, when set.
fn env_port() -> anyhow::Result<Option<u16>> {
    match std::env::var("MYSQL_DB_PORT") {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(Some(port)),
            _ => bail!("$MYSQL_DB_PORT: `{text}` is not a port number from 1 to 65535"),
        },
        _ => Ok(None),
    }
}

/// HOST, else `$MYSQL_DB_HOST`; never a silent `localhost`, whose entry the sidecar would
/// never use (loopback is not captured, so `simulate` calls it BYPASS).
pub(crate) fn gen_target(host: Option<&str>) -> anyhow::Result<Target> {
    let from_env = std::env::var("MYSQL_DB_HOST").is_ok_and(|h| !h.trim().is_empty());
    if host.is_none() && !from_env {
        bail!(
            "name the database: `meshctl gen serviceentry db.example.com` (or a DSN, or set MYSQL_DB_HOST)"
        );
    }
    target_or_default(host)
}

/// `gen serviceentry --port`, else the port in HOST or its scheme's, else `$MYSQL_DB_PORT`,
/// else MySQL's; a port given twice is an error.
pub(crate) fn gen_ports(flags: &[u16], target: &Target) -> anyhow::Result<Vec<u16>> {
    let mut ports = flags.to_vec();
    if ports.is_empty() {
        ports.push(match target.port_or_scheme_default() {
            Some(port) => port,
            None => env_port()?.unwrap_or(GEN_PORT),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = ports.iter().find(|p| !seen.insert(**p)) {
        bail!("--port {dup} is given twice; Istio rejects duplicate port numbers");
    }
    Ok(ports)
}
