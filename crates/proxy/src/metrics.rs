//! The proxy's Prometheus metrics (prometheus-client, served on the admin `/metrics`).
//!
//! The `istio_tcp_*` families keep Istio's standard names and labels so existing dashboards
//! work against meshctl (`reporter="source"`: the proxy sits on the client side, as a sidecar's
//! outbound listener does). Label values follow Istio's telemetry:
//!
//! - `destination_service`: the ServiceEntry host for an allowed connection; Istio's cluster
//!   name `PassthroughCluster` / `BlackHoleCluster` for unmatched ones; `unknown` for bypass.
//! - `destination_service_namespace`: the ServiceEntry's namespace, else `unknown`.
//! - `response_flags`: Envoy's flags with Envoy's meanings — `-` none; `UF` upstream connection
//!   failure (refused, timed out); `UH` no healthy upstream, which is what Envoy reports for
//!   `BlackHoleCluster` (a cluster without endpoints) and therefore for every policy denial and
//!   for clusters with no endpoints; `NR` no matching filter chain, used when the connection
//!   could not be decided at all (no original destination).
//!
//! Counter names are registered without `_total`; the OpenMetrics encoder appends it.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Envoy response flag: no flag.
pub(crate) const FLAG_NONE: &str = "-";
/// Envoy response flag `UF`: upstream connection failure.
pub(crate) const FLAG_UPSTREAM_FAILURE: &str = "UF";
/// Envoy response flag `UH`: no healthy upstream (BlackHoleCluster, empty clusters).
pub(crate) const FLAG_NO_HEALTHY_UPSTREAM: &str = "UH";
/// Envoy response flag `NR`: no route / no matching filter chain.
pub(crate) const FLAG_NO_ROUTE: &str = "NR";

/// Labels of the `istio_tcp_*` families.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TcpLabels {
    /// Always `source`.
    pub reporter: &'static str,
    /// ServiceEntry host, or Istio's cluster name for unmatched traffic.
    pub destination_service: String,
    /// ServiceEntry namespace or `unknown`.
    pub destination_service_namespace: String,
    /// Envoy response flags.
    pub response_flags: &'static str,
}

impl TcpLabels {
    /// Labels for one connection.
    #[must_use]
    pub fn new(service: &str, namespace: &str, flags: &'static str) -> Self {
        Self {
            reporter: "source",
            destination_service: service.to_owned(),
            destination_service_namespace: namespace.to_owned(),
            response_flags: flags,
        }
    }
}

/// Labels of `meshctl_proxy_decisions_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    /// `ALLOW`, `PASSTHROUGH`, `BYPASS`, `DENY`.
    pub verdict: &'static str,
    /// `namespace/name` of the ServiceEntry, empty when none matched.
    pub service_entry: String,
}

/// Labels of `meshctl_config_reloads_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// `success`; `rejected` (lint errors or unreadable input); `empty` (valid, but no
    /// ServiceEntry, Sidecar or mesh configuration: refused); `unchanged` (same files).
    pub result: &'static str,
}

/// Labels of `meshctl_dns_drift`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct DriftLabels {
    /// `namespace/name` of the ServiceEntry.
    pub service_entry: String,
    /// The source host resolved for it.
    pub host: String,
}

/// Every metric the proxy exports.
#[derive(Debug, Default)]
pub struct Metrics {
    /// `istio_tcp_connections_opened_total`.
    pub opened: Family<TcpLabels, Counter>,
    /// `istio_tcp_connections_closed_total`.
    pub closed: Family<TcpLabels, Counter>,
    /// `istio_tcp_sent_bytes_total`: client → upstream.
    pub sent_bytes: Family<TcpLabels, Counter>,
    /// `istio_tcp_received_bytes_total`: upstream → client.
    pub received_bytes: Family<TcpLabels, Counter>,
    /// `meshctl_proxy_decisions_total`.
    pub decisions: Family<DecisionLabels, Counter>,
    /// `meshctl_proxy_active_connections`.
    pub active: Gauge,
    /// `meshctl_proxy_upstream_connect_errors_total`.
    pub connect_errors: Counter,
    /// `meshctl_config_reloads_total`.
    pub reloads: Family<ReloadLabels, Counter>,
    /// `meshctl_proxy_revoked_connections_total`.
    pub revoked: Counter,
    /// `meshctl_dns_drift`: 1 while the host resolves outside the entry's pinned addresses.
    pub dns_drift: Family<DriftLabels, Gauge>,
    /// `meshctl_config_generation`: the generation in force (0: nothing loaded).
    pub generation: Gauge,
    /// Whether that generation is what the files on disk hold (`meshctl_config_in_sync`).
    pub config: crate::status::ConfigStatus,
}

impl Metrics {
    /// Counts one config reload outcome.
    pub fn reload(&self, result: &'static str) {
        self.reloads.get_or_create(&ReloadLabels { result }).inc();
    }

    /// The Prometheus text exposition of every metric.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut registry = Registry::default();
        let help = [
            (
                "istio_tcp_connections_opened",
                "TCP connections opened (Istio standard metric)",
            ),
            (
                "istio_tcp_connections_closed",
                "TCP connections closed (Istio standard metric)",
            ),
            (
                "istio_tcp_sent_bytes",
                "Bytes sent from the client to the upstream (Istio standard metric)",
            ),
            (
                "istio_tcp_received_bytes",
                "Bytes received from the upstream by the client (Istio standard metric)",
            ),
        ];
        let families = [
            &self.opened,
            &self.closed,
            &self.sent_bytes,
            &self.received_bytes,
        ];
        for ((name, text), family) in help.into_iter().zip(families) {
            registry.register(name, text, family.clone());
        }
        registry.register(
            "meshctl_proxy_decisions",
            "Engine decisions per verdict and ServiceEntry",
            self.decisions.clone(),
        );
        registry.register(
            "meshctl_proxy_active_connections",
            "Connections currently open",
            self.active.clone(),
        );
        registry.register(
            "meshctl_proxy_upstream_connect_errors",
            "Upstream connects that failed or timed out",
            self.connect_errors.clone(),
        );
        registry.register(
            "meshctl_config_reloads",
            "Configuration reloads per result",
            self.reloads.clone(),
        );
        registry.register(
            "meshctl_proxy_revoked_connections",
            "Established connections closed because a reload no longer allows them",
            self.revoked.clone(),
        );
        registry.register(
            "meshctl_dns_drift",
            "1 while the entry's source host resolves to an address outside its pinned addresses (--dns-drift-interval)",
            self.dns_drift.clone(),
        );
        registry.register(
            "meshctl_config_generation",
            "Configuration generation in force (0: nothing loaded yet)",
            self.generation.clone(),
        );
        let in_sync: Gauge = Gauge::default();
        in_sync.set(i64::from(self.config.view().in_sync));
        registry.register(
            "meshctl_config_in_sync",
            "1 when the configuration in force is what the files on disk hold, 0 after a refused reload",
            in_sync,
        );
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels() {
        let m = Metrics::default();
        m.opened
            .get_or_create(&TcpLabels::new("db.example.com", "default", FLAG_NONE))
            .inc();
        m.reload("rejected");
        let text = m.encode();
        for want in [
            r#"istio_tcp_connections_opened_total{reporter="source",destination_service="db.example.com",destination_service_namespace="default",response_flags="-"} 1"#,
            r#"meshctl_config_reloads_total{result="rejected"} 1"#,
            "meshctl_proxy_active_connections 0",
            "meshctl_proxy_revoked_connections_total 0",
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
    }
}
