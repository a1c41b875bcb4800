//! `meshctl export envoy --proxy gateway` and `--certs`: the egress gateway's bootstrap
//! (listeners, TLS, RBAC, clusters) and the mesh certificates of the sidecar's ISTIO_MUTUAL
//! cluster towards it. scripts/envoy-differential.sh has Envoy validate these exports.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{meshctl, outcome, stdout};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

const GATEWAY: [&str; 7] = [
    "export",
    "envoy",
    "--proxy",
    "gateway",
    "--gateway-labels",
    "istio=egressgateway",
    "--source-namespace=istio-system",
];

fn export_json(args: &[&str], inputs: &[&Path]) -> Value {
    let mut cmd = meshctl();
    cmd.args(args).args(["-o", "json"]);
    for input in inputs {
        cmd.arg("-f").arg(input);
    }
    serde_json::from_str(&stdout(&mut cmd, 0)).expect("JSON")
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "meshctl-gateway-test-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn filter_names(chain: &Value) -> Vec<&str> {
    chain["filters"]
        .as_array()
        .expect("filters")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn the_egress_gateway_exports_its_server_rbac_and_cluster() {
    let text = outcome(
        meshctl()
            .args(GATEWAY)
            .arg("-f")
            .arg(fixture("egress-gateway")),
        &[(env!("CARGO_MANIFEST_DIR"), "[ROOT]")],
    );
    insta::assert_snapshot!(text);

    let bootstrap = export_json(&GATEWAY, &[&fixture("egress-gateway")]);
    let listeners = bootstrap["static_resources"]["listeners"]
        .as_array()
        .expect("listeners");
    assert_eq!(listeners.len(), 1, "one Gateway server port");
    let listener = &listeners[0];
    assert_eq!(listener["name"], "0.0.0.0_7777");
    assert_eq!(listener["address"]["socket_address"]["port_value"], 7777);
    assert_eq!(
        listener["listener_filters"][0]["name"],
        "envoy.filters.listener.tls_inspector"
    );
    let chains = listener["filter_chains"].as_array().expect("chains");
    assert_eq!(chains.len(), 1);
    let chain = &chains[0];
    assert_eq!(
        chain["filter_chain_match"]["server_names"],
        json!(["ratings-db.tcp.svc"])
    );
    // ISTIO_MUTUAL terminates TLS and requires the client's mesh certificate.
    let tls = &chain["transport_socket"]["typed_config"];
    assert!(
        tls["@type"]
            .as_str()
            .is_some_and(|t| t.ends_with("DownstreamTlsContext")),
        "{tls}"
    );
    assert_eq!(tls["require_client_certificate"], true);
    assert_eq!(
        filter_names(chain),
        [
            "envoy.filters.network.rbac",
            "envoy.filters.network.tcp_proxy"
        ]
    );
    let rbac = &chain["filters"][0]["typed_config"]["rules"];
    assert_eq!(rbac["action"], "ALLOW");
    let policy = &rbac["policies"]["ns[istio-system]-policy[egress-ratings-db]-rule[0]"];
    assert_eq!(
        policy["principals"][0]["and_ids"]["ids"][0]["or_ids"]["ids"][0]["authenticated"]["principal_name"]
            ["safe_regex"]["regex"],
        ".*/ns/bookinfo/.*"
    );
    assert_eq!(
        policy["permissions"][0]["and_rules"]["rules"][0]["or_rules"]["rules"][0],
        json!({ "destination_port": 7777 })
    );
    assert_eq!(
        chain["filters"][1]["typed_config"]["cluster"],
        "outbound|3306||ratings-db.tcp.svc"
    );
    let clusters = bootstrap["static_resources"]["clusters"]
        .as_array()
        .expect("clusters");
    let db = clusters
        .iter()
        .find(|c| c["name"] == "outbound|3306||ratings-db.tcp.svc")
        .expect("the database's cluster");
    assert_eq!(
        db["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"],
        json!({ "address": "203.0.113.7", "port_value": 3306 })
    );
    // Without --certs the gateway asks the node agent for its certificate, as Istio's does.
    assert!(clusters.iter().any(|c| c["name"] == "sds-grpc"));
}

/// DENY policies run before ALLOW policies, each action in its own filter; a rule naming an
/// HTTP-only field is dropped from ALLOW and loses just that field in DENY.
#[test]
fn deny_runs_before_allow_and_http_fields_are_handled_as_the_engine_does() {
    let dir = scratch("deny");
    std::fs::write(
        dir.join("deny.yaml"),
        r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: no-legacy
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  action: DENY
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/bookinfo/sa/legacy"]
      to:
        - operation:
            methods: ["POST"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: http-only
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  rules:
    - to:
        - operation:
            paths: ["/admin"]
"#,
    )
    .expect("write");
    let bootstrap = export_json(&GATEWAY, &[&fixture("egress-gateway"), &dir]);
    std::fs::remove_dir_all(&dir).ok();
    let chain = &bootstrap["static_resources"]["listeners"][0]["filter_chains"][0];
    assert_eq!(
        filter_names(chain),
        [
            "envoy.filters.network.rbac",
            "envoy.filters.network.rbac",
            "envoy.filters.network.tcp_proxy"
        ]
    );
    let deny = &chain["filters"][0]["typed_config"]["rules"];
    let allow = &chain["filters"][1]["typed_config"]["rules"];
    assert_eq!(deny["action"], "DENY");
    assert_eq!(allow["action"], "ALLOW");
    let legacy = &deny["policies"]["ns[istio-system]-policy[no-legacy]-rule[0]"];
    // The method is dropped, so the rule denies the principal on every port.
    assert_eq!(
        legacy["permissions"],
        json!([{ "and_rules": { "rules": [{ "any": true }] } }])
    );
    assert_eq!(
        legacy["principals"][0]["and_ids"]["ids"][0]["or_ids"]["ids"][0]["authenticated"]["principal_name"],
        json!({ "exact": "spiffe://cluster.local/ns/bookinfo/sa/legacy" })
    );
    let allowed: Vec<&String> = allow["policies"]
        .as_object()
        .expect("policies")
        .keys()
        .collect();
    assert_eq!(
        allowed,
        ["ns[istio-system]-policy[egress-ratings-db]-rule[0]"]
    );
}

fn cert_dir() -> PathBuf {
    let dir = scratch("certs");
    for name in ["root-cert.pem", "cert-chain.pem", "key.pem"] {
        std::fs::write(dir.join(name), "").expect("write");
    }
    dir
}

#[test]
fn certs_give_istio_mutual_a_client_certificate_and_a_checked_gateway() {
    let dir = cert_dir();
    let certs = dir.display().to_string();
    let file = |name: &str| dir.join(name).display().to_string();
    let sidecar = export_json(
        &[
            "export",
            "envoy",
            "--source-namespace=bookinfo",
            "--certs",
            &certs,
        ],
        &[&fixture("egress-gateway")],
    );
    let cluster = sidecar["static_resources"]["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| {
            c["name"]
                == "outbound|7777|ratings-db|istio-egressgateway.istio-system.svc.cluster.local"
        })
        .expect("the gateway subset's cluster");
    let upstream = &cluster["transport_socket"]["typed_config"];
    assert_eq!(upstream["sni"], "ratings-db.tcp.svc");
    let common = &upstream["common_tls_context"];
    assert_eq!(
        common["tls_certificates"][0],
        json!({
            "certificate_chain": { "filename": file("cert-chain.pem") },
            "private_key": { "filename": file("key.pem") },
        })
    );
    assert_eq!(
        common["validation_context"]["trusted_ca"]["filename"],
        file("root-cert.pem")
    );
    assert_eq!(
        common["validation_context"]["match_typed_subject_alt_names"],
        json!([{ "san_type": "URI", "matcher": { "safe_regex": { "regex": "spiffe://[^/]+/ns/istio-system/sa/[^/]+" } } }])
    );

    let mut args = GATEWAY.to_vec();
    args.extend(["--certs", &certs]);
    let gateway = export_json(&args, &[&fixture("egress-gateway")]);
    let downstream = &gateway["static_resources"]["listeners"][0]["filter_chains"][0]["transport_socket"]
        ["typed_config"];
    assert_eq!(downstream["require_client_certificate"], true);
    assert_eq!(
        downstream["common_tls_context"]["validation_context"]["trusted_ca"]["filename"],
        file("root-cert.pem")
    );
    assert_eq!(
        downstream["common_tls_context"]["tls_certificates"][0]["certificate_chain"]["filename"],
        file("cert-chain.pem")
    );
    assert!(
        !gateway["static_resources"]["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .any(|c| c["name"] == "sds-grpc"),
        "with files the gateway needs no SDS"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_sidecar_stays_the_default_and_unchanged() {
    let run = |extra: &[&str]| {
        stdout(
            meshctl()
                .args(["export", "envoy", "--source-namespace=bookinfo"])
                .args(extra)
                .arg("-f")
                .arg(fixture("egress-gateway")),
            0,
        )
    };
    let default = run(&[]);
    assert_eq!(default, run(&["--proxy", "sidecar"]));
    // No certificate is configured without --certs: the handshake carries none, as before.
    assert!(!default.contains("tls_certificates"), "{default}");
    assert!(default.contains("istio-peer-exchange"), "{default}");
}

#[test]
fn gateway_export_errors_are_one_line_exit_2() {
    let missing = meshctl()
        .args(["export", "envoy", "--proxy", "gateway", "-f"])
        .arg(fixture("egress-gateway"))
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("--gateway-labels"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let dir = scratch("nocerts");
    let text = outcome(
        meshctl()
            .args(GATEWAY)
            .arg("--certs")
            .arg(&dir)
            .arg("-f")
            .arg(fixture("egress-gateway")),
        &[(&dir.display().to_string(), "[CERTS]")],
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(
        text.contains("error: `--certs [CERTS]`: `[CERTS]/root-cert.pem` is not a file"),
        "{text}"
    );
    let diff = meshctl()
        .args(GATEWAY)
        .args(["--diff", "dump.json", "-f"])
        .arg(fixture("egress-gateway"))
        .output()
        .expect("runs");
    assert_eq!(diff.status.code(), Some(2));
}

/// The three other server kinds: PASSTHROUGH matches on SNI without terminating, SIMPLE
/// terminates without asking for a client certificate, plain TCP matches anything and keeps a
/// route's weights.
#[test]
fn passthrough_simple_and_plain_servers_take_their_shapes() {
    let dir = scratch("servers");
    std::fs::write(dir.join("servers.yaml"), SERVERS).expect("write");
    let text = outcome(
        meshctl().args(GATEWAY).args(["-o", "json", "-f"]).arg(&dir),
        &[(&dir.display().to_string(), "[DIR]")],
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(
        text.contains("servers[2] (TLS SIMPLE SNI secure.example.com): the server's credentialName is not read"),
        "{text}"
    );
    let bootstrap: Value =
        serde_json::from_str(crate::common::stdout_section(&text)).expect("JSON");
    let listeners = bootstrap["static_resources"]["listeners"]
        .as_array()
        .expect("listeners");
    let by_name = |name: &str| {
        listeners
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("listener {name}"))
    };
    let passthrough = &by_name("0.0.0.0_443")["filter_chains"][0];
    assert_eq!(
        passthrough["filter_chain_match"]["server_names"],
        json!(["api.example.com"])
    );
    assert!(
        passthrough.get("transport_socket").is_none(),
        "{passthrough}"
    );
    assert_eq!(
        passthrough["filters"][0]["typed_config"]["cluster"],
        "outbound|443||api.example.com"
    );
    let simple = &by_name("0.0.0.0_8443")["filter_chains"][0];
    let tls = &simple["transport_socket"]["typed_config"];
    assert!(tls.get("require_client_certificate").is_none(), "{tls}");
    assert!(
        tls["common_tls_context"]
            .get("tls_certificate_sds_secret_configs")
            .is_some(),
        "{tls}"
    );
    let plain = by_name("0.0.0.0_15443");
    assert!(plain.get("listener_filters").is_none(), "{plain}");
    let chain = &plain["filter_chains"][0];
    assert!(chain.get("filter_chain_match").is_none(), "{chain}");
    assert!(chain.get("transport_socket").is_none(), "{chain}");
    assert_eq!(
        chain["filters"][0]["typed_config"]["weighted_clusters"],
        json!({ "clusters": [
            { "name": "outbound|5432||db.example.com", "weight": 80 },
            { "name": "outbound|5432||db-replica.example.com", "weight": 20 },
        ] })
    );
}

const SERVERS: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: egress
  namespace: istio-system
spec:
  selector:
    istio: egressgateway
  servers:
    - port: {number: 443, name: tls-passthrough, protocol: TLS}
      hosts: ["api.example.com"]
      tls: {mode: PASSTHROUGH}
    - port: {number: 15443, name: tcp, protocol: TCP}
      hosts: ["db.example.com"]
    - port: {number: 8443, name: tls-simple, protocol: TLS}
      hosts: ["secure.example.com"]
      tls: {mode: SIMPLE, credentialName: secure-cert}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: istio-system}
spec:
  hosts: ["api.example.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: istio-system}
spec:
  hosts: ["db.example.com"]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db-replica, namespace: istio-system}
spec:
  hosts: ["db-replica.example.com"]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: secure, namespace: istio-system}
spec:
  hosts: ["secure.example.com"]
  ports: [{number: 9000, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{address: 198.51.100.20}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: egress-routes, namespace: istio-system}
spec:
  hosts: ["api.example.com", "db.example.com", "secure.example.com"]
  gateways: ["egress"]
  tls:
    - match: [{port: 443, sniHosts: ["api.example.com"]}]
      route: [{destination: {host: api.example.com, port: {number: 443}}}]
  tcp:
    - match: [{port: 15443}]
      route:
        - destination: {host: db.example.com, port: {number: 5432}}
          weight: 80
        - destination: {host: db-replica.example.com, port: {number: 5432}}
          weight: 20
    - match: [{port: 8443}]
      route: [{destination: {host: secure.example.com, port: {number: 9000}}}]
"#;
