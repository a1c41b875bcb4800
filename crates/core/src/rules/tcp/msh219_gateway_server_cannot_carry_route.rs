//! # MSH219 gateway-server-cannot-carry-route
//!
//! ## What it does
//! Flags a VirtualService bound to a Gateway whose server for the VirtualService's hosts cannot
//! carry the kind of route it writes: `tcp` routes on an HTTP or terminated-HTTPS server, `tcp`
//! routes (and no `tls` route) on a `PASSTHROUGH` server, or `tls` routes (and no `tcp` route) on a
//! plain TCP or TLS-terminating server.
//!
//! ## Why it matters
//! A gateway builds each server's filter chains from one kind of route only (istio/istio
//! `pilot/pkg/networking/core/gateway.go`): HTTP servers from `http` routes, `PASSTHROUGH` servers
//! from `tls` routes matched by SNI (`buildGatewayNetworkFiltersFromTLSRoutes`), plain TCP and
//! terminating servers from `tcp` routes (`buildGatewayNetworkFiltersFromTCPRoutes`). The other
//! kinds are ignored without a warning, so the server has no chain for the traffic and the gateway
//! refuses it.
//!
//! Severity: error: the route never applies on that server.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: egress, namespace: istio-system}
//! spec:
//!   selector: {istio: egressgateway}
//!   servers:
//!     - port: {number: 443, name: tls, protocol: TLS}
//!       hosts: [api.example.com]
//!       tls: {mode: PASSTHROUGH}
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: api, namespace: istio-system}
//! spec:
//!   hosts: [api.example.com]
//!   gateways: [egress]
//!   tcp:
//!     - route: [{destination: {host: api.example.com, port: {number: 443}}}]
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                      # a PASSTHROUGH server routes by SNI
//!   hosts: [api.example.com]
//!   gateways: [egress]
//!   tls:
//!     - match: [{gateways: [egress], port: 443, sniHosts: [api.example.com]}]
//!       route: [{destination: {host: api.example.com, port: {number: 443}}}]
//! ```

use crate::engine::Protocol;
use crate::engine::gateway::qualified_gateway;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH219 gateway-server-cannot-carry-route: the server modes and the route kinds each takes
/// follow istio/istio `pkg/config/gateway/gateway.go` (`IsTLSServer`, `IsPassThroughServer`,
/// `IsHTTPServer`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A Gateway server that cannot carry the routes bound to it (tcp on HTTP or PASSTHROUGH, tls on TCP).",
};

/// What a server builds its chains from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    Http,
    Tls,
    Tcp,
}

/// Reports each (VirtualService, server) pair whose route kinds the server ignores.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in &cx.inputs.virtual_services {
        let vs_ns = vs.resource.metadata.namespace();
        let spec = &vs.resource.spec;
        let (has_tcp, has_tls, has_http) = (
            !spec.tcp.is_empty(),
            !spec.tls.is_empty(),
            spec.http
                .as_ref()
                .is_some_and(|h| h.as_array().is_none_or(|a| !a.is_empty())),
        );
        for gw in &cx.inputs.gateways {
            let name = format!(
                "{}/{}",
                gw.resource.metadata.namespace(),
                gw.resource.metadata.name
            );
            if !spec
                .gateways
                .iter()
                .any(|g| qualified_gateway(g, vs_ns) == name)
            {
                continue;
            }
            for (i, server) in gw.resource.spec.servers.iter().enumerate() {
                let hosts_match = server.hosts.iter().any(|h| {
                    let h = h.rsplit('/').next().unwrap_or(h);
                    spec.hosts
                        .iter()
                        .any(|v| crate::engine::hosts_overlap(h, v))
                });
                let Some(port) = &server.port else { continue };
                if !hosts_match {
                    continue;
                }
                let protocol = Protocol::parse(Some(&port.protocol));
                let mode = server
                    .tls
                    .as_ref()
                    .and_then(|t| t.mode.as_deref())
                    .unwrap_or("");
                let passthrough = matches!(mode, "PASSTHROUGH" | "AUTO_PASSTHROUGH");
                let takes = if protocol == Protocol::Http
                    || (protocol == Protocol::Https && !passthrough)
                {
                    Takes::Http
                } else if passthrough {
                    Takes::Tls
                } else {
                    Takes::Tcp
                };
                let (carried, ignored) = match takes {
                    Takes::Http => (has_http, "tcp/tls"),
                    Takes::Tls => (has_tls, "tcp"),
                    Takes::Tcp => (has_tcp, "tls"),
                };
                let wrong = match takes {
                    Takes::Http => has_tcp || has_tls,
                    Takes::Tls => has_tcp,
                    Takes::Tcp => has_tls,
                };
                if carried || !wrong || mode == "AUTO_PASSTHROUGH" {
                    continue;
                }
                out.at(
                    vs,
                    "spec.gateways",
                    format!(
                        "Gateway {name} servers[{i}] (port {}, {}{}) builds its chains from {} routes; this VirtualService has only {ignored} routes for it, so the gateway has no chain for the traffic",
                        port.number,
                        port.protocol,
                        if mode.is_empty() { String::new() } else { format!(" {mode}") },
                        match takes {
                            Takes::Http => "http",
                            Takes::Tls => "tls (SNI)",
                            Takes::Tcp => "tcp",
                        }
                    ),
                )
                .help(match takes {
                    Takes::Http => "give the server protocol TCP or TLS for a TCP destination",
                    Takes::Tls => "write a `tls` route with `sniHosts`, or make the server terminate TLS",
                    Takes::Tcp => "write a `tcp` route for a plain or terminating server",
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::lint;

    fn case(protocol: &str, tls: &str, routes: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: egress, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  servers:
    - port: {{number: 443, name: p, protocol: {protocol}}}
      hosts: [api.example.com]
{tls}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: api, namespace: istio-system}}
spec:
  hosts: [api.example.com]
  gateways: [egress]
{routes}"
        )
    }

    const TCP: &str =
        "  tcp:\n    - route: [{destination: {host: api.example.com, port: {number: 443}}}]\n";
    const TLS: &str = "  tls:\n    - match: [{port: 443, sniHosts: [api.example.com]}]\n      route: [{destination: {host: api.example.com, port: {number: 443}}}]\n";
    const PASSTHROUGH: &str = "      tls: {mode: PASSTHROUGH}\n";

    #[test]
    fn matching_kinds_are_clean() {
        assert!(lint(check, RULE.severity, &case("TLS", PASSTHROUGH, TLS)).is_empty());
        assert!(lint(check, RULE.severity, &case("TCP", "", TCP)).is_empty());
    }

    #[test]
    fn tcp_routes_on_a_passthrough_server_are_reported() {
        let found = lint(check, RULE.severity, &case("TLS", PASSTHROUGH, TCP));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("tls (SNI)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn tls_routes_on_a_tcp_server_and_tcp_on_http_are_reported() {
        assert_eq!(lint(check, RULE.severity, &case("TCP", "", TLS)).len(), 1);
        assert_eq!(lint(check, RULE.severity, &case("HTTP", "", TCP)).len(), 1);
    }
}
