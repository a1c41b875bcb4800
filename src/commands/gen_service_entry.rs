//! `meshctl gen serviceentry`: flags → [`EntryPlan`] → addresses (given or resolved) →
//! [`generate::service_entry`] → YAML/JSON. The document is loaded back through meshctl's own
//! loader and schema before it is printed, so a document Istio would reject is never emitted.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use ipnet::IpNet;

use crate::cli::{
    ApiVersion, DocFormat, GenResolution, GenServiceEntryArgs, GlobalArgs, PortProtocol,
};
use crate::{ExitStatus, Io, render};
use meshctl_core::generate::{self, EntryPlan};
use meshctl_core::model::{Resolution, ServiceEntry};
use meshctl_core::target::Target;
use meshctl_core::{dns, load};

/// The port `gen serviceentry` uses when nothing names one: MySQL's, as in the blog.
const DEFAULT_PORT: u16 = 3306;

pub(super) fn run(
    args: &GenServiceEntryArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let target = super::target_or_default(args.host.as_deref())?;
    if target.ip().is_some() {
        bail!(
            "`{}` is an IP address, and Istio rejects IPs in `spec.hosts`: name the service and pass the IP with --address (e.g. `meshctl gen serviceentry mysql.example.com --address {}`)",
            target.host,
            target.host
        );
    }
    let given: Vec<IpNet> = args
        .addresses
        .iter()
        .map(|a| generate::parse_address(a).map_err(|e| anyhow::anyhow!("--address: {e}")))
        .collect::<anyhow::Result<_>>()?;
    if args.no_resolve && given.is_empty() {
        bail!("--no-resolve needs at least one --address");
    }
    let ports = ports(args, &target)?;
    let name = match &args.name {
        Some(name) => {
            generate::check_name(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            name.clone()
        }
        None => generate::default_name(&target.host, ports[0]),
    };

    let (addresses, provenance) = if given.is_empty() {
        let settings = super::resolve::settings(&args.dns);
        let lookup = super::runtime()?
            .block_on(dns::lookup(&target.host, &settings))
            .with_context(|| format!("resolving `{}` (use --address to skip DNS)", target.host))?;
        let nets = lookup.addresses.iter().map(|a| IpNet::from(a.ip)).collect();
        (nets, Provenance::Dns(lookup))
    } else {
        (given, Provenance::Flags)
    };

    let mut plan = EntryPlan {
        api_version: format!("networking.istio.io/{}", api_version(args.api_version)),
        name,
        namespace: global.namespace.clone(),
        host: target.host.clone(),
        ports,
        protocol: protocol(args.protocol).to_owned(),
        resolution: resolution(args.resolution),
        annotations: if args.annotate {
            provenance.annotations()
        } else {
            BTreeMap::new()
        },
    };
    if matches!(provenance, Provenance::Dns(_)) {
        generate::record_source(&mut plan.annotations, &target.host);
    }
    let entry = generate::service_entry(&plan, &addresses)?;
    let text = match args.output {
        DocFormat::Yaml => to_text(&entry, render::write_yaml)?,
        DocFormat::Json => to_text(&entry, render::write_json)?,
    };
    self_check(&text)?;
    io.out.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

fn ports(args: &GenServiceEntryArgs, target: &Target) -> anyhow::Result<Vec<u16>> {
    let mut ports = args.ports.clone();
    if ports.is_empty() {
        ports.push(match target.port {
            Some(port) => port,
            None => super::env_port()?.unwrap_or(DEFAULT_PORT),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = ports.iter().find(|p| !seen.insert(**p)) {
        bail!("--port {dup} is given twice; Istio rejects duplicate port numbers");
    }
    Ok(ports)
}

fn to_text(
    entry: &ServiceEntry,
    write: fn(&ServiceEntry, &mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    let mut buffer = Vec::new();
    write(entry, &mut buffer)?;
    Ok(String::from_utf8(buffer)?)
}

/// Loads the generated text back with the schema: a failure is a meshctl bug, not user error.
fn self_check(text: &str) -> anyhow::Result<()> {
    let inputs = load::load_bytes(
        "<generated>",
        text.as_bytes(),
        &load::LoadOptions::default(),
    )?;
    if let Some(problem) = inputs.problems.first() {
        bail!("internal error: the generated ServiceEntry does not pass validation: {problem}");
    }
    Ok(())
}

enum Provenance {
    Dns(dns::Lookup),
    Flags,
}

impl Provenance {
    fn annotations(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        map.insert("meshctl.dev/generated-at".into(), now);
        map.insert(
            "meshctl.dev/generated-by".into(),
            format!("meshctl {}", env!("CARGO_PKG_VERSION")),
        );
        match self {
            Provenance::Dns(lookup) => {
                map.insert("meshctl.dev/resolver".into(), lookup.nameserver.clone());
                if let Some(ttl) = lookup.min_ttl {
                    map.insert("meshctl.dev/min-ttl".into(), ttl.to_string());
                }
                if !lookup.cname_chain.is_empty() {
                    map.insert(
                        "meshctl.dev/canonical-name".into(),
                        lookup.canonical_name.clone(),
                    );
                }
            }
            Provenance::Flags => {
                map.insert("meshctl.dev/resolver".into(), "none (--address)".into());
            }
        }
        map
    }
}

fn api_version(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1 => "v1",
        ApiVersion::V1beta1 => "v1beta1",
        ApiVersion::V1alpha3 => "v1alpha3",
    }
}

fn protocol(protocol: PortProtocol) -> &'static str {
    match protocol {
        PortProtocol::Tcp => "TCP",
        PortProtocol::Mysql => "MYSQL",
        PortProtocol::Mongo => "MONGO",
        PortProtocol::Redis => "REDIS",
        PortProtocol::Tls => "TLS",
    }
}

fn resolution(resolution: GenResolution) -> Resolution {
    match resolution {
        GenResolution::None => Resolution::None,
        GenResolution::Static => Resolution::Static,
        GenResolution::Dns => Resolution::Dns,
        GenResolution::DnsRoundRobin => Resolution::DnsRoundRobin,
    }
}
