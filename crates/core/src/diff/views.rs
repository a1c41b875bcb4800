//! The workload views of a mesh: one per namespace any resource names or exports to (plus
//! `default`), and one per Sidecar `workloadSelector`, with the labels that select it. Each view
//! is one compiled registry per side, so a change that only some workloads see is found where
//! they are.
//!
//! Namespaces whose view cannot differ on either side share one view, by the rule `check`'s
//! views follow (a Sidecar in the namespace, a non-public `exportTo` involving it, a host also
//! defined in another namespace: `rules::views`). A Sidecar in the root namespace without a
//! selector applies to every namespace with hosts relative to each (`./*`), so then every
//! namespace keeps its own view.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::engine::Workload;
use crate::workspace::Workspace;

/// A workload whose sidecar the diff models.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct View {
    /// The workload's namespace.
    pub namespace: String,
    /// Its labels: empty for the namespace's ordinary workloads, else a Sidecar's selector.
    pub labels: BTreeMap<String, String>,
    /// Other namespaces whose workloads see exactly this view.
    pub also: Vec<String>,
    /// True when every namespace that no resource names (an application namespace the
    /// repository never mentions) sees this view too.
    pub other_namespaces: bool,
}

impl View {
    /// `namespace default`, `namespace prod, labels app=db`.
    #[must_use]
    pub fn label(&self) -> String {
        if self.labels.is_empty() {
            let named = match self.also.len() {
                0 => format!("namespace {}", self.namespace),
                1 => format!("namespaces {} and {}", self.namespace, self.also[0]),
                n => format!(
                    "namespace {} and {n} more with the same view ({}, …)",
                    self.namespace, self.also[0]
                ),
            };
            if self.other_namespaces {
                format!("{named}, plus every namespace no resource names")
            } else {
                named
            }
        } else {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("namespace {}, labels {}", self.namespace, labels.join(","))
        }
    }

    pub(crate) fn workload(&self, workspace: &Workspace) -> Workload {
        workspace.in_mesh(Workload {
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
            ..Workload::default()
        })
    }
}

fn named_namespace(item: &str, into: &mut BTreeSet<String>) {
    let item = item.trim();
    if !item.is_empty() && item != "*" && item != "." && item != "~" {
        into.insert(item.to_owned());
    }
}

/// Every view of the workspaces given (both sides of a diff, or one).
pub(crate) fn views(sides: &[&Workspace]) -> Vec<View> {
    let mut namespaces = BTreeSet::from(["default".to_owned()]);
    let mut selected = BTreeSet::new();
    let mut special: BTreeSet<String> = BTreeSet::new();
    let mut everywhere = false;
    for workspace in sides {
        let admitted = workspace.admitted();
        special.extend(
            crate::rules::views::namespace_specific(admitted, workspace.mesh())
                .into_iter()
                .map(str::to_owned),
        );
        everywhere |= admitted.sidecars.iter().any(|s| {
            s.resource.metadata.namespace() == workspace.mesh().root_namespace
                && s.resource
                    .spec
                    .workload_selector
                    .as_ref()
                    .is_none_or(|w| w.labels.is_empty())
        });
    }
    for workspace in sides {
        let admitted = workspace.admitted();
        for entry in &admitted.service_entries {
            let meta = &entry.resource.metadata;
            namespaces.insert(meta.namespace().to_owned());
            for item in &entry.resource.spec.export_to {
                named_namespace(item, &mut namespaces);
            }
        }
        for sidecar in &admitted.sidecars {
            let namespace = sidecar.resource.metadata.namespace().to_owned();
            for egress in &sidecar.resource.spec.egress {
                for host in &egress.hosts {
                    if let Some((ns, _)) = host.split_once('/') {
                        named_namespace(ns, &mut namespaces);
                    }
                }
            }
            if let Some(selector) = &sidecar.resource.spec.workload_selector
                && !selector.labels.is_empty()
            {
                selected.insert(View {
                    namespace: namespace.clone(),
                    labels: selector.labels.clone(),
                    also: Vec::new(),
                    other_namespaces: false,
                });
            }
            namespaces.insert(namespace);
        }
        for item in &workspace.mesh().default_export_to {
            named_namespace(item, &mut namespaces);
        }
    }
    // A namespace no resource names has no Sidecar and no export of its own: it sees what
    // every unremarkable namespace sees. `default` is always a view, so that view exists.
    let named: BTreeSet<String> = namespaces.clone();
    let (own, shared): (Vec<String>, Vec<String>) = namespaces
        .into_iter()
        .partition(|ns| everywhere || special.contains(ns));
    let mut views: Vec<View> = own
        .into_iter()
        .map(|namespace| View {
            namespace,
            labels: BTreeMap::new(),
            also: Vec::new(),
            other_namespaces: false,
        })
        .collect();
    if let Some((first, rest)) = shared.split_first() {
        views.push(View {
            namespace: first.clone(),
            labels: BTreeMap::new(),
            also: rest.to_vec(),
            other_namespaces: true,
        });
    } else {
        // Every named namespace has its own view (a root Sidecar applies to each with hosts
        // relative to it, or each is special): an unnamed one needs a view of its own, under
        // a name no resource uses.
        // `named` is finite, so one of its size + 1 candidates is free.
        let unnamed = (0..=named.len())
            .map(|i| {
                if i == 0 {
                    "other".to_owned()
                } else {
                    format!("other-{i}")
                }
            })
            .find(|n| !named.contains(n))
            .unwrap_or_default();
        views.push(View {
            namespace: unnamed,
            labels: BTreeMap::new(),
            also: Vec::new(),
            other_namespaces: true,
        });
    }
    views.sort();
    views.extend(selected);
    views
}
