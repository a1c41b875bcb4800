//! Report mode (`--policy-mode report`): the policy is decided exactly as in enforce mode, but a
//! connection it denies for want of a match (`REGISTRY_ONLY`'s `BlackHoleCluster`) is let
//! through to where it was going, as Istio's `PassthroughCluster` would under `ALLOW_ANY`, and
//! counted and recorded as `would_deny`. A team turning on `REGISTRY_ONLY` runs this first and
//! feeds the records to `meshctl gen serviceentry --from-log`.
//!
//! What is never let through, in either mode: the loop guard (destination port 15001/15006 —
//! a connection back into the proxy loops forever, whatever the policy says) and undecidable
//! connections (no original destination, an oversized ClientHello, a forward target without
//! addresses): there is no destination to pass through to, or passing it is itself the harm.
//!
//! This module owns the mode and the `meshctl_proxy_would_deny_total` family; `route` decides
//! which denials are reportable and `conn` dials them.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use meshctl_core::engine::{Decision, DenyReason, Unmatched};

/// Whether the proxy enforces denials or only reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PolicyMode {
    /// Denied connections are closed (the sidecar's behaviour).
    #[default]
    Enforce,
    /// Denied connections are let through to their destination and recorded as `would_deny`.
    Report,
}

impl PolicyMode {
    /// `enforce` or `report`, as the flag and the records spell it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Enforce => "enforce",
            PolicyMode::Report => "report",
        }
    }
}

/// Why a denial was only reported: the `reason` label of `meshctl_proxy_would_deny_total`.
///
/// A small fixed set, so the family's series are bounded by reasons × ports; destination IPs
/// are in the records, never in labels (a scan of a /16 would otherwise mint 65,536 series).
pub(crate) fn reportable(decision: &Decision<'_>) -> Option<&'static str> {
    match decision {
        Decision::Deny {
            reason: DenyReason::RegistryOnly { unmatched, .. },
            ..
        } => Some(match unmatched {
            Unmatched::NoListener => "no-listener",
            Unmatched::NoChain => "no-chain",
            Unmatched::HttpPort => "http-port",
        }),
        // The loop guard and undecidable connections fail closed in report mode too.
        _ => None,
    }
}

/// The `destination_service` a let-through connection is counted under in the `istio_tcp_*`
/// families: Istio's cluster for unmatched traffic that leaves (`PassthroughCluster`).
pub(crate) const PASSTHROUGH_CLUSTER: &str = "PassthroughCluster";

/// The `reason` of a connection the policy allowed when it opened and a reload would revoke.
pub(crate) const REVOKED: &str = "revoked";

/// Labels of `meshctl_proxy_would_deny_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct WouldDenyLabels {
    /// `no-listener`, `no-chain`, `http-port` or `revoked`.
    pub(crate) reason: &'static str,
    /// The destination port (at most 65,535 values; usually a handful).
    pub(crate) port: u16,
}

/// The report-mode counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct WouldDenyMetrics {
    family: Family<WouldDenyLabels, Counter>,
}

impl WouldDenyMetrics {
    /// Registers the family in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self::default();
        registry.register(
            "meshctl_proxy_would_deny",
            "Connections the policy denies that report mode let through (or kept open across a reload)",
            this.family.clone(),
        );
        this
    }

    /// Counts one connection let through.
    pub(crate) fn count(&self, reason: &'static str, port: u16) {
        self.family
            .get_or_create(&WouldDenyLabels { reason, port })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshctl_core::engine::{BLACKHOLE_CHAIN, VIRTUAL_OUTBOUND};

    #[test]
    fn only_unmatched_denials_are_reportable() {
        let deny = |reason| Decision::Deny {
            listener: VIRTUAL_OUTBOUND,
            chain: BLACKHOLE_CHAIN,
            reason,
        };
        assert_eq!(
            reportable(&deny(DenyReason::RegistryOnly {
                unmatched: Unmatched::NoListener,
                policy_source: "meshctl default",
            })),
            Some("no-listener")
        );
        assert_eq!(
            reportable(&deny(DenyReason::LoopGuard { port: 15001 })),
            None
        );
        assert_eq!(
            reportable(&deny(DenyReason::Undecidable {
                what: "no original destination"
            })),
            None
        );
    }

    #[test]
    fn the_family_is_labelled_by_reason_and_port() {
        let mut registry = Registry::default();
        let m = WouldDenyMetrics::register(&mut registry);
        m.count("no-listener", 3306);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
        assert!(
            text.contains(r#"meshctl_proxy_would_deny_total{reason="no-listener",port="3306"} 1"#),
            "{text}"
        );
    }
}
