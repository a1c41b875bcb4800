//! # MSH220 gateway-hop-without-istio-mutual
//!
//! ## What it does
//! Flags a route that sends sidecars to an egress gateway port whose Gateway server is
//! `ISTIO_MUTUAL` while the DestinationRule the sidecar picks for the gateway host does not set
//! `tls.mode: ISTIO_MUTUAL` for that port (or there is none).
//!
//! ## Why it matters
//! An `ISTIO_MUTUAL` server terminates the mesh's mTLS and asks for the client's mesh certificate.
//! A sidecar sends that only when a DestinationRule says so: automatic mTLS does not apply to a
//! gateway, whose pods carry no `security.istio.io/tlsMode` label, so the sidecar speaks plaintext
//! and the handshake fails (the `UF,URX` and "handshake failure" reports of istio/istio#55295 and
//! #55966). The DestinationRule is also where the SNI the server's hosts match is set.
//!
//! Severity: error: every connection through the gateway fails its handshake.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: egressgateway-for-db, namespace: istio-system}
//! spec:
//!   host: istio-egressgateway.istio-system.svc.cluster.local
//!   subsets:
//!     - name: db
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   host: istio-egressgateway.istio-system.svc.cluster.local
//!   subsets:
//!     - name: db
//!       trafficPolicy:
//!         portLevelSettings:
//!           - port: {number: 7777}
//!             tls: {mode: ISTIO_MUTUAL, sni: db.example.com}
//! ```

use crate::engine::Transport;
use crate::engine::gateway::{GatewayProxy, ServerMode, sidecar_transport};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

use super::gateway_routes::{resources, to_gateways};

/// MSH220 gateway-hop-without-istio-mutual: the DestinationRule is the one istiod picks for
/// the route's namespace (istio/istio `pilot/pkg/model/push_context.go` `destinationRule`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "Sidecars reach an ISTIO_MUTUAL gateway server without a DestinationRule setting ISTIO_MUTUAL.",
};

/// Reports each route destination whose transport cannot complete the server's handshake.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let config = resources(cx);
    for route in to_gateways(cx).into_iter().filter(|r| r.for_sidecars) {
        let proxy = GatewayProxy::compile(&config, &route.gateway.namespace, &route.gateway.labels);
        let Some(listener) = proxy
            .listeners
            .iter()
            .find(|l| l.port == route.gateway.port)
        else {
            continue;
        };
        if !listener
            .chains
            .iter()
            .any(|c| c.server.mode == ServerMode::IstioMutual)
        {
            continue;
        }
        let host = super::gateway_routes::qualify(
            &route.destination.destination.host,
            route.vs.resource.metadata.namespace(),
        );
        let transport = sidecar_transport(
            &config,
            route.vs.resource.metadata.namespace(),
            &host,
            &route.gateway.namespace,
            route.port,
            route.destination.destination.subset.as_deref(),
        );
        if matches!(transport, Transport::IstioMutual { .. }) {
            continue;
        }
        out.at(
            route.vs,
            &route.path,
            format!(
                "gateway {} terminates ISTIO_MUTUAL on port {}, but the sidecar's transport to {host} port {} is {}: the handshake fails",
                route.gateway.name,
                route.gateway.port,
                route.port,
                transport.describe()
            ),
        )
        .help("add a DestinationRule for the gateway host with `tls: {mode: ISTIO_MUTUAL, sni: <server host>}` for this port (or the route's subset)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::lint;

    fn case(dr: bool) -> String {
        let dr = if dr {
            "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: gw, namespace: istio-system}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  trafficPolicy:
    portLevelSettings:
      - port: {number: 7777}
        tls: {mode: ISTIO_MUTUAL, sni: db.example.com}
"
        } else {
            ""
        };
        format!(
            "apiVersion: v1
kind: Service
metadata: {{name: istio-egressgateway, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  ports: [{{name: tls, port: 7777}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: egress, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  servers:
    - port: {{number: 7777, name: tls, protocol: TLS}}
      hosts: [db.example.com]
      tls: {{mode: ISTIO_MUTUAL}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: istio-system}}
spec:
  hosts: [db.example.com]
  gateways: [mesh, egress]
  tcp:
    - match: [{{gateways: [mesh], port: 3306}}]
      route: [{{destination: {{host: istio-egressgateway.istio-system.svc.cluster.local, port: {{number: 7777}}}}}}]
    - match: [{{gateways: [egress], port: 7777}}]
      route: [{{destination: {{host: db.example.com, port: {{number: 3306}}}}}}]
{dr}"
        )
    }

    #[test]
    fn istio_mutual_towards_the_gateway_is_clean() {
        assert!(lint(check, RULE.severity, &case(true)).is_empty());
    }

    #[test]
    fn a_missing_destination_rule_is_reported() {
        let found = lint(check, RULE.severity, &case(false));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("handshake fails"),
            "{}",
            found[0].message
        );
    }
}
