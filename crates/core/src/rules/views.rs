//! The decision engine's compiled view, once per namespace in the inputs, for the rules that are
//! about how entries combine (MSH4xx, MSH502). Listener keys, dedup and visibility come from the
//! engine — the linter never re-implements matching.
//!
//! Compiling one view per namespace is the cost that grows with large repositories, so
//! namespaces whose view cannot differ share one compiled registry. A namespace gets its own view
//! when anything namespace-specific could change the engine's answer: a Sidecar in it (Istio
//! picks the Sidecar by the workload's namespace), an entry whose effective `exportTo` is not
//! public and involves it (`.` in it, or naming it; explicitly exported services also come first
//! in Istio's order), or a host defined both in it and in another namespace (the proxy's own
//! namespace wins). Upstream: istio/istio `pilot/pkg/model/push_context.go`
//! (`servicesExportedToNamespace`, `doGetSidecarScope`) and `pilot/pkg/model/sidecar.go`
//! (`selectServices`). Every other namespace sees exactly the public entries in the same order, and
//! shares the view compiled for the first of them.
//!
//! A view records every service port, most of them only as out of the view (not exported to
//! it, not imported by its Sidecar): with dozens of namespaces those records outnumber the rest
//! many times over. Only MSH502 reads them, and only for entries that no view uses, so a view
//! keeps them only while the entry is unused as far as the views compiled so far tell, and the
//! views are swept as more entries turn out to be used.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::engine::{self, EntryInfo, Fate, MeshSettings, Registry, Workload};
use crate::load::{Inputs, Loaded, Origin};
use crate::model::{Resource, ServiceEntry};

/// One registry per namespace a workload could run in, as far as the inputs tell.
pub(crate) struct Views<'a> {
    /// Loaded entries by their document origin, to map engine entries back in O(1).
    by_origin: HashMap<&'a Origin, Vec<&'a Loaded<ServiceEntry>>>,
    /// `(namespaces sharing the view, registry)`; the names are in namespace order.
    pub(crate) registries: Vec<(Vec<String>, Registry)>,
}

impl<'a> Views<'a> {
    /// Compiles the view of a label-less workload in every namespace named by an entry or
    /// Sidecar (and `default` when there are none).
    pub(crate) fn new(inputs: &'a Inputs, mesh: &MeshSettings, dns_capture: bool) -> Views<'a> {
        let mut namespaces: BTreeSet<String> = inputs
            .service_entries
            .iter()
            .map(|s| s.resource.metadata.namespace().to_owned())
            .chain(
                inputs
                    .sidecars
                    .iter()
                    .map(|s| s.resource.metadata.namespace().to_owned()),
            )
            .collect();
        if namespaces.is_empty() {
            namespaces.insert("default".into());
        }
        let special = namespace_specific(inputs, mesh);
        let config = engine::Resources::from_inputs(inputs, mesh.clone());
        let (own, shared): (Vec<String>, Vec<String>) = namespaces
            .into_iter()
            .partition(|ns| special.contains(ns.as_str()));
        // One workload per view: each namespace of its own, then the first shared one.
        let workloads: Vec<Workload> = own
            .iter()
            .chain(shared.first())
            .map(|namespace| Workload {
                namespace: namespace.clone(),
                dns_capture,
                ..Workload::default()
            })
            .collect();
        let kept = Mutex::new(Kept::new(inputs.service_entries.len(), workloads.len()));
        engine::compile_each_then(&config, &workloads, |i, registry| {
            // Poisoned only if another view's bookkeeping panicked, which is a bug either way.
            if let Ok(mut kept) = kept.lock() {
                kept.add(i, registry);
            }
        });
        let mut compiled = kept
            .into_inner()
            .map(Kept::finish)
            .unwrap_or_default()
            .into_iter();
        let mut registries: Vec<(Vec<String>, Registry)> = own
            .into_iter()
            .zip(compiled.by_ref())
            .map(|(ns, r)| (vec![ns], r))
            .collect();
        if let Some(registry) = compiled.next() {
            registries.push((shared, registry));
        }
        let mut by_origin: HashMap<&Origin, Vec<&Loaded<ServiceEntry>>> = HashMap::new();
        for se in &inputs.service_entries {
            by_origin.entry(&se.origin).or_default().push(se);
        }
        Views {
            by_origin,
            registries,
        }
    }

    /// The loaded entry an engine entry came from.
    pub(crate) fn loaded(&self, info: &EntryInfo) -> Option<&'a Loaded<ServiceEntry>> {
        self.by_origin
            .get(&info.origin)?
            .iter()
            .copied()
            .find(|se| {
                se.resource.metadata.name == *info.name
                    && se.resource.metadata.namespace() == &*info.namespace
            })
    }

