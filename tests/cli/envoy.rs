//! `meshctl export envoy` and `meshctl simulate --config-dump`, against config dumps taken from
//! the real Envoy in the differential test (fixtures/envoy/README.md says how they were made).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{meshctl, outcome, stdout};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

const DUMPS: [&str; 2] = ["envoy/registry-only", "envoy/allow-any"];

/// `simulate DEST -o json` for one call of calls.json, with the given source of listeners.
fn decide(call: &Value, source: &[&Path], flag: &str) -> (String, Value) {
    let ip = call["dst"].as_str().expect("dst");
    let port = call["port"].as_u64().expect("port");
    let dest = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    let mut cmd = meshctl();
    cmd.args(["simulate", &dest, "-o", "json"]);
    match flag {
        "-f" => {
            cmd.arg("-f")
                .arg(source[0])
                .arg("--mesh-config")
                .arg(source[1])
                .args(["--source-namespace", "app"]);
        }
        _ => {
            cmd.arg(flag).arg(source[0]);
        }
    }
    if let Some(sni) = call["sni"].as_str() {
        cmd.args(["--sni", sni]);
    } else if call["tls"].as_bool() == Some(true) {
        cmd.arg("--tls");
    }
    let output = cmd.output().expect("runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{dest}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("simulate JSON");
    let c = &report["connections"][0];
    let path = serde_json::json!({
        "verdict": c["verdict"], "listener": c["listener"],
        "filter_chain": c["filter_chain"], "cluster": c["cluster"],
    });
    (dest, path)
}

fn calls(dir: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(dir).join("calls.json")).expect("calls.json");
    let calls: Vec<Value> = serde_json::from_str(&text).expect("calls JSON");
    assert!(!calls.is_empty(), "{dir}: no calls");
    calls
}

#[test]
fn config_dump_decides_like_the_yaml_it_came_from() {
    let mut verdicts = std::collections::BTreeSet::new();
    for dir in DUMPS {
        let config = fixture(dir).join("config.yaml");
        let mesh = fixture(dir).join("mesh.yaml");
        let dump = fixture(dir).join("config_dump.json");
        for call in calls(dir) {
            let (dest, from_yaml) = decide(&call, &[&config, &mesh], "-f");
            let (_, from_dump) = decide(&call, &[&dump], "--config-dump");
            assert_eq!(from_yaml, from_dump, "{dir} {dest}");
            verdicts.insert(from_yaml["verdict"].as_str().unwrap_or_default().to_owned());
        }
    }
    // The fixtures exercise every verdict a dump can produce.
    assert_eq!(
        verdicts.into_iter().collect::<Vec<_>>(),
        ["ALLOW", "DENY", "PASSTHROUGH"]
    );
}

#[test]
fn istioctl_listener_arrays_are_accepted() {
    for dir in DUMPS {
        let dump = fixture(dir).join("config_dump.json");
        let listeners = fixture(dir).join("istioctl-listeners.json");
        for call in calls(dir) {
            let (dest, full) = decide(&call, &[&dump], "--config-dump");
            let (_, bare) = decide(&call, &[&listeners], "--config-dump");
            assert_eq!(full, bare, "{dir} {dest}");
        }
    }
}

#[test]
fn simulate_from_a_dump_prints_the_usual_report() {
    let dump = fixture("envoy/registry-only/config_dump.json");
    insta::assert_snapshot!(outcome(
        meshctl()
            .args(["simulate", "198.51.100.11:5432", "--config-dump"])
            .arg(&dump)
            .args(["--color", "never"]),
        &[(env!("CARGO_MANIFEST_DIR"), "[ROOT]")],
    ));
}

#[test]
fn diff_against_the_sidecar_that_loaded_the_export_is_empty() {
    for dir in DUMPS {
        let text = outcome(
            meshctl()
                .args(["export", "envoy", "--source-namespace", "app", "-f"])
                .arg(fixture(dir).join("config.yaml"))
                .arg("--mesh-config")
                .arg(fixture(dir).join("mesh.yaml"))
                .arg("--diff")
                .arg(fixture(dir).join("config_dump.json")),
            &[],
        );
        assert!(text.starts_with("exit: 0"), "{dir}: {text}");
        assert!(text.contains("no differences"), "{dir}: {text}");
    }
}

#[test]
fn diff_lists_what_the_sidecar_does_not_run() {
    // The YAML of one configuration against the dump of the other.
    insta::assert_snapshot!(outcome(
        meshctl()
            .args(["export", "envoy", "--source-namespace", "app", "-f"])
            .arg(fixture("envoy/allow-any/config.yaml"))
            .arg("--mesh-config")
            .arg(fixture("envoy/allow-any/mesh.yaml"))
            .arg("--diff")
            .arg(fixture("envoy/registry-only/config_dump.json")),
        &[(env!("CARGO_MANIFEST_DIR"), "[ROOT]")],
    ));
}

