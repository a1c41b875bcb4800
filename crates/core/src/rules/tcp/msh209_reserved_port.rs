//! # MSH209 reserved-port
//!
//! ## What it does
//! Warns on a port number between 15000 and 15090, the range the Istio sidecar keeps for itself (admin
//! 15000, outbound capture 15001, inbound capture 15006, tunnel 15008, agent 15020, health 15021, DNS
//! proxy 15053, Prometheus 15090).
//!
//! ## Why it matters
//! These ports are special cases inside the sidecar. Istio skips some listeners on them with only a log
//! line in istiod (HTTP ports on 15001, 15006, 15021 and 15090), and the outbound capture listener
//! drops connections aimed at its own port to prevent loops. The entry can apply cleanly and still
//! never carry traffic. If an external service really listens there, the usual answer is to keep that
//! port out of the sidecar.
//!
//! On 15001, 15006, 15021 and 15090 an entry whose port gets the wildcard listener (no addresses,
//! or a CIDR block) does more than nothing: it collides with the sidecar's own listener and the
//! sidecar never becomes ready. MSH216 reports that as an error on top of this warning.
//!
//! Severity: warning: the sidecar's own ports take precedence, so the entry does not do what it says, but it opens nothing.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: lb-health
//! spec:
//!   hosts:
//!   - lb.example.com
//!   addresses:
//!   - 198.51.100.5/32
//!   ports:
//!   - name: tcp
//!     number: 15021
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//! metadata:                  # pod template of the client
//!   annotations:
//!     traffic.sidecar.istio.io/excludeOutboundPorts: "15021"
//! ```
//! Bypassed connections are not governed by any ServiceEntry or outbound policy.

use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH209 reserved-port: an entry port the sidecar itself listens on. The list is Istio's
/// published one (istio.io `docs/ops/deployment/application-requirements`, "Ports used by
/// Istio"); istiod skips some such listeners outright (istio/istio `pilot/pkg/model/context.go`,
/// `CanBindToPort`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A port the sidecar itself uses (15000-15090).",
};

/// Ports the sidecar (Envoy and the agent) listens on.
const RESERVED_PORTS: [u32; 9] = [
    15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090,
];

/// Reports every port number the sidecar reserves.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, port) in se.resource.spec.ports.iter().enumerate() {
            if RESERVED_PORTS.contains(&port.number) {
                out.at(
                    se,
                    &format!("spec.ports[{i}].number"),
                    format!("port {} is used by the sidecar itself", port.number),
                )
                .help("Istio reserves 15000-15090 for the proxy; use the service's real port");
            }
        }
    }
}
