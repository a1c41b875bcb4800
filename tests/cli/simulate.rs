//! `meshctl simulate`: verdicts, explanations and exit codes for the blog's scenario, host and
//! DSN destinations, TLS, scope, capture and the `--expect` batch mode.

use super::common::{meshctl, outcome, stdout};
use meshctl_testkit::dns::TestDns;

fn simulate(args: &[&str]) -> String {
    outcome(
        meshctl()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("simulate")
            .args(args)
            .args(["--color", "never"]),
        &[],
    )
}

const BLOG: &str = "fixtures/blog/mysql-external.yaml";

#[test]
fn the_blog_entry_allows_its_address() {
    insta::assert_snapshot!(simulate(&["203.0.113.7:3306", "-f", BLOG]));
}

#[test]
fn another_address_is_denied_with_the_near_miss() {
    let text = simulate(&["203.0.113.9:3306", "-f", BLOG]);
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(text.contains("did the IP change?"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn allow_any_lets_it_pass_through() {
    let text = simulate(&[
        "203.0.113.9:3306",
        "-f",
        BLOG,
        "--outbound-policy",
        "ALLOW_ANY",
    ]);
    assert!(
        text.starts_with("exit: 0\n--- stdout\nPASSTHROUGH 203.0.113.9:3306"),
        "{text}"
    );
    assert!(
        text.contains("policy:   ALLOW_ANY (--outbound-policy flag)"),
        "{text}"
    );
}

#[test]
fn verbose_prints_the_trace() {
    insta::assert_snapshot!(simulate(&["203.0.113.9:3306", "-f", BLOG, "-v"]));
}

#[test]
fn json_output() {
    insta::assert_snapshot!(simulate(&["203.0.113.9:3306", "-f", BLOG, "-o", "json"]));
}

#[test]
fn an_address_less_tcp_entry_allows_every_ip_under_both_policies() {
    let open = "fixtures/check/MSH201-hosts-ignored-for-tcp.yaml";
    for policy in ["REGISTRY_ONLY", "ALLOW_ANY"] {
        let text = simulate(&[
            "198.51.100.99:3306",
            "-f",
            open,
            "--outbound-policy",
            policy,
            "-o",
            "json",
        ]);
        let json: serde_json::Value =
            serde_json::from_str(super::common::stdout_section(&text)).expect("json");
        assert_eq!(json["verdict"], "ALLOW", "{policy}: {text}");
        assert_eq!(
            json["connections"][0]["listener"], "0.0.0.0_3306",
            "{policy}"
        );
    }
}

#[test]
fn mesh_config_among_inputs_or_by_flag_sets_the_policy() {
    let text = simulate(&["203.0.113.9:3306", "-f", "fixtures/blog"]);
    assert!(
        text.contains(
            "policy:   REGISTRY_ONLY (mesh config fixtures/blog/mesh-registry-only.yaml:"
        ),
        "{text}"
    );
    let text = simulate(&[
        "203.0.113.9:3306",
        "-f",
        BLOG,
        "--mesh-config",
        "fixtures/mesh/allow-any.yaml",
    ]);
    assert!(
        text.starts_with("exit: 0\n--- stdout\nPASSTHROUGH"),
        "{text}"
    );
    assert!(
        text.contains("(mesh config fixtures/mesh/allow-any.yaml:3:9)"),
        "{text}"
    );
}

#[test]
fn a_host_destination_decides_every_resolved_address() {
    let dns = TestDns::start();
    let port = format!(":{}", dns.addr().port());
    let text = outcome(
        meshctl()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "simulate",
                "db.example.com:3306",
                "-f",
                BLOG,
                "-o",
                "json",
                "--nameserver",
            ])
            .arg(dns.nameserver_arg()),
        &[(&port, ":[PORT]")],
    );
    let json: serde_json::Value =
        serde_json::from_str(super::common::stdout_section(&text)).expect("json");
    let verdicts: Vec<_> = json["connections"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| (c["address"].clone(), c["verdict"].clone()))
        .collect();
    assert_eq!(
        verdicts,
        [
            (serde_json::json!("203.0.113.7"), serde_json::json!("ALLOW")),
            (serde_json::json!("203.0.113.8"), serde_json::json!("DENY")),
            (serde_json::json!("2001:db8::7"), serde_json::json!("DENY")),
        ]
    );
    assert_eq!(json["verdict"], "DENY", "the most restrictive wins");
    assert!(text.starts_with("exit: 1"));
}

#[test]
fn dsn_destinations_use_the_scheme_port_and_hide_the_password() {
    let text = simulate(&[
        "mysql://bookinfo:hunter2@203.0.113.7/test",
        "-f",
        BLOG,
        "-o",
        "json",
    ]);
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("\"port\": 3306"), "{text}");
}

