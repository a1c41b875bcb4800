//! `meshctl gen serviceentry`: flags → [`EntryPlan`] → addresses (given or resolved) →
//! [`generate::service_entry`] → YAML/JSON. The document is loaded back through the same
//! workspace pipeline and rules as `meshctl check` (the DNS rules too, fed the answer gen
//! already has) before it is printed: an error-level finding refuses to write it (exit 2)
//! unless `--force`, and warnings go to stderr with their rule code. Before any of that, the
//! addresses pass `meshctl_core::pinning`'s screen: an answer (or `--address`) in a class no
//! egress entry should pin, or longer than `addresses` may hold, is one line and exit 2.
//! `--from-log` is `gen_from_log`'s (the dispatcher sends it there); both share `gen_lint`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use anyhow::{Context as _, bail};
use ipnet::IpNet;

use crate::cli::{DocFormat, GenServiceEntryArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::gen_service_entry::GenSettings;
use meshctl_core::dns;
use meshctl_core::generate::{self, EntryPlan};
use meshctl_core::model::ServiceEntry;
use meshctl_core::pinning;
use meshctl_core::rules::Severity;
use meshctl_core::target::Target;

pub(super) fn run(
    args: &GenServiceEntryArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let GenSettings {
        target,
        allowed,
        given,
        ports,
        resolver,
        api_version,
        protocol,
        resolution,
    } = GenSettings::resolve(args)?;
    port_override_note(&ports, &target, global, io)?;
    let name = match &args.name {
        Some(name) => {
            generate::check_name(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            name.clone()
        }
        None => generate::default_name(&target.host, ports[0]),
    };

    let (addresses, provenance) = if given.is_empty() {
        let lookup = super::runtime::runtime()?
            .block_on(dns::lookup(&target.host, &resolver))
            .with_context(|| format!("resolving `{}` (use --address to skip DNS)", target.host))?;
        let ips: Vec<IpAddr> = lookup.addresses.iter().map(|a| a.ip).collect();
        pinning::screen_answer(&target.host, &ips, allowed)?;
        let nets = ips.into_iter().map(IpNet::from).collect();
        (nets, Provenance::Dns(lookup))
    } else {
        (given, Provenance::Flags)
    };

    let mut plan = EntryPlan {
        api_version,
        name,
        namespace: args.ns.namespace.clone(),
        host: target.host.clone(),
        ports,
        protocol,
        resolution,
        annotations: if args.annotate {
            provenance.annotations()
        } else {
            BTreeMap::new()
        },
    };
    if matches!(provenance, Provenance::Dns(_)) {
        generate::record_source(&mut plan.annotations, &target.host);
    }
    generate::record_allowed(&mut plan.annotations, allowed, &addresses);
    let entry = generate::service_entry(&plan, &addresses)?;
    let text = match args.output {
        DocFormat::Yaml => to_text(&entry, render::write_yaml)?,
        DocFormat::Json => to_text(&entry, render::write_json)?,
    };
    let lookup = match &provenance {
        Provenance::Dns(lookup) => Some(lookup),
        Provenance::Flags => None,
    };
    let findings = super::gen_lint::lint(&text, &target.host, lookup)?;
    let refused = !args.force && findings.iter().any(|d| d.severity >= Severity::Error);
    if refused || !global.quiet {
        render::inline::findings(&findings, io.err)?;
    }
    if refused {
        bail!(
            "refusing to write a ServiceEntry that `meshctl check` rejects; fix the input as the help says, or pass --force to write it anyway"
        );
    }
    io.out.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// `--port` replaces the port written in HOST (or a DSN's): said on stderr, since the entry then
/// opens another port than the one the user typed, and a silent swap reads as a typo'd entry.
fn port_override_note(
    ports: &[u16],
    target: &Target,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    if let Some(written) = target.port.filter(|p| !ports.contains(p))
        && !global.quiet
    {
        let given: Vec<String> = ports.iter().map(u16::to_string).collect();
        writeln!(
            io.err,
            "note: --port {} replaces port {written} written in `{}`; the entry opens {} only",
            given.join(" --port "),
            target.display,
            given.join(", ")
        )?;
    }
    Ok(())
}

fn to_text(
    entry: &ServiceEntry,
    write: fn(&ServiceEntry, &mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    let mut buffer = Vec::new();
    write(entry, &mut buffer)?;
    Ok(String::from_utf8(buffer)?)
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
