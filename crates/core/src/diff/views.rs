//! The workload views of a mesh: one per namespace any resource names or exports to (plus
//! `default`), and one per Sidecar `workloadSelector`, with the labels that select it. Each view
//! is one compiled registry per side, so a change that only some workloads see is found where
//! they are.

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
}

impl View {
    /// `namespace default`, `namespace prod, labels app=db`.
    #[must_use]
    pub fn label(&self) -> String {
        if self.labels.is_empty() {
            format!("namespace {}", self.namespace)
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
                });
            }
            namespaces.insert(namespace);
        }
        for item in &workspace.mesh().default_export_to {
            named_namespace(item, &mut namespaces);
        }
    }
    namespaces
        .into_iter()
        .map(|namespace| View {
            namespace,
            labels: BTreeMap::new(),
        })
        .chain(selected)
        .collect()
}
