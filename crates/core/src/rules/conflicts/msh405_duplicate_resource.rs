//! # MSH405 duplicate-resource
//!
//! ## What it does
//! Flags two documents in the inputs with the same kind, namespace and name, whatever their API version
//! (`v1` and `v1alpha3` name the same object). A document without a namespace counts as the namespace
//! given with `-n`, else `default`.
//!
//! ## Why it matters
//! Applying the inputs does not create two resources: the later document overwrites the earlier one, so
//! one of them is silently lost, and which one depends on file order. Reviewers see two entries while
//! the cluster keeps one, and every cross-entry check would otherwise reason about a configuration that
//! cannot exist.
//!
//! Severity: error: applying both keeps only the last one, so the first document's settings are silently lost.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//!   namespace: bookinfo
//! spec:
//!   hosts: [db.example.com]
//!   addresses: [203.0.113.7/32]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external         # same kind, namespace and name
//!   namespace: bookinfo
//! spec:
//!   hosts: [db.example.com]
//!   addresses: [203.0.113.8/32]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//! ```
//!
//! ## Use instead
//! ```yaml
//! metadata:
//!   name: mysql-external-replica # or merge both addresses into one entry
//!   namespace: bookinfo
//! ```

use std::collections::BTreeMap;

use crate::load::{Loaded, Origin};
use crate::model::Resource;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH405 duplicate-resource: two resources of one kind with the same namespace and name.
/// Applying both keeps only the last, so the first one's configuration silently disappears.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "Two resources with the same kind, namespace and name.",
};

/// Reports every ServiceEntry and Sidecar after the first with its key.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    duplicates(&cx.inputs.service_entries, out);
    duplicates(&cx.inputs.sidecars, out);
}

fn duplicates<T: Resource>(resources: &[Loaded<T>], out: &mut Findings) {
    let mut first: BTreeMap<String, &Origin> = BTreeMap::new();
    for loaded in resources {
        let key = loaded.resource.key();
        match first.get(&key) {
            Some(origin) => {
                out.at(
                    loaded,
                    "metadata.name",
                    format!(
                        "{} is also defined at {origin}; applying both keeps only the last one",
                        loaded.resource.describe()
                    ),
                )
                .help("rename one of them or remove the copy");
            }
            None => {
                first.insert(key, &loaded.origin);
            }
        }
    }
}
