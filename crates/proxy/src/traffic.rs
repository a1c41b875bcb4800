//! The connection metrics, registered once here and counted by `conn` and `route` through
//! private handles: the Istio `istio_tcp_*` families, decisions, open connections and
//! failed dials.
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
pub(crate) struct TcpLabels {
    /// Always `source`.
    pub(crate) reporter: &'static str,
    /// ServiceEntry host, or Istio's cluster name for unmatched traffic.
    pub(crate) destination_service: String,
    /// ServiceEntry namespace or `unknown`.
    pub(crate) destination_service_namespace: String,
    /// Envoy response flags.
    pub(crate) response_flags: &'static str,
}

impl TcpLabels {
    /// Labels for one connection.
    #[must_use]
    pub(crate) fn new(service: &str, namespace: &str, flags: &'static str) -> Self {
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
pub(crate) struct DecisionLabels {
    /// `ALLOW`, `PASSTHROUGH`, `BYPASS`, `DENY`.
    pub(crate) verdict: &'static str,
    /// `namespace/name` of the ServiceEntry, empty when none matched.
    pub(crate) service_entry: String,
}

/// The connection families; the handles stay private, callers count through the methods.
#[derive(Debug)]
pub(crate) struct TrafficMetrics {
    opened: Family<TcpLabels, Counter>,
    closed: Family<TcpLabels, Counter>,
    sent_bytes: Family<TcpLabels, Counter>,
    received_bytes: Family<TcpLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    active: Gauge,
    connect_errors: Counter,
}

impl TrafficMetrics {
    /// Registers the families in `registry`, in the order `/metrics` lists them.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self {
            opened: Family::default(),
            closed: Family::default(),
            sent_bytes: Family::default(),
            received_bytes: Family::default(),
            decisions: Family::default(),
            active: Gauge::default(),
            connect_errors: Counter::default(),
        };
        registry.register(
            "istio_tcp_connections_opened",
            "TCP connections opened (Istio standard metric)",
            this.opened.clone(),
        );
        registry.register(
            "istio_tcp_connections_closed",
            "TCP connections closed (Istio standard metric)",
            this.closed.clone(),
        );
        registry.register(
            "istio_tcp_sent_bytes",
            "Bytes sent from the client to the upstream (Istio standard metric)",
            this.sent_bytes.clone(),
        );
        registry.register(
            "istio_tcp_received_bytes",
            "Bytes received from the upstream by the client (Istio standard metric)",
            this.received_bytes.clone(),
        );
        registry.register(
            "meshctl_proxy_decisions",
            "Engine decisions per verdict and ServiceEntry",
            this.decisions.clone(),
        );
        registry.register(
            "meshctl_proxy_active_connections",
            "Connections currently open",
            this.active.clone(),
        );
        registry.register(
            "meshctl_proxy_upstream_connect_errors",
            "Upstream connects that failed or timed out",
            this.connect_errors.clone(),
        );
        this
    }

    /// The `meshctl_proxy_decisions_total` counter of these labels.
    pub(crate) fn decisions(&self, labels: &DecisionLabels) -> Counter {
        self.decisions.get_or_create(labels).clone()
    }

    /// The opened and closed counters of these labels.
    pub(crate) fn opened_closed(&self, labels: &TcpLabels) -> (Counter, Counter) {
        (
            self.opened.get_or_create(labels).clone(),
            self.closed.get_or_create(labels).clone(),
        )
    }

    /// The sent and received byte counters of these labels.
    pub(crate) fn bytes(&self, labels: &TcpLabels) -> (Counter, Counter) {
        (
            self.sent_bytes.get_or_create(labels).clone(),
            self.received_bytes.get_or_create(labels).clone(),
        )
    }

    /// A connection was accepted.
    pub(crate) fn connection_opened(&self) {
        self.active.inc();
    }

    /// An accepted connection ended (or its task was aborted).
    pub(crate) fn connection_closed(&self) {
        self.active.dec();
    }

    /// Connections open now.
    pub(crate) fn active(&self) -> i64 {
        self.active.get()
    }

    /// An upstream dial failed or timed out.
    pub(crate) fn connect_error(&self) {
        self.connect_errors.inc();
    }
}
