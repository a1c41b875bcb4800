//! # MSH221 egress-gateway-without-authorization-policy
//!
//! ## What it does
//! Flags a Gateway that routes to a `MESH_EXTERNAL` service (an egress gateway) when no
//! AuthorizationPolicy with action ALLOW or DENY applies to the gateway workload it selects: none
//! in the workload's namespace or the root namespace whose selector its labels satisfy.
//!
//! ## Why it matters
//! A gateway is where a platform team says which namespaces may leave at all. Without a policy
//! the gateway's RBAC filter is absent and every workload that can reach the gateway's Service
//! leaves through it, whatever its namespace (istio/istio
//! `pilot/pkg/security/authz/builder/builder.go` builds no filter when no policy applies). A
//! `source.namespaces` rule is the usual answer; it needs `ISTIO_MUTUAL` on the server so the
//! gateway learns the client's identity.
//!
//! Severity: warning: the path works, but anyone in the mesh may take it.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: egress, namespace: istio-system}
//! spec:
//!   selector: {istio: egressgateway}
//!   servers:
//!     - port: {number: 7777, name: tls, protocol: TLS}
//!       hosts: [db.example.com]
//!       tls: {mode: ISTIO_MUTUAL}
//! ```
//!
//! ## Use instead
//! ```yaml
//! apiVersion: security.istio.io/v1
//! kind: AuthorizationPolicy
//! metadata: {name: egress-db, namespace: istio-system}
//! spec:
//!   selector: {matchLabels: {istio: egressgateway}}
//!   action: ALLOW
//!   rules:
//!     - from: [{source: {namespaces: [bookinfo]}}]
//!       to: [{operation: {ports: ["7777"]}}]
//! ```

use std::collections::BTreeMap;

use crate::engine::gateway::{applicable_policies, qualified_gateway, selects};
use crate::model::{AuthzAction, Location};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH221 egress-gateway-without-authorization-policy: policy selection follows istio/istio
/// `pilot/pkg/model/authorization.go` `ListAuthorizationPolicies`.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "An egress gateway with no AuthorizationPolicy: any workload in the mesh may leave through it.",
};

/// Reports each egress Gateway once.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for gw in &cx.inputs.gateways {
        let meta = &gw.resource.metadata;
        let name = format!("{}/{}", meta.namespace(), meta.name);
        let Some(external) = external_destination(cx, &name) else {
            continue;
        };
        let labels = &gw.resource.spec.selector;
        let namespace =
            workload_namespace(cx, labels).unwrap_or_else(|| meta.namespace().to_owned());
        let policies = applicable_policies(
            &cx.inputs.authorization_policies,
            &cx.mesh.root_namespace,
            &namespace,
            labels,
        );
        let deciding = policies
            .iter()
            .any(|p| !p.resource.is_dry_run() && p.resource.action() != AuthzAction::Audit);
        if deciding {
            continue;
        }
        out.at(
            gw,
            "spec.selector",
            format!(
                "it routes to the external {external}, and no AuthorizationPolicy applies to its workload in {namespace}: any workload in the mesh may leave through it"
            ),
        )
        .help("add an ALLOW AuthorizationPolicy selecting the gateway's labels, naming the namespaces (source.namespaces) that may leave");
    }
}

/// The first MESH_EXTERNAL host a VirtualService bound to the Gateway routes to.
fn external_destination(cx: &Context<'_>, gateway: &str) -> Option<String> {
    let external: Vec<&str> = cx
        .inputs
        .service_entries
        .iter()
        .filter(|se| se.resource.spec.location() == Location::MeshExternal)
        .flat_map(|se| se.resource.spec.hosts.iter().map(String::as_str))
        .collect();
    cx.inputs.virtual_services.iter().find_map(|vs| {
        let spec = &vs.resource.spec;
        let ns = vs.resource.metadata.namespace();
        if !spec
            .gateways
            .iter()
            .any(|g| qualified_gateway(g, ns) == gateway)
        {
            return None;
        }
        let tcp = spec.tcp.iter().flat_map(|r| &r.route);
        let tls = spec.tls.iter().flat_map(|r| &r.route);
        tcp.chain(tls)
            .map(|r| r.destination.host.as_str())
            .find(|h| external.iter().any(|e| e.eq_ignore_ascii_case(h)))
            .map(str::to_owned)
    })
}

/// The namespace of the Service that selects the Gateway's pods, when one does.
fn workload_namespace(cx: &Context<'_>, labels: &BTreeMap<String, String>) -> Option<String> {
    cx.inputs
        .services
        .iter()
        .find(|s| selects(&s.resource.spec.selector, labels))
        .map(|s| s.resource.metadata.namespace().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::lint;

    fn case(policy: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: db, namespace: istio-system}}
spec:
  hosts: [db.example.com]
  addresses: [203.0.113.7/32]
  ports: [{{number: 3306, name: tcp, protocol: TCP}}]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{{address: 203.0.113.7}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: egress, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  servers:
    - port: {{number: 7777, name: tcp, protocol: TCP}}
      hosts: [db.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: istio-system}}
spec:
  hosts: [db.example.com]
  gateways: [egress]
  tcp:
    - route: [{{destination: {{host: db.example.com, port: {{number: 3306}}}}}}]
{policy}"
        )
    }

    #[test]
    fn a_gateway_with_an_allow_policy_is_clean() {
        let policy = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  rules: [{from: [{source: {namespaces: [shop]}}]}]
";
        assert!(lint(check, RULE.severity, &case(policy)).is_empty());
    }

    #[test]
    fn an_open_egress_gateway_is_reported() {
        let found = lint(check, RULE.severity, &case(""));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("any workload in the mesh"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_policy_for_other_pods_does_not_count() {
        let policy = "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: other, namespace: istio-system}
spec:
  selector: {matchLabels: {app: something-else}}
  rules: [{}]
";
        assert_eq!(lint(check, RULE.severity, &case(policy)).len(), 1);
    }
}
