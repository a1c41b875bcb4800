//! `meshctl gen serviceentry`'s settings: the host (argument, else `$MYSQL_DB_HOST`), the
//! addresses given instead of DNS (screened as `meshctl_core::pinning` says), the ports, the
//! address classes that may be pinned, the resolver, and the entry's fixed fields. Every value
//! is checked here, in the order the errors read best, before any lookup.

use anyhow::bail;
use ipnet::IpNet;

use crate::cli::GenServiceEntryArgs;
use crate::settings::{convert, resolver, target};
use meshctl_core::dns::ResolverSettings;
use meshctl_core::generate;
use meshctl_core::model::Resolution;
use meshctl_core::pinning::{self, AllowedClasses};
use meshctl_core::target::Target;

/// One `gen serviceentry` run.
#[derive(Debug, Clone)]
pub(crate) struct GenSettings {
    /// The host (a name, never an IP) and the port written with it.
    pub(crate) target: Target,
    /// The classes `--allow-address-class` lets through.
    pub(crate) allowed: AllowedClasses,
    /// `--address`: used instead of DNS when any is given.
    pub(crate) given: Vec<IpNet>,
    /// The entry's ports.
    pub(crate) ports: Vec<u16>,
    /// Where the host is resolved when no address is given.
    pub(crate) resolver: ResolverSettings,
    /// `apiVersion`.
    pub(crate) api_version: String,
    /// Every port's protocol.
    pub(crate) protocol: String,
    /// `spec.resolution`.
    pub(crate) resolution: Resolution,
}

impl GenSettings {
    /// The flags and the environment, resolved.
    ///
    /// # Errors
    /// No host, an IP as the host, an address that does not parse or may not be pinned, more
    /// addresses than an entry holds, `--no-resolve` without one, or a port given twice.
    pub(crate) fn resolve(args: &GenServiceEntryArgs) -> anyhow::Result<Self> {
        let target = target::gen_target(args.host.as_deref())?;
        if target.ip().is_some() {
            bail!(
                "`{}` is an IP address, and Istio rejects IPs in `spec.hosts`: name the service and pass the IP with --address (e.g. `meshctl gen serviceentry mysql.example.com --address {}`)",
                target.host,
                target.host
            );
        }
        let allowed = convert::allowed_classes(&args.allow_address_classes);
        let given: Vec<IpNet> = args
            .addresses
            .iter()
            .map(|a| {
                let net =
                    generate::parse_address(a).map_err(|e| anyhow::anyhow!("--address: {e}"))?;
                pinning::screen_given(&target.host, a, net, allowed)?;
                Ok(net)
            })
            .collect::<anyhow::Result<_>>()?;
        if given.len() > pinning::ADDRESS_LIMIT {
            bail!(
                "--address is given {} times, more than the {} a ServiceEntry's `addresses` may hold",
                given.len(),
                pinning::ADDRESS_LIMIT
            );
        }
        if args.no_resolve && given.is_empty() {
            bail!("--no-resolve needs at least one --address");
        }
        let ports = target::gen_ports(&args.ports, &target)?;
        let protocol = args
            .protocol
            .map_or_else(
                || target.scheme_protocol().unwrap_or("TCP"),
                convert::protocol,
            )
            .to_owned();
        Ok(Self {
            allowed,
            given,
            ports,
            resolver: resolver::from_flags(&args.dns),
            api_version: format!(
                "networking.istio.io/{}",
                convert::api_version(args.api_version)
            ),
            protocol,
            resolution: args.resolution.into(),
            target,
        })
    }
}
