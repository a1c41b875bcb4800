//! `meshctl simulate` through an egress gateway: the sidecar hop `ROUTED`, the gateway's own
//! hop (listener, chain, AuthorizationPolicy, cluster), `--gateway` for that hop alone, and
//! `--expect` with `via:` and `authz:`, on Istio's egress-gateway TCP example.

use super::common::{meshctl, outcome};

fn simulate(args: &[&str]) -> String {
    outcome(
        meshctl()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("simulate")
            .args(args)
            .args(["-f", "fixtures/egress-gateway", "--color", "never"]),
        &[],
    )
}

#[test]
fn the_admitted_namespace_leaves_through_the_gateway() {
    insta::assert_snapshot!(simulate(&[
        "203.0.113.7:3306",
        "--source-namespace",
        "bookinfo"
    ]));
}

#[test]
fn another_namespace_is_refused_at_the_gateway() {
    let text = simulate(&["203.0.113.7:3306", "--source-namespace", "other"]);
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(
        text.contains("then:     DENY at gateway istio-system/istio-egressgateway"),
        "{text}"
    );
    assert!(
        text.contains("authz:    DENY by AuthorizationPolicy istio-system/egress-ratings-db"),
        "{text}"
    );
    assert!(
        text.contains("client:   cluster.local/ns/other/sa/default"),
        "{text}"
    );
}

#[test]
fn json_has_one_hop_per_proxy() {
    let text = simulate(&[
        "203.0.113.7:3306",
        "--source-namespace",
        "bookinfo",
        "--service-account",
        "ratings",
        "-o",
        "json",
    ]);
    let json = text.split_once("--- stdout\n").expect("stdout").1;
    let json = json.split("\n--- stderr").next().expect("stdout part");
    let report: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let hops = report["connections"][0]["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 2);
    assert_eq!(hops[0]["proxy"], "sidecar");
    assert_eq!(hops[0]["verdict"], "ROUTED");
    assert_eq!(hops[1]["proxy"], "gateway");
    assert_eq!(hops[1]["verdict"], "ALLOW");
    assert_eq!(hops[1]["cluster"], "outbound|3306||ratings-db.tcp.svc");
    assert_eq!(hops[1]["principal"], "cluster.local/ns/bookinfo/sa/ratings");
    assert_eq!(hops[1]["authz"]["verdict"], "ALLOW");
    assert_eq!(report["connections"][0]["verdict"], "ALLOW");
}

#[test]
fn gateway_flag_decides_the_second_hop_alone() {
    let allowed = simulate(&[
        "203.0.113.7:7777",
        "--gateway",
        "istio=egressgateway",
        "--source-namespace",
        "istio-system",
        "--sni",
        "ratings-db.tcp.svc",
        "--principal",
        "cluster.local/ns/bookinfo/sa/ratings",
    ]);
    assert!(allowed.starts_with("exit: 0"), "{allowed}");
    assert!(
        allowed.contains("-> outbound|3306||ratings-db.tcp.svc"),
        "{allowed}"
    );
    // No mesh certificate: the ISTIO_MUTUAL server's handshake fails.
    let no_cert = simulate(&[
        "203.0.113.7:7777",
        "--gateway",
        "istio=egressgateway",
        "--source-namespace",
        "istio-system",
        "--sni",
        "ratings-db.tcp.svc",
    ]);
    assert!(no_cert.starts_with("exit: 1"), "{no_cert}");
    assert!(no_cert.contains("no mesh certificate"), "{no_cert}");
    // Labels no Gateway selects: said on stderr, and nothing listens.
    let nobody = simulate(&[
        "203.0.113.7:7777",
        "--gateway",
        "app=web",
        "--source-namespace",
        "istio-system",
    ]);
    assert!(
        nobody.contains("no Gateway selects a workload labelled app=web"),
        "{nobody}"
    );
    assert!(nobody.contains("no listener on port 7777"), "{nobody}");
}

#[test]
fn expect_checks_the_gateway_and_its_authorization() {
    let pass = simulate(&["--expect", "fixtures/egress-gateway/calls.yaml"]);
    assert!(pass.contains("2 passed, 0 failed"), "{pass}");
    let fail = simulate(&["--expect", "fixtures/egress-gateway/calls-wrong-authz.yaml"]);
    assert!(fail.contains("0 passed, 1 failed"), "{fail}");
    assert!(
        fail.contains("istio-system/istio-egressgateway: DENY cluster outbound|3306||ratings-db.tcp.svc, authz DENY (decided by Gateway"),
        "the failure names each hop's verdict and authz: {fail}"
    );
}
