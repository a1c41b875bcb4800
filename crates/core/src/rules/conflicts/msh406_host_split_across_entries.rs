//! # MSH406 host-split-across-entries
//!
//! ## What it does
//! Flags a ServiceEntry that declares a host another entry of the same namespace declared first, with
//! a different resolution or different ports, and says what connections to each of its ports get:
//! the first entry's service, no listener at all, or the first entry's addresses.
//!
//! ## Why it matters
//! A sidecar keeps one service per host and namespace, built from the entry that comes first in
//! Istio's order (oldest `creationTimestamp`, then name). A later entry for the same host only adds
//! to it when the two could be one entry: same resolution, labels, `workloadSelector` and `exportTo`.
//! Then its new ports join the first entry's service and are served on the first entry's addresses,
//! not its own. Otherwise the later entry is dropped whole: its extra ports get no listener and no
//! cluster, and its shared ports run with the first entry's resolution. Nothing is rejected and
//! istiod only logs at debug level, so teams that split one host into an entry per port see random
//! resets or `NoClusterFound` (istio/istio#55776, #54988, #54990, #51466).
//!
//! Severity: warning, raised to error when a port of the later entry gets no listener: the connections its author meant to route fall to the outbound policy instead.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: kafka-tls, creationTimestamp: "2026-01-01T00:00:00Z"}
//! spec:
//!   hosts: [kafka.example.com]
//!   ports: [{name: tls, number: 443, protocol: TLS}]
//!   resolution: DNS
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: kafka-broker, creationTimestamp: "2026-02-01T00:00:00Z"}
//! spec:
//!   hosts: [kafka.example.com]
//!   addresses: [203.0.113.9/32]
//!   ports: [{name: tcp, number: 9093, protocol: TCP}]
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                      # one entry per host, every port in it
//!   hosts: [kafka.example.com]
//!   ports:
//!   - {name: tls, number: 443, protocol: TLS}
//!   - {name: tcp, number: 9093, protocol: TCP}
//!   resolution: DNS
//! ```
//! Or give the second service a host name of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::seen::Seen;
use crate::engine::{Addr, EntryId, Fate, Registry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH406 host-split-across-entries: several entries of one namespace declare a host with
/// different ports or resolutions. The sidecar's service list keeps the first and merges or
/// drops the rest (istio/istio `pilot/pkg/model/sidecar.go`, `appendSidecarServices` and
/// `canMergeServices`; the first is the oldest, `pilot/pkg/model/push_context.go`,
/// `SortServicesByCreationTime`). Which entries reach the listener builder, in which order,
/// on which ports and addresses, is the engine's compiled records; only the merge test is
/// read here, from the documents.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Views(check),
    summary: "One host split across entries with different ports or resolutions: the first entry's service wins.",
};

/// What one entry brought to a host in one view.
#[derive(Default)]
struct Share {
    ports: BTreeSet<u16>,
    addrs: BTreeSet<String>,
}

/// Reports each later entry of a host once.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        split(views, registry, &mut seen, out);
    }
}

fn split(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    // Per host, the entries in the order the engine offered them to the listener builder.
    let mut hosts: BTreeMap<String, Vec<(EntryId, Share)>> = BTreeMap::new();
    for record in registry.records() {
        if !matches!(
            record.fate,
            Fate::Chain(_)
                | Fate::HttpRoute(_)
                | Fate::Shadowed { .. }
                | Fate::ProtocolConflict { .. }
        ) {
            continue;
        }
        let entries = hosts.entry(record.host.to_ascii_lowercase()).or_default();
        let index = entries
            .iter()
            .position(|(id, _)| *id == record.entry)
            .unwrap_or_else(|| {
                entries.push((record.entry, Share::default()));
                entries.len() - 1
            });
        let share = &mut entries[index].1;
        share.ports.insert(record.port);
        share.addrs.insert(match record.addr {
            Addr::Any => "none".to_owned(),
            other => other.to_string(),
        });
    }
    for (host, entries) in &hosts {
        let Some(((first_id, first), rest)) = entries.split_first() else {
            continue;
        };
        let kept = registry.entry(*first_id);
        for (id, share) in rest {
            let info = registry.entry(*id);
            if info.namespace != kept.namespace || info.to_string() == kept.to_string() {
                continue; // other namespaces: the engine's HostInOtherNamespace; same name: MSH405
            }
            let (Some(se), Some(kept_se)) = (views.loaded(info), views.loaded(kept)) else {
                continue;
            };
            let merge_blocker = if info.resolution == kept.resolution {
                differing_attribute(&se.resource, &kept_se.resource).map(str::to_owned)
            } else {
                Some(format!("resolution {}", info.resolution.as_str()))
            };
            let extra: Vec<u16> = share.ports.difference(&first.ports).copied().collect();
            let shared: Vec<u16> = share.ports.intersection(&first.ports).copied().collect();
            let mut what = format!(
                "{host} is declared first by {kept} (port {}, resolution {}, addresses: {}); ",
                list(&first.ports),
                kept.resolution.as_str(),
                join(&first.addrs),
            );
            let mut severity = Severity::Warning;
            if let Some(field) = merge_blocker {
                let _ = write!(
                    what,
                    "with {field} this entry cannot merge into it, so the sidecar drops this entry"
                );
                if !extra.is_empty() {
                    severity = Severity::Error;
                    let _ = write!(what, ": port {} gets no listener or cluster", list(&extra));
                }
                if !shared.is_empty() {
                    let _ = write!(
                        what,
                        "{} port {} runs with {kept}'s resolution {}",
                        if extra.is_empty() { ": " } else { ", " },
                        list(&shared),
                        kept.resolution.as_str()
                    );
                }
            } else if extra.is_empty() || share.addrs == first.addrs {
                continue; // nothing differs, or the merged ports serve the same addresses
            } else {
                let _ = write!(
                    what,
                    "the sidecar merges this entry's port {} into {kept}'s service, which listens on {kept}'s addresses, not on this entry's ({})",
                    list(&extra),
                    join(&share.addrs)
                );
            }
            if !seen.first(se, format!("{host}|{kept}")) {
                continue;
            }
            out.at(se, "spec.hosts", what)
                .severity(severity)
                .help(format!("declare every port of {host} in one entry, or give this service its own host name"));
        }
    }
}

