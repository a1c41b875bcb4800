//! The host a DNS command asks about: the command line's, else the environment's
//! (`$MYSQL_DB_HOST` and `$MYSQL_DB_PORT`, the variables of the blog's Bookinfo setup), else
//! `localhost`.

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
pub(crate) fn env_port() -> anyhow::Result<Option<u16>> {
    match std::env::var("MYSQL_DB_PORT") {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(Some(port)),
            _ => bail!("$MYSQL_DB_PORT: `{text}` is not a port number from 1 to 65535"),
        },
        _ => Ok(None),
    }
}
