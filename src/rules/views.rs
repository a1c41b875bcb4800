//! The decision engine's compiled view, once per namespace in the inputs, for the rules that are
//! about how entries combine (MSH4xx, MSH502). Listener keys, dedup and visibility come from the
//! engine — the linter never re-implements matching.

use std::collections::BTreeSet;

use crate::engine::{self, EntryInfo, MeshSettings, Registry, Workload};
use crate::load::{Inputs, Loaded};
use crate::model::{Resource, ServiceEntry};

/// One registry per namespace a workload could run in, as far as the inputs tell.
pub(super) struct Views<'a> {
    inputs: &'a Inputs,
    /// `(namespace, registry)` in namespace order.
    pub(super) registries: Vec<(String, Registry)>,
}

impl<'a> Views<'a> {
    /// Compiles the view of a label-less workload in every namespace named by an entry or
    /// Sidecar (and `default` when there are none).
    pub(super) fn new(inputs: &'a Inputs, mesh: &MeshSettings, dns_capture: bool) -> Views<'a> {
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
        let config = engine::Config::from_inputs(inputs, mesh.clone());
        let registries = namespaces
            .into_iter()
            .map(|namespace| {
                let workload = Workload {
                    namespace: namespace.clone(),
                    dns_capture,
                    dns_auto_allocate: true,
                    ..Workload::default()
                };
                let registry = engine::compile(&config, &workload);
                (namespace, registry)
            })
            .collect();
        Views { inputs, registries }
    }

    /// The loaded entry an engine entry came from.
    pub(super) fn loaded(&self, info: &EntryInfo) -> Option<&'a Loaded<ServiceEntry>> {
        self.inputs.service_entries.iter().find(|se| {
            se.origin == info.origin
                && se.resource.metadata.name == *info.name
                && se.resource.metadata.namespace() == &*info.namespace
        })
    }

    /// `namespace/name` of a loaded entry, as the engine names it.
    pub(super) fn key(se: &Loaded<ServiceEntry>) -> String {
        se.resource.key()
    }
}
