//! # MSH218 gateway-route-one-sided
//!
//! ## What it does
//! Flags a VirtualService route that sends to an egress gateway's Service when only one of the two
//! hops is written: the route is not bound to the `mesh` gateway (so no sidecar ever uses it), or
//! sidecars use it but the gateway has no route onward on that port (no VirtualService bound to a
//! Gateway of the gateway workload routes what arrives there).
//!
//! ## Why it matters
//! Egress through a gateway takes two routes: `gateways: [mesh]` sends the sidecar's connection to
//! the gateway, and a match on the Gateway's name sends it from the gateway to the destination.
//! Without the first, connections go straight out (or are blocked by `REGISTRY_ONLY`) and the
//! gateway is never on the path; without the second, the gateway builds no filter chain for its
//! server and refuses the connection (istio/istio `pilot/pkg/networking/core/gateway.go`,
//! `createGatewayTCPFilterChainOpts` skips a server no route matches).
//!
//! Severity: error: the egress path does not exist as written.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: db-through-egress, namespace: istio-system}
//! spec:
//!   hosts: [ratings-db.tcp.svc]
//!   gateways: [mesh]
//!   tcp:
//!     - match: [{gateways: [mesh], port: 3306}]
//!       route:
//!         - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 7777}}
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                      # bound to both, with the gateway's route onward
//!   hosts: [ratings-db.tcp.svc]
//!   gateways: [mesh, istio-egressgateway]
//!   tcp:
//!     - match: [{gateways: [mesh], port: 3306}]
//!       route:
//!         - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 7777}}
//!     - match: [{gateways: [istio-egressgateway], port: 7777}]
//!       route:
//!         - destination: {host: ratings-db.tcp.svc, port: {number: 3306}}
//! ```

use crate::engine::gateway::GatewayProxy;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

use super::gateway_routes::{resources, to_gateways};

/// MSH218 gateway-route-one-sided: a route to an egress gateway that sidecars never use, or
/// that the gateway cannot forward (its listeners come from the engine's gateway model, which
/// follows istio/istio `pilot/pkg/model/gateway.go` `mergeGateways`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A route to an egress gateway without its other hop: sidecars never take it, or the gateway cannot forward it.",
};

/// Reports each such route destination.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let config = resources(cx);
    for route in to_gateways(cx) {
        if !route.for_sidecars {
            out.at(
                route.vs,
                "spec.gateways",
                format!(
                    "{} sends to gateway {} but the VirtualService is not bound to `mesh`: no sidecar uses the route, so connections never reach the gateway",
                    route.path, route.gateway.name
                ),
            )
            .help("add `mesh` to spec.gateways and match the sidecar's hop with `gateways: [mesh]`");
            continue;
        }
        let proxy = GatewayProxy::compile(&config, &route.gateway.namespace, &route.gateway.labels);
        if !proxy.listeners.iter().any(|l| l.port == route.gateway.port) {
            out.at(
                route.vs,
                &route.path,
                format!(
                    "sidecars send to gateway {} on port {} (pod port {}), but no VirtualService bound to a Gateway of that workload routes that port onward: the gateway refuses the connection",
                    route.gateway.name, route.port, route.gateway.port
                ),
            )
            .help("add a route matching the Gateway (`gateways: [<gateway>]`, `port: <server port>`) that sends to the destination");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::lint;

    const GATEWAY: &str = "apiVersion: v1
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  ports: [{name: tls, port: 7777, targetPort: 7777}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
    - port: {number: 7777, name: tcp, protocol: TCP}
      hosts: [db.example.com]
";

    fn vs(gateways: &str, onward: bool) -> String {
        let onward = if onward {
            "    - match: [{gateways: [istio-egressgateway], port: 7777}]
      route: [{destination: {host: db.example.com, port: {number: 3306}}}]
"
        } else {
            ""
        };
        format!(
            "{GATEWAY}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: istio-system}}
spec:
  hosts: [db.example.com]
  gateways: {gateways}
  tcp:
    - match: [{{gateways: [mesh], port: 3306}}]
      route: [{{destination: {{host: istio-egressgateway.istio-system.svc.cluster.local, port: {{number: 7777}}}}}}]
{onward}"
        )
    }

    #[test]
    fn both_hops_written_is_clean() {
        assert!(
            lint(
                check,
                RULE.severity,
                &vs("[mesh, istio-egressgateway]", true)
            )
            .is_empty()
        );
    }

    #[test]
    fn a_route_sidecars_never_use_is_reported() {
        let found = lint(check, RULE.severity, &vs("[istio-egressgateway]", true));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("not bound to `mesh`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_gateway_without_a_route_onward_is_reported() {
        let found = lint(
            check,
            RULE.severity,
            &vs("[mesh, istio-egressgateway]", false),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("refuses the connection"),
            "{}",
            found[0].message
        );
    }
}