/// The first attribute besides resolution that keeps istiod from merging two services of one
/// host (`canMergeServices`): labels, workload selector, or export scope.
fn differing_attribute(
    a: &crate::model::ServiceEntry,
    b: &crate::model::ServiceEntry,
) -> Option<&'static str> {
    let export = |se: &crate::model::ServiceEntry| -> BTreeSet<String> {
        se.spec.export_to.iter().cloned().collect()
    };
    let selector =
        |se: &crate::model::ServiceEntry| se.spec.workload_selector.clone().map(|s| s.labels);
    if a.metadata.labels != b.metadata.labels {
        Some("different labels")
    } else if selector(a) != selector(b) {
        Some("a different workloadSelector")
    } else if export(a) != export(b) {
        Some("a different exportTo")
    } else {
        None
    }
}

fn list(ports: impl IntoIterator<Item = impl std::borrow::Borrow<u16>>) -> String {
    ports
        .into_iter()
        .map(|p| p.borrow().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn join(addrs: &BTreeSet<String>) -> String {
    addrs.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::findings::Finding;

    /// An entry of `bookinfo` for `kafka.example.com`, created on day `day` of 2026.
    fn entry(name: &str, day: u8, extra: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: bookinfo, creationTimestamp: \"2026-01-{day:02}T00:00:00Z\"}}\nspec:\n  hosts: [kafka.example.com]\n{extra}---\n"
        )
    }

    fn findings(text: &str) -> Vec<Finding> {
        let inputs = crate::rules::testing::clean_inputs("split.yaml", text);
        let cx = Context::new(&inputs);
        let views = Views::new(&inputs, &cx.mesh, cx.dns_capture);
        let mut out = Findings::new(RULE.severity);
        check(&cx, &views, &mut out);
        out.into_vec()
    }

    struct Case {
        name: &'static str,
        second: &'static str,
        /// Severity and a piece of the message, or nothing.
        want: Option<(Severity, &'static str)>,
    }

    #[test]
    fn later_entries_are_dropped_or_merged_as_the_sidecar_does() {
        let first = "  addresses: [203.0.113.9/32]\n  ports: [{name: tls, number: 443, protocol: TLS}]\n  resolution: NONE\n";
        let cases = [
            Case {
                name: "same resolution, own address: merged onto the first entry's address",
                second: "  addresses: [203.0.113.10/32]\n  ports: [{name: tcp, number: 9093, protocol: TCP}]\n  resolution: NONE\n",
                want: Some((
                    Severity::Warning,
                    "merges this entry's port 9093 into bookinfo/first's service, which listens on bookinfo/first's addresses, not on this entry's (203.0.113.10)",
                )),
            },
            Case {
                name: "same resolution, same address: merging loses nothing",
                second: "  addresses: [203.0.113.9/32]\n  ports: [{name: tcp, number: 9093, protocol: TCP}]\n  resolution: NONE\n",
                want: None,
            },
            Case {
                name: "other resolution on a shared port: the first entry's resolution applies",
                second: "  addresses: [203.0.113.9/32]\n  ports: [{name: tls, number: 443, protocol: TLS}]\n  resolution: STATIC\n  endpoints: [{address: 198.51.100.9}]\n",
                want: Some((
                    Severity::Warning,
                    "port 443 runs with bookinfo/first's resolution NONE",
                )),
            },
        ];
        for case in cases {
            let text = [entry("first", 1, first), entry("second", 2, case.second)].concat();
            let found = findings(&text);
            match case.want {
                None => assert!(found.is_empty(), "{}: {found:?}", case.name),
                Some((severity, piece)) => {
                    assert_eq!(found.len(), 1, "{}: {found:?}", case.name);
                    assert_eq!(found[0].severity, severity, "{}", case.name);
                    assert!(
                        found[0].message.contains(piece),
                        "{}: {}",
                        case.name,
                        found[0].message
                    );
                }
            }
        }
    }

    #[test]
    fn labels_keep_entries_apart_and_other_namespaces_are_not_this_rules() {
        let second = "  addresses: [203.0.113.9/32]\n  ports: [{name: tcp, number: 9093, protocol: TCP}]\n  resolution: NONE\n";
        let first = "  addresses: [203.0.113.9/32]\n  ports: [{name: tls, number: 443, protocol: TLS}]\n  resolution: NONE\n";
        let labelled = entry("second", 2, second).replace(
            "namespace: bookinfo,",
            "namespace: bookinfo, labels: {team: kafka},",
        );
        let found = findings(&[entry("first", 1, first), labelled].concat());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert!(
            found[0]
                .message
                .contains("with different labels this entry cannot merge into it, so the sidecar drops this entry: port 9093 gets no listener or cluster"),
            "{}",
            found[0].message
        );
        let elsewhere =
            entry("second", 2, second).replace("namespace: bookinfo", "namespace: other");
        assert!(findings(&[entry("first", 1, first), elsewhere].concat()).is_empty());
    }
}