#[test]
fn tls_sni_and_export_scope() {
    let api = "fixtures/serviceentry/valid/tls-api.yaml";
    let from = |sni: &str, namespace: &str| {
        simulate(&[
            "198.51.100.1:443",
            "-f",
            api,
            "--sni",
            sni,
            "--source-namespace",
            namespace,
        ])
    };
    let text = from("api.example.com", "payments");
    assert!(
        text.starts_with("exit: 0\n--- stdout\nALLOW 198.51.100.1:443 (tls, SNI api.example.com) via ServiceEntry payments/api"),
        "{text}"
    );
    let text = from("v2.api.example.com", "payments");
    assert!(text.starts_with("exit: 0"), "wildcard host: {text}");
    let text = from("other.example.com", "payments");
    assert!(text.starts_with("exit: 1"), "{text}");
    let text = from("api.example.com", "default");
    assert!(
        text.starts_with("exit: 1"),
        "exportTo . hides it from default: {text}"
    );
    assert!(text.contains("not exported"), "{text}");
}

#[test]
fn loop_guard_and_capture_bypass() {
    let text = simulate(&["203.0.113.7:15001", "-f", BLOG]);
    assert!(text.starts_with("exit: 1\n--- stdout\nDENY"), "{text}");
    let text = simulate(&[
        "203.0.113.9:3306",
        "-f",
        BLOG,
        "--annotation",
        "traffic.sidecar.istio.io/excludeOutboundPorts=3306",
    ]);
    assert!(text.starts_with("exit: 0\n--- stdout\nBYPASS"), "{text}");
}

#[test]
fn rejected_inputs_are_left_out_and_named_with_file_line_and_field() {
    // Istio's API server rejects a port given as a string: the entry never reaches a sidecar,
    // so simulate decides without it and says so on stderr.
    insta::assert_snapshot!(
        "invalid_input",
        simulate(&[
            "203.0.113.7:3306",
            "-f",
            "fixtures/serviceentry/invalid/port-as-string.yaml"
        ])
    );
    insta::assert_snapshot!("missing_port", simulate(&["203.0.113.7", "-f", BLOG]));
    let text = simulate(&[
        "203.0.113.7:3306",
        "-f",
        "fixtures/check/MSH001-parse-error.yaml",
    ]);
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(
        text.contains("MSH001-parse-error.yaml:") && text.contains("MSH001"),
        "{text}"
    );
}

#[test]
fn no_configuration_is_an_error_not_a_denial() {
    let text = simulate(&["203.0.113.7:3306"]);
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(
        text.contains("no configuration loaded: pass -f PATH"),
        "{text}"
    );
}

#[test]
fn a_destination_with_expect_is_a_usage_error() {
    let text = simulate(&[
        "203.0.113.7:3306",
        "--expect",
        "fixtures/simulate/calls-pass.yaml",
        "-f",
        BLOG,
    ]);
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(text.contains("cannot be used with"), "{text}");
}

