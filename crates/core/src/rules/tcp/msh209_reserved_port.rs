//! MSH209 reserved-port: an entry port the sidecar itself listens on. The list is Istio's
//! published one (istio.io `docs/ops/deployment/application-requirements`, "Ports used by
//! Istio"); istiod skips some such listeners outright (istio/istio `pilot/pkg/model/context.go`,
//! `CanBindToPort`).

use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
