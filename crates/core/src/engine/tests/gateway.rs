//! The gateway hop (istio/istio pilot/pkg/model/gateway.go `mergeGateways`,
//! pilot/pkg/networking/core/gateway.go, pilot/pkg/security/authz/builder): which servers a
//! gateway workload keeps, which chain takes a connection, the handshake, the
//! AuthorizationPolicy, and the path a sidecar's connection takes through it.

use super::*;
use crate::engine::gateway::{AuthzVerdict, ClientHello, GatewayProxy};

/// A document of `kind` (networking.istio.io/v1 unless it is a Service or a policy).
fn doc(kind: &str, id: &str, body: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    let api = match kind {
        "Service" => "v1",
        "AuthorizationPolicy" => "security.istio.io/v1",
        _ => "networking.istio.io/v1",
    };
    format!(
        "---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}, namespace: {ns}}}\n{body}\n"
    )
}

const GATEWAY_SERVICE: &str =
    "spec: {selector: {istio: egressgateway}, ports: [{name: tls, port: 7777, targetPort: 17777}]}";
const DB_ENTRY: &str = "spec: {hosts: [db.example.com], addresses: [203.0.113.7/32], ports: [{number: 3306, name: tcp, protocol: TCP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.7}]}";

/// The egress path of Istio's TCP example: sidecars route 203.0.113.7:3306 to the gateway's
/// port 7777, the gateway routes on to the database; `server` is the Gateway's server.
fn egress(server: &str, policy: &str) -> String {
    doc(
        "Service",
        "istio-system/istio-egressgateway",
        GATEWAY_SERVICE,
    ) + &doc("ServiceEntry", "istio-system/db", DB_ENTRY)
        + &doc(
            "Gateway",
            "istio-system/egress",
            &format!("spec: {{selector: {{istio: egressgateway}}, servers: [{server}]}}"),
        )
        + &doc(
            "DestinationRule",
            "istio-system/to-gateway",
            "spec: {host: istio-egressgateway.istio-system.svc.cluster.local, trafficPolicy: {portLevelSettings: [{port: {number: 7777}, tls: {mode: ISTIO_MUTUAL, sni: db.example.com}}]}}",
        )
        + &doc(
            "VirtualService",
            "istio-system/db",
            "spec: {hosts: [db.example.com], gateways: [mesh, egress], tcp: [{match: [{gateways: [mesh], port: 3306}], route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 7777}}}]}, {match: [{gateways: [egress], port: 7777}], route: [{destination: {host: db.example.com, port: {number: 3306}}}]}]}",
        )
        + policy
}

const MUTUAL_SERVER: &str = "{port: {number: 7777, name: tls, protocol: TLS}, hosts: [db.example.com], tls: {mode: ISTIO_MUTUAL}}";
const TCP_SERVER: &str = "{port: {number: 7777, name: tcp, protocol: TCP}, hosts: ['*']}";

fn allow_namespace(ns: &str) -> String {
    doc(
        "AuthorizationPolicy",
        "istio-system/egress",
        &format!(
            "spec: {{selector: {{matchLabels: {{istio: egressgateway}}}}, rules: [{{from: [{{source: {{namespaces: [{ns}]}}}}]}}]}}"
        ),
    )
}

/// The path of 203.0.113.7:3306 from a workload in `ns`.
fn path(yaml: &str, ns: &str) -> Explanation {
    let inputs = load(yaml);
    let config = Resources::from_inputs(&inputs, MeshSettings::default());
    let workload = Workload {
        namespace: ns.into(),
        ..Workload::default()
    };
    let registry = compile(&config, &workload);
    let gateways = Gateways::new(config.clone());
    explain_path(
        &registry,
        &gateways,
        &Connection {
            dst: "203.0.113.7".parse().expect("address"),
            port: 3306,
            tls: false,
            sni: None,
        },
        &principal_of(ns, "default"),
    )
}

fn gateway_of(yaml: &str) -> (crate::load::Inputs, BTreeMap<String, String>) {
    (load(yaml), map(&[("istio", "egressgateway")]))
}

