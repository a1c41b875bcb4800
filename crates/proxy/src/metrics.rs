//! The proxy's Prometheus registry (prometheus-client, served on the admin `/metrics`). Each
//! part of the proxy registers its own families when it is built and keeps private handles
//! (linkerd2-proxy's `linkerd/identity/src/metrics.rs`): `traffic` the connection families,
//! `reload` the reload outcomes and revocations, `drift` the DNS drift gauges, `report` the would-deny counter, `pool` the overflow counter and `status` the
//! configuration generation and whether it matches the disk. This module only holds the
//! registry they share and encodes it.

use std::sync::Arc;

use prometheus_client::registry::Registry;

use crate::drift::DriftMetrics;
use crate::pool::OverflowMetrics;
use crate::reload::{Recorder, ReloadMetrics};
use crate::report::WouldDenyMetrics;
use crate::status::ConfigStatus;
use crate::traffic::TrafficMetrics;

/// Every metric the proxy exports, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub(crate) traffic: TrafficMetrics,
    pub(crate) reloads: Arc<ReloadMetrics>,
    drift: DriftMetrics,
    pub(crate) would_deny: WouldDenyMetrics,
    pub(crate) overflow: OverflowMetrics,
    /// Whether the generation in force is what the files on disk hold (`meshctl_config_in_sync`).
    pub config: Arc<ConfigStatus>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        // Registration order is the order `/metrics` lists the families in.
        let traffic = TrafficMetrics::register(&mut registry);
        let reloads = Arc::new(ReloadMetrics::register(&mut registry));
        let drift = DriftMetrics::register(&mut registry);
        let config = Arc::new(ConfigStatus::register(&mut registry));
        let would_deny = WouldDenyMetrics::register(&mut registry);
        let overflow = OverflowMetrics::register(&mut registry);
        Self {
            registry,
            traffic,
            reloads,
            drift,
            would_deny,
            overflow,
            config,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The handles the reloader records into (it never sees the rest).
    #[must_use]
    pub fn reload_recorder(&self) -> Recorder {
        Recorder {
            reloads: Arc::clone(&self.reloads),
            config: Arc::clone(&self.config),
        }
    }

    /// The handle the DNS drift monitor records into.
    #[must_use]
    pub fn drift_recorder(&self) -> DriftMetrics {
        self.drift.clone()
    }

    /// Connections open now (`meshctl_proxy_active_connections`).
    #[must_use]
    pub fn active_connections(&self) -> i64 {
        self.traffic.active()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::{FLAG_NONE, TcpLabels};

    #[test]
    fn names_and_labels() {
        let m = Metrics::default();
        let (opened, _) =
            m.traffic
                .opened_closed(&TcpLabels::new("db.example.com", "default", FLAG_NONE));
        opened.inc();
        m.reloads.count("rejected");
        let text = m.encode();
        for want in [
            r#"istio_tcp_connections_opened_total{reporter="source",destination_service="db.example.com",destination_service_namespace="default",response_flags="-"} 1"#,
            r#"meshctl_config_reloads_total{result="rejected"} 1"#,
            "meshctl_proxy_active_connections 0",
            "meshctl_proxy_revoked_connections_total 0",
            "meshctl_config_in_sync 1",
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
    }
}
