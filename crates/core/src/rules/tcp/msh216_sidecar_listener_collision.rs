//! # MSH216 sidecar-listener-collision
//!
//! ## What it does
//! Flags an entry port that gets a wildcard listener (`0.0.0.0_<port>`: the entry has no addresses,
//! only `0.0.0.0`, or a CIDR block wider than one address) on a port where the sidecar's Envoy
//! already listens on the wildcard address: 15001 (`virtualOutbound`), 15006 (`virtualInbound`), 15021
//! (health) and 15090 (Prometheus). HTTP ports are left out: istiod skips them itself.
//!
//! ## Why it matters
//! Two Envoy listeners cannot share one address. Envoy rejects the whole listener update that
//! carries the duplicate, so the sidecar never receives its outbound listeners, fails its readiness
//! probe and every pod in the namespaces that see the entry stays unready. The same entry written
//! with single-address (`/32`) addresses binds `<ip>_<port>` instead and starts cleanly, which makes
//! the failure look unrelated to the entry (istio/istio#60666). istio/istio#60722 makes istiod
//! skip such a port for CIDR addresses; releases without it build the listener for CIDR blocks and
//! for entries without addresses alike, so the rule reports both.
//!
//! MSH209 warns on every port of Istio's reserved range, including these. This rule is separate
//! because the consequence is different in kind: MSH209's ports make one entry useless, these stop
//! the sidecar itself. 15000 (admin, loopback only), 15004, 15020 and 15053 (agent ports) and 15008
//! (HBONE, only in meshes that enable it) have no wildcard Envoy listener to collide with, so they
//! stay MSH209 warnings.
//!
//! Severity: error: the sidecar never becomes ready, so every workload that sees the entry loses all traffic.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: appliance
//! spec:
//!   hosts: [appliance.example.com]
//!   addresses: [198.51.100.0/29]
//!   ports: [{name: tcp, number: 15001, protocol: TCP}]
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! ```yaml
//! metadata:                  # pod template of the client: the port never reaches the sidecar
//!   annotations:
//!     traffic.sidecar.istio.io/excludeOutboundPorts: "15001"
//! ```
//! Bypassed connections are not governed by any ServiceEntry or outbound policy.

use crate::engine::Registry;
use crate::rules::conflicts::seen::Seen;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH216 sidecar-listener-collision: the engine built a wildcard listener on a port where
/// the sidecar's Envoy has a wildcard listener of its own. The static ones come from the
/// bootstrap (istio/istio `tools/packaging/common/envoy_bootstrap.json`, status and Prometheus
/// ports), the virtual ones from the mesh's `proxyListenPort` and `proxyInboundListenPort`;
/// istiod only filters HTTP services on them (`pilot/pkg/model/context.go`,
/// `conflictWithReservedListener`), and a TCP service's wildcard bind is decided later
/// (`pilot/pkg/networking/core/listener.go`, `buildSidecarOutboundListener`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Views(check),
    summary: "A wildcard listener on a port the sidecar itself listens on: the sidecar never becomes ready.",
};

/// The sidecar's own wildcard listeners, by port.
const SIDECAR_LISTENERS: [(u16, &str); 4] = [
    (15001, "virtualOutbound"),
    (15006, "virtualInbound"),
    (15021, "health listener"),
    (15090, "Prometheus listener"),
];

/// Reports every entry with a chain on a colliding wildcard listener, once per port.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        colliding(views, registry, &mut seen, out);
    }
}

fn colliding(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    for listener in registry.listeners().iter().filter(|l| l.bind.is_none()) {
        let Some((_, own)) = SIDECAR_LISTENERS.iter().find(|(p, _)| *p == listener.port) else {
            continue;
        };
        for chain in registry.chains_of(listener) {
            let Some(se) = views.loaded(registry.entry(chain.entry)) else {
                continue;
            };
            if !seen.first(se, listener.name.to_string()) {
                continue;
            }
            let index = se.resource.spec.port_index(listener.port);
            out.at(
                se,
                &format!("spec.ports[{index}].number"),
                format!(
                    "port {} with {} gets the wildcard listener {}, which collides with the sidecar's own {own}: Envoy rejects the listener update and the sidecar never becomes ready",
                    listener.port, chain.addr, listener.name
                ),
            )
            .help("use the service's real port, or exclude it from capture (traffic.sidecar.istio.io/excludeOutboundPorts)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(addresses: &str, port: u16, protocol: &str) -> Vec<String> {
        let text = format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: appliance, namespace: bookinfo}}\nspec:\n  hosts: [appliance.example.com]\n  addresses: {addresses}\n  ports: [{{name: p, number: {port}, protocol: {protocol}}}]\n"
        );
        let inputs = crate::load::load_bytes(
            "collision.yaml",
            text.as_bytes(),
            &crate::load::LoadOptions::default(),
        )
        .expect("parser thread");
        let cx = Context::new(&inputs);
        let views = Views::new(&inputs, &cx.mesh, cx.dns_capture);
        let mut out = Findings::new(RULE.severity);
        check(&cx, &views, &mut out);
        out.into_vec().into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn only_wildcard_tcp_listeners_on_the_sidecars_own_ports_collide() {
        let inbound = found("[]", 15006, "TCP");
        assert_eq!(inbound.len(), 1, "{inbound:?}");
        assert!(
            inbound[0]
                .contains("0.0.0.0_15006, which collides with the sidecar's own virtualInbound")
        );
        assert_eq!(
            found("[0.0.0.0]", 15090, "TLS").len(),
            1,
            "the unspecified address is no address"
        );
        assert!(
            found("[]", 15001, "HTTP").is_empty(),
            "istiod skips HTTP there"
        );
        assert!(
            found("[198.51.100.5/32]", 15021, "TCP").is_empty(),
            "binds its own address"
        );
        assert!(
            found("[]", 15020, "TCP").is_empty(),
            "the agent's port: no Envoy listener"
        );
        assert!(
            found("[]", 15008, "TCP").is_empty(),
            "HBONE only where enabled: MSH209's"
        );
    }
}
