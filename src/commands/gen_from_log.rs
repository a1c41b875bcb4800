//! `meshctl gen serviceentry --from-log FILE`: the proxy's records → the destinations report
//! mode let through (`meshctl_core::generate_from_log`) → one pinned ServiceEntry per group →
//! multi-document YAML, linted by the same step as `gen serviceentry` (an error-level finding
//! refuses to print unless `--force`). Addresses pass the class screen `gen` applies: a
//! loopback, link-local, … destination is refused unless `--allow-address-class` allows it,
//! and the entry then records the choice.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, bail};
use ipnet::IpNet;

use crate::cli::{GenServiceEntryArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::gen_from_log::FromLogSettings;
use meshctl_core::address_class::{AddressClass, describe};
use meshctl_core::generate::{self, EntryPlan};
use meshctl_core::generate_from_log::{self, COVERS_ANNOTATION, NamedBy, Proposal};
use meshctl_core::model::{Resolution, ServiceEntry};
use meshctl_core::pinning::{ADDRESS_LIMIT, AllowedClasses};
use meshctl_core::rules::Severity;

pub(super) fn run(
    args: &GenServiceEntryArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let settings = FromLogSettings::resolve(args)?;
    let shown = settings.path.display().to_string();
    let text =
        std::fs::read_to_string(&settings.path).with_context(|| format!("reading `{shown}`"))?;
    let reading =
        generate_from_log::read_records(&text).map_err(|e| anyhow::anyhow!("{shown}:{e}"))?;
    let proposals = generate_from_log::propose(&reading.observed);
    if reading.denied > 0 && !global.quiet {
        writeln!(
            io.err,
            "note: {shown}: {} connection(s) denied in enforce mode are not proposed (record them with `meshctl proxy --policy-mode report`)",
            reading.denied
        )?;
    }
    if proposals.is_empty() {
        if !global.quiet {
            writeln!(
                io.err,
                "note: {shown}: no would_deny or PASSTHROUGH connection in {} record(s); nothing to propose",
                reading.records
            )?;
        }
        return Ok(ExitStatus::Success);
    }
    let mut names = BTreeSet::new();
    let mut out = String::new();
    for proposal in &proposals {
        screen(&shown, proposal, settings.allowed)?;
        let entry = entry(&settings, proposal, &mut names)?;
        let mut doc = Vec::new();
        render::write_yaml(&entry, &mut doc)?;
        out.push_str("---\n");
        out.push_str(&String::from_utf8(doc)?);
    }
    let findings = super::gen_lint::lint(&out, "", None)?;
    let refused = !args.force && findings.iter().any(|d| d.severity >= Severity::Error);
    if refused || !global.quiet {
        render::inline::findings(&findings, io.err)?;
    }
    if refused {
        bail!(
            "refusing to write ServiceEntries that `meshctl check` rejects; pass --force to write them anyway"
        );
    }
    io.out.write_all(out.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// Refuses what `gen` refuses to pin: a class no egress entry should hold unless allowed, and
/// more addresses than one entry may hold.
fn screen(shown: &str, proposal: &Proposal, allowed: AllowedClasses) -> anyhow::Result<()> {
    for (dst, _) in &proposal.covers {
        let class = AddressClass::of(dst.ip());
        if class.refused_by_default() && !allowed.contains(class) {
            bail!(
                "{shown}: `{dst}` is {}; refusing to pin it (allow with --allow-address-class {class})",
                describe(dst.ip())
            );
        }
    }
    if proposal.addresses.len() > ADDRESS_LIMIT {
        bail!(
            "{shown}: `{}` was reached at {} addresses, more than the {ADDRESS_LIMIT} a ServiceEntry's `addresses` may hold; pin the provider's CIDR ranges with `gen serviceentry --address` instead",
            proposal.host_name(),
            proposal.addresses.len()
        );
    }
    Ok(())
}

/// The pinned entry of one proposal, named after its host and first port (made unique among
/// this run's names).
fn entry(
    settings: &FromLogSettings,
    proposal: &Proposal,
    names: &mut BTreeSet<String>,
) -> anyhow::Result<ServiceEntry> {
    let host = proposal.host_name();
    // `ip-203-0-113-9-3306` rather than the made-up domain spelled out.
    let stem = host.strip_suffix(".meshctl.invalid").unwrap_or(&host);
    let base = generate::default_name(stem, proposal.ports[0]);
    let mut name = base.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    let mut annotations = BTreeMap::new();
    annotations.insert(COVERS_ANNOTATION.to_owned(), proposal.covers_text());
    // A forward target's name was resolved to these addresses: `sync` may keep them true.
    if matches!(proposal.host, Some((_, NamedBy::Forward))) {
        generate::record_source(&mut annotations, &host);
    }
    let nets: Vec<IpNet> = proposal
        .addresses
        .iter()
        .copied()
        .map(IpNet::from)
        .collect();
    generate::record_allowed(&mut annotations, settings.allowed, &nets);
    let plan = EntryPlan {
        api_version: settings.api_version.clone(),
        name,
        namespace: settings.namespace.clone(),
        host,
        ports: proposal.ports.clone(),
        protocol: "TCP".to_owned(),
        resolution: Resolution::None,
        annotations,
    };
    Ok(generate::service_entry(&plan, &nets)?)
}