#[test]
fn a_dump_without_listeners_is_a_clear_error() {
    let dir = tempdir();
    let empty = dir.join("clusters-only.json");
    std::fs::write(
        &empty,
        r#"[{"name": "outbound|3306||db.example.com", "type": "ORIGINAL_DST"}]"#,
    )
    .expect("write");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"configs\": [\n    oops\n").expect("write");
    let tmp = dir.display().to_string();
    let text = [&empty, &broken]
        .iter()
        .map(|f| {
            outcome(
                meshctl()
                    .args(["simulate", "198.51.100.7:3306", "--config-dump"])
                    .arg(f),
                &[(&tmp, "[TMP]")],
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::remove_dir_all(&dir).ok();
    insta::assert_snapshot!(text);
}

#[test]
fn export_is_byte_stable_and_shaped_like_istio() {
    let run = || {
        stdout(
            meshctl()
                .args(["export", "envoy", "-f"])
                .arg(fixture("blog/mysql-external.yaml")),
            0,
        )
    };
    let yaml = run();
    assert_eq!(yaml, run(), "two exports of one input differ");
    insta::assert_snapshot!(yaml);
    let json: Value = serde_json::from_str(&stdout(
        meshctl()
            .args(["export", "envoy", "-o", "json", "-f"])
            .arg(fixture("check/MSH402-overlapping-cidrs.yaml")),
        0,
    ))
    .expect("JSON");
    let listeners = json["static_resources"]["listeners"]
        .as_array()
        .expect("listeners");
    let names: Vec<&str> = listeners
        .iter()
        .map(|l| l["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["virtualOutbound", "virtualInbound", "0.0.0.0_5432"]);
    let chains = listeners[2]["filter_chains"].as_array().expect("chains");
    let prefixes: Vec<&Value> = chains
        .iter()
        .map(|c| &c["filter_chain_match"]["prefix_ranges"][0])
        .collect();
    assert_eq!(
        prefixes,
        [
            // Istio's processing order: same creation time, so host name order
            // (`pg-primary.example.com` before `pg.example.com`).
            &serde_json::json!({"address_prefix": "198.51.100.128", "prefix_len": 25}),
            &serde_json::json!({"address_prefix": "198.51.100.0", "prefix_len": 24}),
        ]
    );
    assert_eq!(
        listeners[2]["default_filter_chain"]["name"],
        "PassthroughFilterChain"
    );
    assert_eq!(listeners[2]["bind_to_port"], false);
}

#[test]
fn export_leaves_out_what_istio_would_reject() {
    // As simulate and the proxy do: the rejected entry never reaches the sidecar, so the export
    // has no cluster for it, and stderr names it.
    let text = outcome(
        meshctl()
            .args(["export", "envoy", "-f"])
            .arg(fixture("check/MSH103-cidr-with-dns-resolution.yaml")),
        &[(env!("CARGO_MANIFEST_DIR"), "[ROOT]")],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    let (stdout, stderr) = text.split_once("--- stderr\n").expect("sections");
    assert!(
        !stdout.contains("outbound|3306||db.example.com"),
        "{stdout}"
    );
    assert!(stdout.contains("BlackHoleCluster"), "{stdout}");
    assert!(
        stderr.contains("MSH103") && stderr.contains("bookinfo/mysql-external"),
        "{stderr}"
    );
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "meshctl-envoy-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Envoy hands an IPv6 destination only to a `[::]:<port>` listener. The real dump (a
/// dual-stack export) is edited to drop the `::` of `0.0.0.0_9042`, as an IPv4-only sidecar
/// would have it: the IPv6 connection then falls to virtualOutbound, and the trace says why.
#[test]
fn ipv4_only_wildcard_listeners_do_not_take_ipv6() {
    let path = fixture("envoy/registry-only/config_dump.json");
    let mut dump: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("dump")).expect("JSON");
    let mut edited = 0;
    for config in dump["configs"].as_array_mut().expect("configs") {
        for item in config["static_listeners"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let listener = &mut item["listener"];
            if listener["name"] == "0.0.0.0_9042" {
                listener
                    .as_object_mut()
                    .expect("listener")
                    .remove("additional_addresses");
                edited += 1;
            }
        }
    }
    assert_eq!(edited, 1);
    let dir = tempdir();
    let v4_only = dir.join("v4-only.json");
    std::fs::write(&v4_only, dump.to_string()).expect("write");
    let simulate = |file: &Path| {
        outcome(
            meshctl()
                .args([
                    "simulate",
                    "[2001:db8:3::1]:9042",
                    "-v",
                    "--color",
                    "never",
                    "--config-dump",
                ])
                .arg(file),
            &[
                (&dir.display().to_string(), "[TMP]"),
                (env!("CARGO_MANIFEST_DIR"), "[ROOT]"),
            ],
        )
    };
    let text = format!("{}\n{}", simulate(&path), simulate(&v4_only));
    std::fs::remove_dir_all(&dir).ok();
    insta::assert_snapshot!(text);
}

/// The unspecified address is no pin: every spelling of it lands on the port's one wildcard
/// listener, so two such entries never become two listeners with one name (Envoy would reject
/// the bootstrap), and simulate says what that listener does.
#[test]
fn unspecified_addresses_share_the_wildcard_listener() {
    let dir = tempdir();
    let path = dir.join("entries.yaml");
    let mut yaml = String::new();
    for (i, address) in [
        "0.0.0.0",
        "0.0.0.0/32",
        "'::'",
        "'::/128'",
        "'::ffff:0.0.0.0'",
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            yaml,
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db{i}, namespace: default}}\nspec:\n  hosts: [db{i}.example.com]\n  addresses: [{address}]\n  ports: [{{number: 3306, name: tcp, protocol: TCP}}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n---\n"
        );
    }
    std::fs::write(&path, yaml).expect("write entries");
    let json: Value = serde_json::from_str(&stdout(
        meshctl()
            .args(["export", "envoy", "-o", "json", "-f"])
            .arg(&path),
        0,
    ))
    .expect("JSON");
    let names: Vec<&str> = json["static_resources"]["listeners"]
        .as_array()
        .expect("listeners")
        .iter()
        .map(|l| l["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["virtualOutbound", "virtualInbound", "0.0.0.0_3306"]);
    let out = stdout(
        meshctl()
            .args([
                "simulate",
                "203.0.113.9:3306",
                "--outbound-policy",
                "REGISTRY_ONLY",
                "-f",
            ])
            .arg(&path),
        0,
    );
    assert!(out.starts_with("ALLOW 203.0.113.9:3306"), "{out}");
}

/// The `tcp_proxy` config of the listener named `listener`'s first chain.
fn tcp_proxy_of<'a>(bootstrap: &'a Value, listener: &str) -> &'a Value {
    let listeners = bootstrap["static_resources"]["listeners"]
        .as_array()
        .expect("listeners");
    let found = listeners
        .iter()
        .find(|l| l["name"] == listener)
        .unwrap_or_else(|| panic!("no listener {listener}"));
    let chain = found["filter_chains"]
        .get(0)
        .or_else(|| found.get("default_filter_chain"))
        .expect("a chain");
    &chain["filters"]
        .as_array()
        .expect("filters")
        .last()
        .expect("tcp_proxy")["typed_config"]
}

#[test]
fn export_carries_routes_subsets_transport_and_tunnels() {
    let json: Value = serde_json::from_str(&stdout(
        meshctl()
            .args([
                "export",
                "envoy",
                "-o",
                "json",
                "--source-namespace",
                "shop",
                "-f",
            ])
            .arg(fixture("routes-transport")),
        0,
    ))
    .expect("JSON");
    let split = tcp_proxy_of(&json, "198.51.100.6_3306");
    assert_eq!(
        split["weighted_clusters"]["clusters"],
        serde_json::json!([
            {"name": "outbound|3306|v1|reports.example.com", "weight": 30},
            {"name": "outbound|3306|v2|reports.example.com", "weight": 70},
        ]),
        "{split}"
    );
    let tunnel = tcp_proxy_of(&json, "198.51.100.5_5432");
    assert_eq!(tunnel["cluster"], "outbound|5432||pg.example.com");
    assert_eq!(tunnel["tunneling_config"]["hostname"], "198.51.100.5:5432");
    let clusters = json["static_resources"]["clusters"]
        .as_array()
        .expect("clusters");
    let cluster = |name: &str| {
        clusters
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no cluster {name}"))
    };
    let pg = &cluster("outbound|5432||pg.example.com")["transport_socket"]["typed_config"];
    assert_eq!(
        pg["sni"], "pg.example.com",
        "SIMPLE origination with the rule's SNI"
    );
    let v2 = &cluster("outbound|3306|v2|reports.example.com")["transport_socket"]["typed_config"];
    assert_eq!(
        v2["sni"], "outbound_.3306_.v2_.reports.example.com",
        "ISTIO_MUTUAL's default SNI"
    );
    assert!(
        cluster("outbound|3306|v1|reports.example.com")
            .get("transport_socket")
            .is_none(),
        "the v1 subset stays plaintext"
    );
    let billing = cluster("outbound|3306||billing-db.example.com");
    assert_eq!(
        billing["circuit_breakers"]["thresholds"][0]["max_connections"],
        50
    );
    assert_eq!(billing["connect_timeout"], "2.500000000s");
    assert_eq!(
        billing["upstream_connection_options"]["tcp_keepalive"]["keepalive_probes"],
        3
    );
    assert_eq!(
        tcp_proxy_of(&json, "198.51.100.9_3306")["idle_timeout"],
        "900s"
    );
}
