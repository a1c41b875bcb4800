//! # MSH502 entry-not-visible
//!
//! ## What it does
//! Reports, as info, an entry that no namespace in the inputs can use: `exportTo` confines it to
//! namespaces present in the inputs (or to nobody, with `~`), and in each of those a Sidecar's egress
//! hosts do not import it. An entry exported to namespaces the inputs do not show is not reported.
//!
//! ## Why it matters
//! A sidecar builds listeners only for entries that are exported to its namespace and imported by its
//! Sidecar. For every other workload this entry does not exist: their connections are unmatched, so
//! they leave through the passthrough cluster under ALLOW_ANY or are black-holed under REGISTRY_ONLY.
//! The apply succeeds and `kubectl get serviceentries` lists it, which makes it easy to believe it is
//! in force.
//!
//! Severity: info: the entry may be meant for a namespace that is not among the inputs.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: mysql-external, namespace: db}
//! spec:
//!   hosts: [db.example.com]
//!   addresses: [203.0.113.7/32]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//!   exportTo: [bookinfo]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: Sidecar
//! metadata: {name: default, namespace: bookinfo}
//! spec:
//!   egress:
//!   - hosts: ["./*", "istio-system/*"]     # nothing from namespace db
//! ```
//!
//! ## Use instead
//! ```yaml
//!   egress:
//!   - hosts: ["./*", "istio-system/*", "db/db.example.com"]
//! ```

use std::collections::{BTreeSet, HashMap};

use crate::engine::{Fate, Record};
use crate::load::Origin;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH502 entry-not-visible: in every namespace's view the engine filtered the entry out before
/// building any listener — not exported there, not imported by the namespace's Sidecar, its port
/// taken by another egress listener, or its host kept from another namespace.
pub(crate) const RULE: Row = Row {
    severity: Severity::Info,
    check: CheckFn::Views(check),
    summary: "exportTo or Sidecar imports hide the entry from every namespace in the inputs.",
};

/// Reports every entry no namespace's view uses, with the reason per namespace.
///
/// Every view holds a record for every entry, so a repository with a Sidecar in each of its
/// namespaces gives namespaces × entries records. They are read twice without allocating (does
/// any view use the entry?), and reasons are only spelled out for the few entries none uses:
/// formatting a reason per record was most of `check`'s time on such repositories.
pub(crate) fn check(cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    // Every view is compiled from `cx.inputs.service_entries`, so an `EntryId` is an index into
    // it. A document read twice (the same file named twice) is one entry: one verdict.
    let mut groups: HashMap<(&Origin, String), usize> = HashMap::new();
    let group_of: Vec<usize> = cx
        .inputs
        .service_entries
        .iter()
        .map(|se| {
            let next = groups.len();
            *groups.entry((&se.origin, Views::key(se))).or_insert(next)
        })
        .collect();
    let group = |record: &Record| group_of.get(record.entry.0 as usize).copied();
    // (has a record, used by some view) per group.
    let mut seen = vec![(false, false); groups.len()];
    for (_, registry) in &views.registries {
        for record in registry.records() {
            if let Some(g) = group(record) {
                seen[g].0 = true;
                seen[g].1 |= !filtered(&record.fate);
            }
        }
    }
    let mut reasons: HashMap<usize, BTreeSet<String>> = seen
        .iter()
        .enumerate()
        .filter(|(_, (recorded, used))| *recorded && !*used)
        .map(|(g, _)| (g, BTreeSet::new()))
        .collect();
    if !reasons.is_empty() {
        for (namespaces, registry) in &views.registries {
            let namespace = match namespaces.as_slice() {
                [one] => one.clone(),
                many => format!("{} namespaces", many.len()),
            };
            for record in registry.records() {
                if let Some(set) = group(record).and_then(|g| reasons.get_mut(&g))
                    && let Some(why) = reason(&record.fate, &namespace)
                {
                    set.insert(why);
                }
            }
        }
    }
    for (se, g) in cx.inputs.service_entries.iter().zip(&group_of) {
        let Some(reasons) = reasons.get(g).filter(|r| !r.is_empty()) else {
            continue;
        };
        let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
        out.at(
            se,
            "metadata.name",
            format!(
                "no workload in the inputs' namespaces can use this entry ({})",
                reasons.join("; ")
            ),
        )
        .help("widen `exportTo` or add the host to the Sidecar's egress `hosts`");
    }
}

/// True when the view left the entry out (what [`reason`] spells out), without allocating.
fn filtered(fate: &Fate) -> bool {
    matches!(
        fate,
        Fate::NotExported
            | Fate::NotImported
            | Fate::PortLocked
            | Fate::HostInOtherNamespace { .. }
    )
}

/// Why `namespace`'s view left the entry out, `None` when the view uses it.
fn reason(fate: &Fate, namespace: &str) -> Option<String> {
    match fate {
        Fate::NotExported => Some(format!("{namespace}: not exported to it")),
        Fate::NotImported => Some(format!("{namespace}: not imported by its Sidecar")),
        Fate::PortLocked => Some(format!(
            "{namespace}: its port belongs to another egress listener"
        )),
        Fate::HostInOtherNamespace { kept } => {
            Some(format!("{namespace}: host taken from namespace {kept}"))
        }
        _ => None,
    }
}