    /// `namespace/name` of a loaded entry, as the engine names it.
    pub(crate) fn key(se: &Loaded<ServiceEntry>) -> String {
        se.resource.key()
    }
}

/// True for a record that only says its service port is out of the view: MSH502's reasons,
/// read by no other rule (they read the listeners and the records in effect or in conflict).
fn out_of_view(fate: &Fate) -> bool {
    matches!(
        fate,
        Fate::NotExported
            | Fate::NotImported
            | Fate::PortLocked
            | Fate::HostInOtherNamespace { .. }
    )
}

/// The views compiled so far, with the out-of-view records of used entries dropped.
struct Kept {
    /// Per engine entry (an index into the inputs' entries): some view compiled so far uses
    /// a service port of it.
    used: Vec<bool>,
    /// By workload index; `None` until compiled.
    registries: Vec<Option<Registry>>,
    /// Out-of-view records held now, and right after the last sweep.
    held: usize,
    swept: usize,
}

impl Kept {
    fn new(entries: usize, views: usize) -> Kept {
        Kept {
            used: vec![false; entries],
            registries: std::iter::repeat_with(|| None).take(views).collect(),
            held: 0,
            swept: 0,
        }
    }

    /// Takes in the view of workload `index`. Sweeping every view each time would cost
    /// quadratic time, so the views are swept when the records held have doubled since the
    /// last sweep (and are more than one per entry).
    fn add(&mut self, index: usize, mut registry: Registry) {
        for record in registry.records.iter().filter(|r| !out_of_view(&r.fate)) {
            if let Some(used) = self.used.get_mut(record.entry.0 as usize) {
                *used = true;
            }
        }
        self.held += prune(&mut registry, &self.used);
        if let Some(slot) = self.registries.get_mut(index) {
            *slot = Some(registry);
        }
        if self.held > (2 * self.swept).max(self.used.len()) {
            self.sweep();
        }
    }

    fn sweep(&mut self) {
        self.held = self
            .registries
            .iter_mut()
            .flatten()
            .map(|registry| prune(registry, &self.used))
            .sum();
        self.swept = self.held;
    }

    /// Every view, swept against the entries all of them use.
    fn finish(mut self) -> Vec<Registry> {
        self.sweep();
        self.registries.into_iter().flatten().collect()
    }
}

/// Drops the out-of-view records of used entries; returns how many out-of-view records stay.
fn prune(registry: &mut Registry, used: &[bool]) -> usize {
    let used = |record: &engine::Record| used.get(record.entry.0 as usize) == Some(&true);
    let before = registry.records.len();
    registry
        .records
        .retain(|record| !out_of_view(&record.fate) || !used(record));
    if registry.records.len() < before {
        registry.records.shrink_to_fit();
    }
    registry
        .records
        .iter()
        .filter(|record| out_of_view(&record.fate))
        .count()
}