#[test]
fn the_sidecar_routes_to_the_gateway_which_lets_the_allowed_namespace_out() {
    let yaml = egress(MUTUAL_SERVER, &allow_namespace("shop"));
    let e = path(&yaml, "shop");
    assert_eq!(e.verdict, Verdict::Allow, "{}", e.reason);
    assert_eq!(e.hops.len(), 2);
    assert_eq!(e.hops[0].verdict, HopVerdict::Routed);
    let gw = &e.hops[1];
    assert_eq!(gw.proxy, "gateway");
    assert_eq!(
        gw.workload.as_deref(),
        Some("istio-system/istio-egressgateway")
    );
    // The pod listens on the Service port's targetPort.
    assert_eq!(gw.listener, "0.0.0.0_17777");
    assert_eq!(gw.cluster, "outbound|3306||db.example.com");
    assert_eq!(
        gw.principal.as_deref(),
        Some("cluster.local/ns/shop/sa/default")
    );
    assert_eq!(
        gw.authz.as_ref().map(|a| a.verdict),
        Some(AuthzVerdict::Allow)
    );
    assert_eq!(
        e.upstream.as_deref(),
        Some("static endpoints 203.0.113.7:3306")
    );
    assert!(
        gw.is_via("istio-system/egress"),
        "the Gateway is on the path"
    );
}

#[test]
fn another_namespace_is_refused_at_the_gateway() {
    let e = path(&egress(MUTUAL_SERVER, &allow_namespace("shop")), "other");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.hops[0].verdict, HopVerdict::Routed);
    let authz = e.hops[1].authz.as_ref().expect("the RBAC filter decided");
    assert_eq!(authz.verdict, AuthzVerdict::Deny);
    assert!(e.reason.contains("RBAC"), "{}", e.reason);
}