#[test]
fn expect_mode_passes() {
    let text = simulate(&[
        "--expect",
        "fixtures/simulate/calls-pass.yaml",
        "-f",
        "fixtures/blog",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn expect_mode_fails_on_a_wrong_expectation() {
    let text = simulate(&[
        "--expect",
        "fixtures/simulate/calls-fail.yaml",
        "-f",
        "fixtures/blog",
    ]);
    assert!(text.starts_with("exit: 1"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn expect_file_errors_name_the_position() {
    let text = simulate(&[
        "--expect",
        "fixtures/simulate/calls-invalid.yaml",
        "-f",
        BLOG,
    ]);
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(
        text.contains("fixtures/simulate/calls-invalid.yaml:3:"),
        "{text}"
    );
}

#[test]
fn expect_json_is_machine_readable() {
    let out = stdout(
        meshctl().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "simulate",
            "--expect",
            "fixtures/simulate/calls-pass.yaml",
            "-f",
            "fixtures/blog",
            "-o",
            "json",
        ]),
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(4));
    assert!(
        json.as_array()
            .expect("list")
            .iter()
            .all(|o| o["passed"] == true)
    );
}

#[test]
fn mesh_dns_capture_applies_to_single_and_expect_modes_alike() {
    // An address-less DNS entry with an auto-allocated VIP: with DNS proxying (from the mesh
    // config) the workload dials the VIP and nothing else on 3306 is hijacked.
    let dir = std::env::temp_dir().join(format!("meshctl-vip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("config.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  resolution: DNS\nstatus:\n  addresses: [{value: 240.240.0.5, host: db.example.com}]\n---\ndefaultConfig:\n  proxyMetadata: {ISTIO_META_DNS_CAPTURE: \"true\"}\n",
    )
    .expect("write config");
    std::fs::write(
        dir.join("calls.yaml"),
        "calls:\n- {destination: 240.240.0.5:3306, expect: ALLOW, entry: default/db}\n- {destination: 198.51.100.9:3306, expect: DENY}\n",
    )
    .expect("write calls");
    let config = dir.join("config.yaml");
    let config = config.to_str().expect("utf-8 path");
    let calls = dir.join("calls.yaml");
    let single = simulate(&["198.51.100.9:3306", "-f", config]);
    assert!(single.starts_with("exit: 1"), "{single}");
    let batch = simulate(&[
        "--expect",
        calls.to_str().expect("utf-8 path"),
        "-f",
        config,
    ]);
    assert!(batch.starts_with("exit: 0"), "{batch}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn expect_table_aligns_with_colour_on() {
    // Colour codes take no columns on a terminal: with them stripped, every row's cells start
    // where the header's do.
    let text = outcome(
        meshctl().args([
            "simulate",
            "--expect",
            "fixtures/simulate/calls-fail.yaml",
            "-f",
            "fixtures/blog",
            "--color",
            "always",
        ]),
        &[],
    );
    assert!(text.contains("\u{1b}["), "colour was not on: {text}");
    insta::assert_snapshot!(text);
    let visible: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("RESULT"))
        .take(3)
        .map(|l| {
            let mut out = String::new();
            let mut chars = l.chars();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' {
                    chars.by_ref().find(|c| *c == 'm');
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect();
    assert_eq!(visible.len(), 3, "{text}");
    let column = |row: &str, cell: &str| row.find(cell).expect("cell present");
    let got = column(&visible[0], "GOT");
    assert_eq!(column(&visible[1], "ALLOW  default/"), got, "{visible:#?}");
    assert_eq!(column(&visible[2], "DENY"), got, "{visible:#?}");
    let destination = column(&visible[0], "DESTINATION");
    assert_eq!(column(&visible[1], "203.0.113.7"), destination);
    assert_eq!(column(&visible[2], "203.0.113.8"), destination);
}

#[test]
fn expect_checks_clusters_and_the_resources_on_the_path() {
    let pass = simulate(&[
        "--expect",
        "fixtures/routes/calls.yaml",
        "-f",
        "fixtures/routes",
    ]);
    assert!(pass.contains("3 passed, 0 failed"), "{pass}");
    let fail = simulate(&[
        "--expect",
        "fixtures/routes/calls-wrong-cluster.yaml",
        "-f",
        "fixtures/routes",
    ]);
    assert!(fail.contains("0 passed, 1 failed"), "{fail}");
    assert!(
        fail.contains("sidecar: ALLOW cluster outbound|3306|replica|orders-db.example.com"),
        "the failure names the cluster the route chose: {fail}"
    );
}

#[test]
fn json_hops_name_the_route_and_its_resources() {
    let text = simulate(&[
        "203.0.113.7:3306",
        "-f",
        "fixtures/routes",
        "--source-namespace",
        "shop",
        "-o",
        "json",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(super::common::stdout_section(&text)).expect("json");
    let connection = &json["connections"][0];
    assert_eq!(connection["verdict"], "ALLOW", "{text}");
    let hop = &connection["hops"][0];
    assert_eq!(hop["proxy"], "sidecar");
    assert_eq!(hop["verdict"], "ALLOW");
    assert_eq!(hop["listener"], "203.0.113.7_3306");
    assert_eq!(
        hop["cluster"],
        "outbound|3306|primary|orders-db.example.com"
    );
    assert_eq!(hop["transport"], "plaintext");
    let deciding: Vec<&str> = hop["deciding"]
        .as_array()
        .expect("deciding")
        .iter()
        .map(|d| d["resource"].as_str().expect("resource"))
        .collect();
    assert_eq!(
        deciding,
        [
            "ServiceEntry shop/orders-db",
            "VirtualService shop/orders-db",
            "DestinationRule shop/orders-db"
        ],
        "the entry, the route and the rule whose subset the route names"
    );
    assert!(
        hop["deciding"][1]["origin"]
            .as_str()
            .is_some_and(|o| o.starts_with("fixtures/routes/mesh.yaml:")),
        "{hop}"
    );
}
