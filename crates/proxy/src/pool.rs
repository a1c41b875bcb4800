//! The DestinationRule's `connectionPool.tcp` on the proxy, enforced per destination cluster as
//! the sidecar's Envoy enforces it: `maxConnections` is the cluster's circuit breaker (one
//! connection over the limit is closed at once, never queued, and counted as overflow, Envoy's
//! `upstream_cx_overflow` and response flag `UO`), `connectTimeout` replaces the dial timeout,
//! `idleTimeout` the copy's idle timeout, and `tcpKeepalive` is set on the upstream socket
//! (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go `applyConnectionPool`;
//! envoyproxy/envoy source/common/upstream/resource_manager_impl.h). So one noisy client
//! cannot exhaust a database's connection slots through the proxy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use meshctl_core::engine::Keepalive;

/// Envoy's response flag for a connection the circuit breaker refused.
pub(crate) const FLAG_UPSTREAM_OVERFLOW: &str = "UO";

/// Open upstream connections per cluster, for the clusters that have a limit.
#[derive(Debug, Default)]
pub(crate) struct Pools {
    open: Mutex<HashMap<Arc<str>, Arc<AtomicU32>>>,
}

/// One slot of a cluster's pool, given back when the connection ends.
#[derive(Debug)]
pub(crate) struct Slot(Arc<AtomicU32>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pools {
    /// A slot of `cluster`'s pool of at most `max` connections; `None` when it is full.
    pub(crate) fn acquire(&self, cluster: &Arc<str>, max: u32) -> Option<Slot> {
        let counter = {
            let mut open = self
                .open
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            open.entry(cluster.clone()).or_default().clone()
        };
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(counter))
    }
}

/// Labels of `meshctl_proxy_upstream_overflow_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct OverflowLabels {
    /// The cluster whose limit was reached.
    pub(crate) cluster: String,
}

/// The overflow counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct OverflowMetrics {
    family: Family<OverflowLabels, Counter>,
}

impl OverflowMetrics {
    /// Registers the family in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self::default();
        registry.register(
            "meshctl_proxy_upstream_overflow",
            "Connections closed at once because their cluster's DestinationRule connectionPool.tcp.maxConnections was reached",
            this.family.clone(),
        );
        this
    }

    /// Counts one refused connection to `cluster`.
    pub(crate) fn count(&self, cluster: &str) {
        self.family
            .get_or_create(&OverflowLabels {
                cluster: cluster.to_owned(),
            })
            .inc();
    }
}

/// Sets `keepalive` on the upstream socket; unset fields keep the system's values.
pub(crate) fn set_keepalive(stream: &tokio::net::TcpStream, keepalive: &Keepalive) {
    let socket = socket2::SockRef::from(stream);
    let mut params = socket2::TcpKeepalive::new();
    if let Some(time) = keepalive.time {
        params = params.with_time(time);
    }
    if let Some(interval) = keepalive.interval {
        params = params.with_interval(interval);
    }
    if let Some(probes) = keepalive.probes {
        params = params.with_retries(probes);
    }
    if let Err(e) = socket.set_tcp_keepalive(&params) {
        tracing::warn!(target: "meshctl::conn", "cannot set upstream keepalive: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pool_refuses_until_a_slot_is_given_back() {
        let pools = Pools::default();
        let cluster: Arc<str> = Arc::from("outbound|3306||db.example.com");
        let first = pools.acquire(&cluster, 2).expect("slot 1");
        let _second = pools.acquire(&cluster, 2).expect("slot 2");
        assert!(pools.acquire(&cluster, 2).is_none(), "the third overflows");
        drop(first);
        assert!(
            pools.acquire(&cluster, 2).is_some(),
            "a freed slot is reused"
        );
        let other: Arc<str> = Arc::from("outbound|5432||pg.example.com");
        assert!(pools.acquire(&other, 1).is_some(), "pools are per cluster");
    }
}