#[test]
fn without_istio_mutual_the_sidecar_speaks_plaintext_and_is_closed() {
    let no_tls = |yaml: String| {
        yaml.replace(
            "tls: {mode: ISTIO_MUTUAL, sni: db.example.com}",
            "connectionPool: {tcp: {maxConnections: 10}}",
        )
    };
    // A server with hosts has SNI chains only: a plaintext connection matches none.
    let e = path(&no_tls(egress(MUTUAL_SERVER, "")), "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert!(e.reason.contains("without SNI"), "{}", e.reason);
    // A `*` server matches any connection, and then the handshake fails.
    let any_host = MUTUAL_SERVER.replace("hosts: [db.example.com]", "hosts: ['*']");
    let e = path(&no_tls(egress(&any_host, "")), "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert!(e.reason.contains("sends plaintext"), "{}", e.reason);
}

#[test]
fn the_default_istio_mutual_sni_matches_no_server_host() {
    let yaml = egress(MUTUAL_SERVER, "").replace(", sni: db.example.com", "");
    let e = path(&yaml, "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert!(e.reason.contains("no filter chain"), "{}", e.reason);
    assert!(
        e.reason.contains("outbound_.7777_._.istio-egressgateway"),
        "{}",
        e.reason
    );
}

#[test]
fn no_policy_lets_everyone_out_and_a_deny_rule_wins_over_an_allow() {
    let open = path(&egress(MUTUAL_SERVER, ""), "other");
    assert_eq!(open.verdict, Verdict::Allow, "{}", open.reason);
    let deny = doc(
        "AuthorizationPolicy",
        "istio-system/deny-shop",
        "spec: {selector: {matchLabels: {istio: egressgateway}}, action: DENY, rules: [{from: [{source: {principals: ['cluster.local/ns/shop/*']}}]}]}",
    );
    let e = path(
        &egress(MUTUAL_SERVER, &(allow_namespace("shop") + &deny)),
        "shop",
    );
    assert_eq!(e.verdict, Verdict::Deny);
    let authz = e.hops[1].authz.as_ref().expect("decided");
    assert!(
        authz
            .policy
            .as_deref()
            .is_some_and(|p| p.contains("deny-shop")),
        "{authz:?}"
    );
}

#[test]
fn http_only_fields_drop_an_allow_rule_and_widen_a_deny_rule() {
    // ALLOW with `methods`: the rule is dropped on TCP, so nothing is allowed.
    let allow_http = doc(
        "AuthorizationPolicy",
        "istio-system/egress",
        "spec: {selector: {matchLabels: {istio: egressgateway}}, rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {methods: [GET]}}]}]}",
    );
    assert_eq!(
        path(&egress(MUTUAL_SERVER, &allow_http), "shop").verdict,
        Verdict::Deny
    );
    // DENY with `paths`: the path condition is dropped, so the rest denies every shop client.
    let deny_http = doc(
        "AuthorizationPolicy",
        "istio-system/deny",
        "spec: {selector: {matchLabels: {istio: egressgateway}}, action: DENY, rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {paths: [/admin]}}]}]}",
    );
    assert_eq!(
        path(&egress(MUTUAL_SERVER, &deny_http), "shop").verdict,
        Verdict::Deny
    );
    assert_eq!(
        path(&egress(MUTUAL_SERVER, &deny_http), "other").verdict,
        Verdict::Allow
    );
}

#[test]
fn a_plain_tcp_server_knows_no_identity() {
    // Without ISTIO_MUTUAL on the server the gateway never learns the client's namespace: a
    // namespace rule matches nobody.
    let yaml = egress(TCP_SERVER, &allow_namespace("shop")).replace(
        "tls: {mode: ISTIO_MUTUAL, sni: db.example.com}",
        "tls: {mode: DISABLE}",
    );
    let e = path(&yaml, "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.hops[1].principal, None);
    let ports = doc(
        "AuthorizationPolicy",
        "istio-system/egress",
        "spec: {selector: {matchLabels: {istio: egressgateway}}, rules: [{to: [{operation: {ports: ['17777']}}]}]}",
    );
    let yaml = egress(TCP_SERVER, &ports).replace(
        "tls: {mode: ISTIO_MUTUAL, sni: db.example.com}",
        "tls: {mode: DISABLE}",
    );
    assert_eq!(path(&yaml, "shop").verdict, Verdict::Allow);
}

#[test]
fn a_second_tcp_server_on_a_port_is_skipped_and_the_oldest_gateway_wins() {
    let older = doc(
        "Gateway",
        "istio-system/a-older",
        "spec: {selector: {istio: egressgateway}, servers: [{port: {number: 7777, name: tcp, protocol: TCP}, hosts: ['*']}]}",
    )
    .replace("namespace: istio-system}", "namespace: istio-system, creationTimestamp: '2020-01-01T00:00:00Z'}");
    let newer = doc(
        "Gateway",
        "istio-system/b-newer",
        "spec: {selector: {istio: egressgateway}, servers: [{port: {number: 7777, name: tcp, protocol: TCP}, hosts: ['*']}]}",
    )
    .replace("namespace: istio-system}", "namespace: istio-system, creationTimestamp: '2024-01-01T00:00:00Z'}");
    let (inputs, labels) = gateway_of(&(newer + &older));
    let config = Resources::from_inputs(&inputs, MeshSettings::default());
    let proxy = GatewayProxy::compile(&config, "istio-system", &labels);
    assert_eq!(proxy.gateways[0].0.as_ref(), "istio-system/a-older");
    assert_eq!(proxy.skipped.len(), 2, "{:?}", proxy.skipped);
    assert!(proxy.skipped[0].contains("b-newer"), "{:?}", proxy.skipped);
}

#[test]
fn tls_servers_on_one_port_merge_by_host_and_passthrough_routes_by_sni() {
    let yaml = doc(
        "ServiceEntry",
        "istio-system/api",
        "spec: {hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], location: MESH_EXTERNAL, resolution: DNS}",
    ) + &doc("ServiceEntry", "istio-system/db", DB_ENTRY)
        + &doc(
            "Gateway",
            "istio-system/egress",
            "spec: {selector: {istio: egressgateway}, servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [api.example.com], tls: {mode: PASSTHROUGH}}, {port: {number: 443, name: tls-db, protocol: TLS}, hosts: [db.example.com], tls: {mode: ISTIO_MUTUAL}}, {port: {number: 443, name: dup, protocol: TLS}, hosts: [api.example.com], tls: {mode: PASSTHROUGH}}]}",
        )
        + &doc(
            "VirtualService",
            "istio-system/api",
            "spec: {hosts: [api.example.com], gateways: [egress], tls: [{match: [{port: 443, sniHosts: [api.example.com]}], route: [{destination: {host: api.example.com, port: {number: 443}}}]}]}",
        )
        + &doc(
            "VirtualService",
            "istio-system/db",
            "spec: {hosts: [db.example.com], gateways: [egress], tcp: [{route: [{destination: {host: db.example.com, port: {number: 3306}}}]}]}",
        );
    let (inputs, labels) = gateway_of(&yaml);
    let config = Resources::from_inputs(&inputs, MeshSettings::default());
    let proxy = GatewayProxy::compile(&config, "istio-system", &labels);
    assert_eq!(proxy.listeners.len(), 1);
    assert_eq!(proxy.listeners[0].chains.len(), 2, "{:?}", proxy.skipped);
    assert!(
        proxy.skipped.iter().any(|s| s.contains("servers[2]")),
        "{:?}",
        proxy.skipped
    );
    let address = "192.0.2.10".parse().expect("address");
    let api = explain_gateway(
        &proxy,
        "gw",
        address,
        443,
        ClientHello::Tls {
            sni: Some("api.example.com"),
            mesh_principal: None,
        },
    );
    assert_eq!(api.verdict, Verdict::Allow, "{}", api.reason);
    assert_eq!(api.cluster, "outbound|443||api.example.com");
    let db = explain_gateway(
        &proxy,
        "gw",
        address,
        443,
        ClientHello::Tls {
            sni: Some("db.example.com"),
            mesh_principal: Some("cluster.local/ns/shop/sa/app"),
        },
    );
    assert_eq!(db.verdict, Verdict::Allow, "{}", db.reason);
    assert_eq!(db.cluster, "outbound|3306||db.example.com");
    let plain = explain_gateway(&proxy, "gw", address, 443, ClientHello::Plaintext);
    assert_eq!(plain.verdict, Verdict::Deny);
    let unknown = explain_gateway(
        &proxy,
        "gw",
        address,
        443,
        ClientHello::Tls {
            sni: Some("other.example.com"),
            mesh_principal: None,
        },
    );
    assert!(
        unknown.reason.contains("no filter chain"),
        "{}",
        unknown.reason
    );
}

#[test]
fn resolution_none_never_leaves_a_gateway() {
    let yaml = egress(MUTUAL_SERVER, "").replace(
        "resolution: STATIC, endpoints: [{address: 203.0.113.7}]",
        "resolution: NONE",
    );
    let e = path(&yaml, "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert!(e.reason.contains("resolution NONE"), "{}", e.reason);
}

#[test]
fn a_gateway_without_a_route_for_the_port_refuses() {
    let yaml = egress(MUTUAL_SERVER, "").replace(
        "port: 7777}], route: [{destination: {host: db.example.com",
        "port: 7778}], route: [{destination: {host: db.example.com",
    );
    let e = path(&yaml, "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert!(
        e.reason.contains("no listener on port 17777"),
        "{}",
        e.reason
    );
}

#[test]
fn mesh_tls_through_a_server_that_does_not_terminate_it_fails_at_the_upstream() {
    // ISTIO_MUTUAL from the sidecar into a plain TCP server: the gateway forwards the
    // handshake to the external database, which cannot answer it.
    let e = path(&egress(TCP_SERVER, ""), "shop");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.hops[1].cluster, "outbound|3306||db.example.com");
    assert!(e.reason.contains("does not terminate TLS"), "{}", e.reason);
}
