//! The DNS drift monitor (`--dns-drift-interval`): the proxy sees a database move coming.
//!
//! Every interval it resolves the source host of each entry that pins addresses (the
//! `meshctl.dev/resolve` annotation, else the host of a STATIC/NONE entry with pinned host
//! routes: `meshctl_core::sync::find` with `--all-static` semantics) and sets
//! `meshctl_dns_drift{service_entry,host}` to 1 while DNS answers with an address outside the
//! pinned set, logging a warning that names it, so an alert fires before the first connection
//! to the new IP is denied. It only reports: enforcement stays exactly the engine's, so a
//! drifted address is still denied until the entry changes.
//!
//! Fail static here too: a failed lookup keeps the last value (a resolver outage is not a
//! move), and an empty answer is not drift (nothing outside the pinned set is answered).
//! The entry list is re-read whenever the policy's generation changes, from the same files.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use meshctl_core::dns::{Lookup, ResolverSettings};
use meshctl_core::sync::{self, Managed};
use meshctl_core::workspace::Workspace;

use crate::policy::{Policy, Source};
use meshctl_core::ip::comma_list;

/// Most lookups in flight at once.
const CONCURRENCY: usize = 32;

/// Labels of `meshctl_dns_drift`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub(crate) struct DriftLabels {
    /// `namespace/name` of the ServiceEntry.
    pub(crate) service_entry: String,
    /// The source host resolved for it.
    pub(crate) host: String,
}

/// `meshctl_dns_drift`, one gauge per entry and host. Clones share the family.
#[derive(Debug, Clone)]
pub struct DriftMetrics {
    dns_drift: Family<DriftLabels, Gauge>,
}

impl DriftMetrics {
    /// Registers the family in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self {
            dns_drift: Family::default(),
        };
        registry.register(
            "meshctl_dns_drift",
            "1 while the entry's source host resolves to an address outside its pinned addresses (--dns-drift-interval)",
            this.dns_drift.clone(),
        );
        this
    }

    fn set(&self, label: &DriftLabels, drifted: bool) {
        self.dns_drift.get_or_create(label).set(i64::from(drifted));
    }

    fn remove(&self, label: &DriftLabels) {
        self.dns_drift.remove(label);
    }
}

/// Answered addresses the entry does not admit, sorted.
#[must_use]
pub fn drifted(entry: &Managed, lookup: &Lookup) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = lookup
        .addresses
        .iter()
        .map(|a| a.ip)
        .filter(|ip| !entry.pinned.iter().any(|p| p.covers(*ip)))
        .collect();
    out.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    out.dedup();
    out
}

fn labels(entry: &Managed) -> DriftLabels {
    DriftLabels {
        service_entry: entry.key.clone(),
        host: entry.host.clone(),
    }
}

/// The entries to watch, from the files the policy is built from; `None` when they cannot be
/// read (the previous list stays).
async fn targets(source: &Source) -> Option<Vec<Managed>> {
    let source = source.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        // The same pipeline as the policy: only entries Istio admitted are pinned anywhere.
        let workspace = Workspace::load(&source.sources)?;
        Ok::<_, anyhow::Error>(sync::find(workspace.admitted(), true)?)
    })
    .await;
    match loaded {
        Ok(Ok(found)) => Some(found),
        Ok(Err(e)) => {
            tracing::warn!("dns drift: cannot read the entries ({e:#}); keeping the previous list");
            None
        }
        Err(e) => {
            tracing::warn!("dns drift: loading the entries failed: {e}");
            None
        }
    }
}

/// Resolves and reports every `interval` until `shutdown` resolves.
pub async fn run(
    source: Source,
    mut policy: watch::Receiver<Arc<Policy>>,
    settings: ResolverSettings,
    interval: Duration,
    metrics: DriftMetrics,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut entries: Vec<Managed> = Vec::new();
    let mut generation = None;
    // What each (entry, host) was last reported with, to log changes once, not every tick.
    let mut reported: BTreeMap<DriftLabels, Vec<IpAddr>> = BTreeMap::new();
    loop {
        let current = policy.borrow_and_update().generation;
        if generation != Some(current) {
            generation = Some(current);
            if let Some(found) = targets(&source).await {
                let keep: BTreeSet<DriftLabels> = found.iter().map(labels).collect();
                for gone in reported.keys().filter(|l| !keep.contains(*l)) {
                    metrics.remove(gone);
                }
                reported.retain(|l, _| keep.contains(l));
                entries = found;
            }
        }
        let hosts = entries.iter().map(|e| e.host.clone());
        let answers = sync::resolve::resolve_all(hosts, &settings, CONCURRENCY).await;
        for entry in &entries {
            let label = labels(entry);
            match answers.get(&entry.host) {
                Some(Ok(lookup)) => {
                    let new = drifted(entry, lookup);
                    metrics.set(&label, !new.is_empty());
                    if reported.get(&label) != Some(&new) {
                        if new.is_empty() {
                            tracing::info!(
                                "dns drift: {} resolves within the pinned addresses of ServiceEntry {} again",
                                entry.host,
                                entry.key
                            );
                        } else {
                            tracing::warn!(
                                "dns drift: {} now resolves to {} outside the addresses pinned by ServiceEntry {} ({}): connections to it are denied until the entry is updated (meshctl sync)",
                                entry.host,
                                comma_list(&new),
                                entry.key,
                                entry.path
                            );
                        }
                        reported.insert(label, new);
                    }
                }
                Some(Err(e)) if !e.is_negative_answer() => {
                    tracing::warn!(
                        "dns drift: could not verify {}: {e}; keeping the last value",
                        entry.host
                    );
                }
                _ => {
                    metrics.set(&label, false);
                }
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshctl_core::load::{LoadOptions, load_bytes};

    #[test]
    fn only_answers_outside_the_pinned_set_are_drift() {
        let yaml = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7/32, 198.51.100.0/24]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n";
        let inputs = load_bytes("db.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("load");
        let entries = sync::find(&inputs, true).expect("managed");
        let answer = |ips: &[&str]| {
            meshctl_core::dns::Lookup::builder("db.example.com")
                .addresses(ips, 60)
                .build()
        };
        assert!(drifted(&entries[0], &answer(&["203.0.113.7", "198.51.100.9"])).is_empty());
        assert_eq!(
            drifted(
                &entries[0],
                &answer(&["2001:db8::8", "203.0.113.8", "203.0.113.7"])
            ),
            [
                "203.0.113.8".parse::<IpAddr>().expect("ip"),
                "2001:db8::8".parse().expect("ip")
            ]
        );
        assert_eq!(labels(&entries[0]).service_entry, "default/db");
    }
}
