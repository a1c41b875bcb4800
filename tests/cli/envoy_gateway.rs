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
