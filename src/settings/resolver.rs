//! Where and how to ask DNS, as the core's [`ResolverSettings`]: from the resolver flags
//! (`--nameserver`, `--tcp`, `--timeout`), with `check` also reading `[dns]` in `meshctl.toml`.

use std::net::SocketAddr;

use crate::cli::DnsArgs;
use crate::settings::config::ConfigFile;
use crate::settings::defaults::DNS_TIMEOUT;
use crate::settings::parse::parse_duration;
use meshctl_core::dns::ResolverSettings;

/// The resolver flags as settings.
pub(crate) fn from_flags(args: &DnsArgs) -> ResolverSettings {
    ResolverSettings {
        nameservers: args.nameserver.clone(),
        tcp: args.tcp,
        timeout: args.timeout,
    }
}

/// The resolver flags, then `[dns]` in the configuration file (`check --dns`). `--timeout` has
/// a default, so the file's timeout applies while the flag is left at that default.
pub(crate) fn with_config(args: &DnsArgs, config: &ConfigFile) -> ResolverSettings {
    let mut settings = from_flags(args);
    if settings.nameservers.is_empty() {
        settings.nameservers.clone_from(&config.nameservers);
    }
    settings.tcp |= config.tcp.unwrap_or(false);
    if let Some(timeout) = config.timeout
        && parse_duration(DNS_TIMEOUT).ok() == Some(args.timeout)
    {
        settings.timeout = timeout;
    }
    settings
}

/// Only nameservers, every other setting the core's default (the proxy's `--nameserver`).
pub(crate) fn nameservers(nameservers: &[SocketAddr]) -> ResolverSettings {
    ResolverSettings {
        nameservers: nameservers.to_vec(),
        ..ResolverSettings::default()
    }
}
