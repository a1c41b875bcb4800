//! Looking up many hosts at once with a bound on concurrency: a thousand entries must not
//! open a thousand sockets at the same moment, nor wait for each other one by one.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::dns::{self, DnsError, Lookup, ResolverSettings};

/// Looks up every host in `hosts`, at most `concurrency` at a time; the result has one entry
/// per distinct host.
pub async fn resolve_all(
    hosts: impl IntoIterator<Item = String>,
    settings: &ResolverSettings,
    concurrency: usize,
) -> BTreeMap<String, Result<Lookup, DnsError>> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let settings = Arc::new(settings.clone());
    let mut tasks = JoinSet::new();
    let mut seen = std::collections::BTreeSet::new();
    for host in hosts {
        if !seen.insert(host.clone()) {
            continue;
        }
        let permits = permits.clone();
        let settings = settings.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await;
            let result = dns::lookup(&host, &settings).await;
            (host, result)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((host, result)) = joined {
            out.insert(host, result);
        }
    }
    // A task that panicked has no answer: report it as a failure, never as "gone".
    for host in seen {
        out.entry(host.clone()).or_insert_with(|| {
            Err(DnsError::Server {
                name: host,
                server: "meshctl".into(),
                reason: "lookup task failed".into(),
            })
        });
    }
    out
}
