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
//! many times over. Only MSH502 reads them, and only for entries that no view uses, so the views
//! keep them only for those entries ([`Kept`]).

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

/// The views compiled so far. Each keeps its records in effect or in conflict; the
/// out-of-view records of entries no view has used yet wait here until the entry is used
/// (then they are dropped) or every view is compiled (then they go back to their views).
/// Until then each distinct record is held once per entry: most are the same in every view.
struct Kept {
    /// By workload index; `None` until compiled.
    registries: Vec<Option<Registry>>,
    /// Per engine entry (an index into the inputs' entries).
    entries: Vec<Pending>,
}

/// One entry's out-of-view records while no view compiled so far uses it.
#[derive(Default)]
struct Pending {
    /// Some view compiled so far uses a service port of the entry.
    used: bool,
    /// Its distinct out-of-view records.
    distinct: Vec<engine::Record>,
    /// `(view, index into distinct)` of each record, in each view's order.
    held: Vec<(usize, usize)>,
}

impl Pending {
    /// Holds `record` of view `view` (the records of one entry come in the same order in
    /// every view, so the search starts after the view's previous one).
    fn hold(&mut self, view: usize, record: engine::Record) {
        let start = match self.held.last() {
            Some(&(v, at)) if v == view => at + 1,
            _ => 0,
        };
        let len = self.distinct.len();
        let found = (start..len)
            .chain(0..start.min(len))
            .find(|&at| self.distinct[at] == record);
        let at = found.unwrap_or_else(|| {
            self.distinct.push(record);
            len
        });
        self.held.push((view, at));
    }
}

impl Kept {
    fn new(entries: usize, views: usize) -> Kept {
        Kept {
            registries: std::iter::repeat_with(|| None).take(views).collect(),
            entries: std::iter::repeat_with(Pending::default)
                .take(entries)
                .collect(),
        }
    }

    /// Takes in the view of workload `index`.
    fn add(&mut self, index: usize, mut registry: Registry) {
        let mut in_view = 0;
        for record in registry.records.iter().filter(|r| !out_of_view(&r.fate)) {
            in_view += 1;
            if let Some(pending) = self.entries.get_mut(record.entry.0 as usize)
                && !pending.used
            {
                *pending = Pending {
                    used: true,
                    ..Pending::default()
                };
            }
        }
        let records = std::mem::replace(&mut registry.records, Vec::with_capacity(in_view));
        for record in records {
            if !out_of_view(&record.fate) {
                registry.records.push(record);
                continue;
            }
            match self.entries.get_mut(record.entry.0 as usize) {
                Some(pending) if pending.used => {}
                Some(pending) => pending.hold(index, record),
                None => registry.records.push(record),
            }
        }
        if let Some(slot) = self.registries.get_mut(index) {
            *slot = Some(registry);
        }
    }

    /// Every view, with the out-of-view records of the entries none of them uses.
    fn finish(mut self) -> Vec<Registry> {
        for pending in self.entries.iter().filter(|p| !p.used) {
            for &(view, at) in &pending.held {
                if let Some(Some(registry)) = self.registries.get_mut(view) {
                    registry.records.push(pending.distinct[at].clone());
                }
            }
        }
        self.registries
            .into_iter()
            .flatten()
            .map(|mut registry| {
                registry.records.shrink_to_fit();
                registry
            })
            .collect()
    }
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
        let inputs = crate::rules::testing::clean_inputs("views.yaml", &text);
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
            entry(
                "lost",
                "b",
                "lost-1.example.com, lost-2.example.com",
                "[elsewhere]",
            ),
            entry("own", "b", "own.example.com", "['.']"),
        ]
        .concat();
        let inputs = crate::rules::testing::clean_inputs("views.yaml", &text);
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
        let in_view = |r: &&engine::Record| !out_of_view(&r.fate);
        for ((_, kept), full) in views.registries.iter().zip(&full) {
            // Records in effect keep their order; `lost`'s out-of-view ones follow them.
            let want: Vec<&engine::Record> = full
                .records()
                .iter()
                .filter(in_view)
                .chain(full.records().iter().filter(|r| r.entry.0 == lost))
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
        assert_eq!(lost_records, 4, "one out-of-view record per host and view");
    }
}