/// Namespaces whose compiled view may differ from the public one (see the module docs).
pub(crate) fn namespace_specific<'a>(
    inputs: &'a Inputs,
    mesh: &'a MeshSettings,
) -> BTreeSet<&'a str> {
    let mut special: BTreeSet<&str> = inputs
        .sidecars
        .iter()
        .map(|s| s.resource.metadata.namespace())
        .collect();
    let mut host_namespaces: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for se in &inputs.service_entries {
        let namespace = se.resource.metadata.namespace();
        let export_to = if se.resource.spec.export_to.is_empty() {
            &mesh.default_export_to
        } else {
            &se.resource.spec.export_to
        };
        let public = export_to.is_empty() || export_to.iter().any(|e| e == "*");
        if !public {
            special.insert(namespace);
            special.extend(
                export_to
                    .iter()
                    .map(String::as_str)
                    .filter(|e| !matches!(*e, "." | "~")),
            );
        }
        for host in &se.resource.spec.hosts {
            host_namespaces
                .entry(host.to_ascii_lowercase())
                .or_default()
                .insert(namespace);
        }
    }
    for namespaces in host_namespaces.values().filter(|n| n.len() > 1) {
        special.extend(namespaces.iter().copied());
    }
    special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, namespace: &str, host: &str, export_to: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  hosts: [{host}]\n  addresses: [203.0.113.7/32]\n  ports: [{{number: 3306, name: tcp, protocol: TCP}}]\n  exportTo: {export_to}\n---\n"
        )
    }

    #[test]
    fn only_namespaces_that_can_see_something_different_get_their_own_view() {
        let text = [
            entry("a", "public-1", "a.example.com", "['*']"),
            entry("b", "public-2", "b.example.com", "[]"),
            entry("c", "private", "c.example.com", "['.']"),
            entry("d", "exporter", "d.example.com", "[named]"),
            entry("e", "dup-1", "dup.example.com", "['*']"),
            entry("f", "dup-2", "dup.example.com", "['*']"),
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: scoped}\nspec:\n  egress: [{hosts: ['./*']}]\n".into(),
        ]
        .concat();
        let inputs = crate::load::load_bytes(
            "views.yaml",
            text.as_bytes(),
            &crate::load::LoadOptions::default(),
        )
        .expect("parser thread");
        assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
        let mesh = MeshSettings::default();
        let special = namespace_specific(&inputs, &mesh);
        let want: BTreeSet<&str> =
            ["private", "exporter", "named", "dup-1", "dup-2", "scoped"].into();
        assert_eq!(special, want);
        let views = Views::new(&inputs, &mesh, false);
        let shared = views
            .registries
            .iter()
            .find(|(names, _)| names.len() > 1)
            .expect("a shared view");
        assert_eq!(shared.0, ["public-1", "public-2"]);
    }

    fn sidecar(namespace: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: default, namespace: {namespace}}}\nspec:\n  egress: [{{hosts: ['./*']}}]\n---\n"
        )
    }

    #[test]
    fn views_drop_the_out_of_view_records_of_entries_another_view_uses() {
        // `used` is in effect in `a` only; `lost` (exported to a namespace without a view) in
        // none, so MSH502 needs its records from every view.
        let text = [
            sidecar("a"),
            sidecar("b"),
            entry("used", "a", "used.example.com", "['*']"),
            entry("lost", "b", "lost.example.com", "[elsewhere]"),
            entry("own", "b", "own.example.com", "['.']"),
        ]
        .concat();
        let inputs = crate::load::load_bytes(
            "views.yaml",
            text.as_bytes(),
            &crate::load::LoadOptions::default(),
        )
        .expect("parser thread");
        assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
        let mesh = MeshSettings::default();
        let views = Views::new(&inputs, &mesh, false);
        let names: Vec<&[String]> = views.registries.iter().map(|(n, _)| &n[..]).collect();
        assert_eq!(names, [["a"], ["b"]]);
        let workloads: Vec<Workload> = ["a", "b"]
            .into_iter()
            .map(|namespace| Workload {
                namespace: namespace.into(),
                ..Workload::default()
            })
            .collect();
        let config = engine::Resources::from_inputs(&inputs, mesh.clone());
        let full = engine::compile_each(&config, &workloads);
        let lost = 1; // entry index of `lost`
        for ((_, kept), full) in views.registries.iter().zip(&full) {
            let want: Vec<&engine::Record> = full
                .records()
                .iter()
                .filter(|r| !out_of_view(&r.fate) || r.entry.0 == lost)
                .collect();
            let got: Vec<&engine::Record> = kept.records().iter().collect();
            assert_eq!(got, want, "view {}", full.namespace);
            assert!(
                full.records().len() > kept.records().len(),
                "view {}: `used` or `own` is out of it",
                full.namespace
            );
        }
        let lost_records = views
            .registries
            .iter()
            .flat_map(|(_, r)| r.records())
            .filter(|r| r.entry.0 == lost)
            .count();
        assert_eq!(lost_records, 2, "one out-of-view record per view");
    }
}
