//! `meshctl gen serviceentry`: generated documents, DNS-backed and flag-backed, and refusals.

use super::common::{meshctl, outcome, stdout};
use meshctl_testkit::dns::TestDns;

fn generate(dns: &TestDns, args: &[&str]) -> String {
    let port = format!(":{}", dns.addr().port());
    outcome(
        meshctl()
            .args(["gen", "serviceentry"])
            .args(args)
            .arg("--nameserver")
            .arg(dns.nameserver_arg()),
        &[(&port, ":[PORT]")],
    )
}

#[test]
fn resolved_addresses_become_host_routes() {
    let dns = TestDns::start();
    let text = generate(&dns, &["db.example.com"]);
    for want in [
        "- 203.0.113.7/32",
        "- 203.0.113.8/32",
        "- 2001:db8::7/128",
        "location: MESH_EXTERNAL",
        "protocol: TCP",
        "name: tcp",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn output_is_byte_stable() {
    let dns = TestDns::start();
    assert_eq!(
        generate(&dns, &["db.example.com"]),
        generate(&dns, &["db.example.com"])
    );
}

#[test]
fn cname_targets_are_resolved() {
    let dns = TestDns::start();
    let text = generate(&dns, &["alias.example.com:5432", "--protocol", "tls"]);
    insta::assert_snapshot!(text);
}

#[test]
fn json_output_and_namespace() {
    let dns = TestDns::start();
    insta::assert_snapshot!(generate(
        &dns,
        &[
            "db.example.com",
            "-o",
            "json",
            "-n",
            "bookinfo",
            "--api-version",
            "v1beta1"
        ]
    ));
}

#[test]
fn several_ports_get_unique_names() {
    let text = stdout(
        meshctl().args([
            "gen",
            "se",
            "db.example.com",
            "--address",
            "203.0.113.7",
            "--port",
            "3306",
            "--port",
            "33060",
        ]),
        0,
    );
    insta::assert_snapshot!(text);
}

#[test]
fn addresses_from_flags_skip_dns() {
    // No nameserver: a DNS query here would go to the system resolver and fail in CI.
    let text = outcome(
        meshctl().args([
            "gen",
            "serviceentry",
            "db.example.com",
            "--no-resolve",
            "--address",
            "203.0.113.7",
            "--address",
            "198.51.100.0/24",
            "--address",
            "2001:db8::7",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn dns_resolution_refuses_cidr_blocks() {
    let text = outcome(
        meshctl().args([
            "gen",
            "serviceentry",
            "db.example.com",
            "--address",
            "198.51.100.0/24",
            "--resolution",
            "DNS",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn dns_resolution_writes_bare_ips() {
    let text = stdout(
        meshctl().args([
            "gen",
            "serviceentry",
            "db.example.com",
            "--address",
            "203.0.113.7",
            "--resolution",
            "DNS",
        ]),
        0,
    );
    assert!(text.contains("- \"203.0.113.7\"\n"), "{text}");
    assert!(text.contains("resolution: DNS"), "{text}");
}

#[test]
fn environment_defaults_work_out_of_the_box() {
    let text = stdout(
        meshctl()
            .args(["gen", "serviceentry", "--address", "203.0.113.7"])
            .env("MYSQL_DB_HOST", "mysql.example.com")
            .env("MYSQL_DB_PORT", "3307"),
        0,
    );
    assert!(text.contains("name: mysql-example-com-3307"), "{text}");
    assert!(text.contains("number: 3307"), "{text}");
    // Without HOST or $MYSQL_DB_HOST there is nothing sensible to write: a `localhost` entry
    // is never used, because the sidecar does not capture loopback.
    let text = outcome(
        meshctl().args(["gen", "serviceentry", "--address", "203.0.113.7"]),
        &[],
    );
    assert!(
        text.starts_with("exit: 2\n--- stdout\n--- stderr\n"),
        "{text}"
    );
    assert!(text.contains("set MYSQL_DB_HOST"), "{text}");
    assert!(!text.contains("localhost"), "{text}");
}

#[test]
fn dsn_schemes_set_port_and_protocol() {
    let cases = [
        ("postgres://u:p@pg.example.com/db", "5432", "TCP"),
        ("mysql://u:p@db.example.com/app", "3306", "TCP"),
        ("mongodb://m.example.com/app", "27017", "MONGO"),
        ("mongodb+srv://m.example.com/app", "27017", "MONGO"),
        ("redis://r.example.com", "6379", "TCP"),
    ];
    for (dsn, port, protocol) in cases {
        let text = stdout(
            meshctl().args(["gen", "serviceentry", dsn, "--address", "198.51.100.6"]),
            0,
        );
        assert!(text.contains(&format!("number: {port}\n")), "{dsn}: {text}");
        assert!(
            text.contains(&format!("protocol: {protocol}\n")),
            "{dsn}: {text}"
        );
        assert!(!text.contains("p@"), "{dsn}: the password leaked: {text}");
    }
    // --port and --protocol override the scheme.
    let text = stdout(
        meshctl().args([
            "gen",
            "serviceentry",
            "mongodb://m.example.com/app",
            "--address",
            "198.51.100.6",
            "--port",
            "27018",
            "--protocol",
            "TCP",
        ]),
        0,
    );
    assert!(
        text.contains("number: 27018\n") && text.contains("protocol: TCP\n"),
        "{text}"
    );
}

#[test]
fn what_check_rejects_is_refused_unless_forced() {
    let args = [
        "gen",
        "serviceentry",
        "db.example.com",
        "--address",
        "0.0.0.0/0",
    ];
    let refused = outcome(meshctl().args(args), &[]);
    let forced = outcome(meshctl().args(args).arg("--force"), &[]);
    assert!(forced.starts_with("exit: 0\n"), "{forced}");
    assert!(forced.contains("- 0.0.0.0/0\n"), "{forced}");
    assert!(forced.contains("MSH204"), "{forced}");
    insta::assert_snapshot!(refused);
}

#[test]
fn a_cidr_with_host_bits_is_refused_with_both_readings() {
    let text = outcome(
        meshctl().args([
            "gen",
            "serviceentry",
            "db.example.com",
            "--address",
            "203.0.113.7/24",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn dns_warnings_go_to_stderr_with_their_rule_code() {
    let dns = TestDns::start();
    let text = generate(&dns, &["provider.example.com"]);
    assert!(text.starts_with("exit: 0\n"), "{text}");
    insta::assert_snapshot!(text);
    // -q keeps warnings out; the entry is still written.
    let quiet = generate(&dns, &["provider.example.com", "-q"]);
    assert!(quiet.ends_with("--- stderr\n"), "{quiet}");
}

#[test]
fn a_large_address_pool_is_pinned_with_a_warning() {
    let mut args = vec!["gen", "serviceentry", "assets.example.com"];
    let addresses: Vec<String> = (1..=9).map(|i| format!("198.51.100.{i}")).collect();
    for address in &addresses {
        args.extend(["--address", address]);
    }
    let text = outcome(meshctl().args(&args), &[]);
    assert!(
        text.starts_with("exit: 0\n"),
        "a warning does not refuse: {text}"
    );
    let stderr = text.split("--- stderr\n").nth(1).expect("stderr");
    assert!(
        stderr.contains("MSH309") && stderr.contains("9 pinned addresses"),
        "{stderr}"
    );
    // Eight is a database with replicas: no warning.
    let eight = outcome(meshctl().args(&args[..args.len() - 2]), &[]);
    assert!(!eight.contains("MSH309"), "{eight}");
}

#[test]
fn annotations_record_provenance() {
    let dns = TestDns::start();
    let text = generate(&dns, &["lowttl.example.com", "--annotate"]);
    assert!(
        text.contains("meshctl.dev/min-ttl: '5'") || text.contains("meshctl.dev/min-ttl: \"5\""),
        "{text}"
    );
    assert!(
        text.contains("meshctl.dev/resolver: 127.0.0.1:[PORT] (udp)"),
        "{text}"
    );
    assert!(text.contains("meshctl.dev/generated-at: "), "{text}");
}

#[test]
fn error_paths() {
    let dns = TestDns::start();
    let cases: &[(&str, &[&str])] = &[
        (
            "bad_cidr",
            &["db.example.com", "--address", "10.0.0.300/32"],
        ),
        (
            "unknown_protocol",
            &[
                "db.example.com",
                "--address",
                "203.0.113.7",
                "--protocol",
                "FTP",
            ],
        ),
        (
            "no_resolve_without_address",
            &["db.example.com", "--no-resolve"],
        ),
        ("ip_as_host", &["203.0.113.7"]),
        ("bad_dsn", &["mysql://user:hunter2@db.example.com:0/x"]),
        (
            "bad_name",
            &[
                "db.example.com",
                "--address",
                "203.0.113.7",
                "--name",
                "Not_Valid",
            ],
        ),
        (
            "duplicate_port",
            &[
                "db.example.com",
                "--address",
                "203.0.113.7",
                "--port",
                "3306",
                "--port",
                "3306",
            ],
        ),
    ];
    for (name, args) in cases {
        let text = outcome(meshctl().args(["gen", "serviceentry"]).args(*args), &[]);
        assert!(text.starts_with("exit: 2"), "{name}: {text}");
        assert!(!text.contains("hunter2"), "{name}: {text}");
        insta::assert_snapshot!(format!("error_{name}"), text);
    }
    insta::assert_snapshot!("error_nxdomain", generate(&dns, &["nope.example.com"]));
}

#[test]
fn generated_documents_round_trip_through_the_loader() {
    let dns = TestDns::start();
    for args in [
        vec!["db.example.com"],
        vec![
            "db.example.com",
            "--port",
            "3306",
            "--port",
            "33060",
            "--protocol",
            "MYSQL",
        ],
        vec!["db.example.com", "--resolution", "STATIC"],
        vec!["db.example.com", "--resolution", "DNS", "-o", "json"],
        vec!["db.example.com", "--annotate", "-n", "prod"],
    ] {
        let port = format!(":{}", dns.addr().port());
        let text = stdout(
            meshctl()
                .args(["gen", "serviceentry"])
                .args(&args)
                .arg("--nameserver")
                .arg(dns.nameserver_arg()),
            0,
        );
        let _ = port;
        let inputs = meshctl_core::load::load_bytes(
            "gen.yaml",
            text.as_bytes(),
            &meshctl_core::load::LoadOptions::default(),
        )
        .expect("parser thread");
        assert!(
            inputs.problems.is_empty(),
            "{args:?}: {:?}",
            inputs.problems
        );
        assert_eq!(inputs.service_entries.len(), 1, "{args:?}");
        super::schema_crosscheck::assert_valid_against_crd(
            "ServiceEntry",
            &text,
            &format!("gen {args:?}"),
        );
    }
}
