//! # MSH404 conflicting-protocol
//!
//! ## What it does
//! Warns when two or more entries declare the same host and port number with different protocols
//! (compared case-insensitively) and at least one namespace can see both. It mirrors Istio's analyzer
//! message IST0177.
//!
//! ## Why it matters
//! Every entry for a host and port feeds the same cluster, `outbound|3306||db.example.com`, and a
//! cluster has a single protocol. One of the declarations is therefore not the one in effect, and which
//! one wins depends on Istio's processing order, not on anything in the files. The protocol decides the
//! listener type and filters (MONGO, for one, inserts a Mongo wire-protocol filter), so how a client's
//! connection is handled depends on which declaration Istio happened to take.
//!
//! Severity: warning: one declaration wins and the other is ignored, which breaks traffic rather than opening it.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-primary
//! spec:
//!   hosts: [db.example.com]
//!   addresses: [203.0.113.7/32]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-replica
//! spec:
//!   hosts: [db.example.com]
//!   addresses: [203.0.113.8/32]
//!   ports: [{name: mysql, number: 3306, protocol: MYSQL}]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   # mysql-replica: the same protocol as every other entry for db.example.com:3306
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//! ```

use std::collections::BTreeMap;

use super::seen::Seen;
use crate::engine::{EntryId, Protocol, Registry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH404 conflicting-protocol: the same host and port declared with different protocols by
/// entries a workload sees together (Istio's analyzer reports it as IST0177).
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Views(check),
    summary: "The same host and port declared with different protocols.",
};

/// Reports each later declaration that disagrees with the first one.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        conflicting(views, registry, &mut seen, out);
    }
}

fn conflicting(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    let mut first: BTreeMap<(String, u16), (Protocol, EntryId)> = BTreeMap::new();
    for record in registry.records().iter().filter(|r| r.is_active()) {
        let key = (record.host.to_ascii_lowercase(), record.port);
        match first.get(&key) {
            Some((protocol, entry)) if *protocol != record.protocol && *entry != record.entry => {
                let Some(se) = views.loaded(registry.entry(record.entry)) else {
                    continue;
                };
                if !seen.first(
                    se,
                    format!("{}:{}|{}", record.host, record.port, registry.entry(*entry)),
                ) {
                    continue;
                }
                let index = se.resource.spec.port_index(record.port);
                out.at(
                    se,
                    &format!("spec.ports[{index}].protocol"),
                    format!(
                        "{}:{} is {} here but {protocol} in {}",
                        record.host,
                        record.port,
                        record.protocol,
                        registry.entry(*entry)
                    ),
                )
                .help("declare the port with the same protocol everywhere");
            }
            Some(_) => {}
            None => {
                first.insert(key, (record.protocol, record.entry));
            }
        }
    }
}
