//! `meshctl check`: every rule fires on its fixture and stays quiet on its near miss, every output
//! format is snapshotted on one shared fixture, SARIF validates against the official schema, and
//! exit codes follow `--fail-on`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use meshctl_core::rules::Rule;

use super::common::{meshctl, outcome, stdout};
use meshctl_testkit::dns::TestDns;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn codes_reported(path: &Path, dns: &TestDns, with_dns: bool) -> Vec<String> {
    let mut cmd = meshctl();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "-o", "json", "--fail-on", "none"])
        .arg(path);
    if with_dns {
        cmd.args(["--dns", "--timeout", "2s", "--nameserver"])
            .arg(dns.nameserver_arg());
    }
    let text = stdout(&mut cmd, 0);
    parse_codes(&text)
}

/// `sync --check` exits 1 on drift: that is the finding, not a failure of the run.
fn codes_reported_by_sync(path: &Path, dns: &TestDns) -> Vec<String> {
    let output = meshctl()
        .args([
            "sync",
            "--check",
            "-o",
            "json",
            "--timeout",
            "2s",
            "--nameserver",
        ])
        .arg(dns.nameserver_arg())
        .arg(path)
        .output()
        .expect("runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_codes(&String::from_utf8_lossy(&output.stdout))
}

fn parse_codes(text: &str) -> Vec<String> {
    let findings: Vec<serde_json::Value> = serde_json::from_str(text).expect("json array");
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_rule_has_docs_and_a_firing_and_a_quiet_fixture() {
    let dns = TestDns::start();
    let mut checked = 0;
    for rule in Rule::ALL {
        let base = format!("check/{}-{}", rule.code(), rule.name());
        let fires = fixture(&format!("{base}.yaml"));
        let quiet = fixture(&format!("{base}-ok.yaml"));
        assert!(fires.exists(), "missing fixture {}", fires.display());
        assert!(
            quiet.exists(),
            "missing near-miss fixture {}",
            quiet.display()
        );
        // Rules that need live DNS answers run with `--dns` against the test server; rules
        // another command reports run through that command.
        let with_dns = rule.needs_dns();
        let report = |path: &Path| {
            if rule.reported_by().is_some() {
                codes_reported_by_sync(path, &dns)
            } else {
                codes_reported(path, &dns, with_dns)
            }
        };
        let found = report(&fires);
        assert!(
            found.iter().any(|c| c == rule.code()),
            "{} did not fire on its fixture: {found:?}",
            rule.code()
        );
        let found = report(&quiet);
        assert!(
            !found.iter().any(|c| c == rule.code()),
            "{} fired on its near miss: {found:?}",
            rule.code()
        );
        assert!(
            rule.info()
                .explanation
                .starts_with(&format!("# {} {}", rule.code(), rule.name()))
        );
        checked += 1;
    }
    assert_eq!(checked, Rule::ALL.len());
}

#[test]
fn dns_rules_stay_off_without_the_flag() {
    let dns = TestDns::start();
    let found = codes_reported(&fixture("check/MSH302-address-drift.yaml"), &dns, false);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn dns_is_queried_only_when_a_selected_rule_needs_it() {
    let (socket, addr) = meshctl_testkit::dns::unresponsive_server();
    socket.set_nonblocking(true).expect("non-blocking socket");
    let check = |select: &str| {
        stdout(
            meshctl()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["check", "-o", "json", "--fail-on", "none", "--dns"])
                .args(["--timeout", "1s", "--nameserver", &addr.to_string()])
                .args([
                    "--select",
                    select,
                    "fixtures/check/MSH302-address-drift.yaml",
                ]),
            0,
        )
    };
    let mut query = [0u8; 512];
    assert_eq!(check("MSH2").trim(), "[]");
    assert!(
        socket.recv_from(&mut query).is_err(),
        "--dns queried the nameserver although no selected rule reads DNS"
    );
    check("MSH302");
    assert!(
        socket.recv_from(&mut query).is_ok(),
        "MSH302 needs DNS, yet the nameserver was not asked"
    );
}

#[test]
fn valid_fixtures_have_no_findings() {
    // The mesh fixtures are alternatives (ALLOW_ANY and REGISTRY_ONLY): checked one at a
    // time, since together they are a disagreement every command refuses to guess about.
    for dir in [
        "blog",
        "serviceentry/valid",
        "sidecar/valid",
        "mesh/allow-any.yaml",
        "mesh/istio-operator.yaml",
    ] {
        let text = outcome(
            meshctl()
                .args(["check", "--color", "never"])
                .arg(fixture(dir)),
            &[(env!("CARGO_MANIFEST_DIR"), "[ROOT]")],
        );
        let quiet = text.starts_with("exit: 0") && text.contains("All checks passed");
        // mesh/allow-any.yaml is an ALLOW_ANY mesh: MSH501 (info) is the point of it.
        assert!(
            quiet
                || (dir == "mesh/allow-any.yaml"
                    && text.contains("MSH501")
                    && !text.contains("[error]")),
            "{dir}: {text}"
        );
    }
}

fn mistakes(format: &str) -> String {
    outcome(
        meshctl().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "check",
            "fixtures/mistakes",
            "--color",
            "never",
            "-o",
            format,
        ]),
        &[],
    )
}

#[test]
fn text_output() {
    insta::assert_snapshot!(mistakes("text"));
}

#[test]
fn json_output() {
    insta::assert_snapshot!(mistakes("json"));
}

#[test]
fn github_output() {
    insta::assert_snapshot!(mistakes("github"));
}

#[test]
fn gitlab_output() {
    insta::assert_snapshot!(mistakes("gitlab"));
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let text = mistakes("sarif");
    let body = super::common::stdout_section(&text);
    let log: serde_json::Value = serde_json::from_str(body).expect("sarif is json");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(8));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(Rule::ALL.len())
    );
    crate::common::assert_valid_sarif(&log);
    // Deterministic apart from the version string.
    insta::assert_snapshot!(body.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
}

#[test]
fn fail_on_decides_the_exit_code() {
    let run = |args: &[&str]| {
        meshctl()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "check",
                "fixtures/check/MSH202-missing-cidr.yaml",
                "-o",
                "json",
            ])
            .args(args)
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(run(&[]), Some(0), "a warning does not fail by default");
    assert_eq!(run(&["--fail-on", "warning"]), Some(1));
    assert_eq!(run(&["--fail-on", "info"]), Some(1));
    assert_eq!(run(&["--fail-on", "warning", "--exit-zero"]), Some(0));
    assert_eq!(run(&["--fail-on", "none"]), Some(0));
}

#[test]
fn errors_fail_the_default_run() {
    let code = meshctl()
        .args(["check"])
        .arg(fixture("mistakes"))
        .output()
        .expect("runs")
        .status
        .code();
    assert_eq!(code, Some(1));
}

#[test]
fn select_ignore_and_annotations_filter_findings() {
    let dns = TestDns::start();
    let path = fixture("mistakes");
    let only = |args: &[&str]| {
        let text = stdout(
            meshctl()
                .args(["check", "-o", "json", "--fail-on", "none"])
                .args(args)
                .arg(&path),
            0,
        );
        let findings: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
        let mut codes: Vec<String> = findings
            .iter()
            .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        codes.dedup();
        codes
    };
    assert_eq!(
        only(&["--select", "MSH20"]),
        ["MSH201", "MSH205", "MSH206", "MSH202", "MSH203", "MSH204"]
    );
    assert_eq!(
        only(&[
            "--select",
            "MSH2",
            "--ignore",
            "MSH201,broad-cidr,MSH203,MSH205,MSH206"
        ]),
        ["MSH202"]
    );
    drop(dns);
    let annotated = std::fs::read_to_string(fixture("check/MSH202-missing-cidr.yaml"))
        .expect("fixture")
        .replace(
            "metadata:\n",
            "metadata:\n  annotations:\n    meshctl.dev/ignore: MSH202\n",
        );
    let output = meshctl()
        .args(["check", "-", "-o", "json"])
        .write_stdin(annotated)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "[]");
    let istio = std::fs::read_to_string(fixture("check/MSH201-hosts-ignored-for-tcp.yaml"))
        .expect("fixture")
        .replace(
            "metadata:\n",
            "metadata:\n  annotations:\n    galley.istio.io/analyze-suppress: IST0134\n",
        );
    let output = meshctl()
        .args(["check", "-", "-o", "json"])
        .write_stdin(istio)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "[]");
}

#[test]
fn unknown_rule_in_select_is_a_usage_error() {
    insta::assert_snapshot!(outcome(
        meshctl().args(["check", "--select", "MSH999", "fixtures"]),
        &[]
    ));
}

#[test]
fn parse_and_schema_errors_are_findings_and_the_run_continues() {
    let text = outcome(
        meshctl().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "check",
            "--color",
            "never",
            "fixtures/check/MSH001-parse-error.yaml",
            "fixtures/check/MSH002-schema-violation.yaml",
            "fixtures/check/MSH202-missing-cidr.yaml",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn unreadable_path_exits_2() {
    insta::assert_snapshot!(outcome(
        meshctl().args(["check", "/nonexistent/meshctl"]),
        &[]
    ));
}

#[test]
fn list_rules_and_explain() {
    insta::assert_snapshot!(
        "list_rules",
        outcome(meshctl().args(["check", "--list-rules"]), &[])
    );
    insta::assert_snapshot!(
        "explain_msh201",
        outcome(meshctl().args(["check", "--explain", "MSH201"]), &[])
    );
    let by_name = outcome(
        meshctl().args(["check", "--explain", "hosts-ignored-for-tcp"]),
        &[],
    );
    assert!(by_name.contains("# MSH201 hosts-ignored-for-tcp"));
    let unknown = outcome(meshctl().args(["check", "--explain", "MSH999"]), &[]);
    assert!(unknown.starts_with("exit: 2"), "{unknown}");
}

#[test]
fn no_path_means_the_current_directory() {
    let text = outcome(
        meshctl()
            .current_dir(fixture("blog"))
            .args(["check", "--color", "never"]),
        &[],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(
        text.contains("All checks passed (2 resources in 2 files)."),
        "{text}"
    );
}

#[test]
fn hostile_yaml_is_a_finding_not_a_crash() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        writeln!(bomb, "a{i}: &a{i} [{refs}]").expect("write to string");
    }
    let started = std::time::Instant::now();
    let text = outcome(
        meshctl()
            .args(["check", "-", "--color", "never"])
            .write_stdin(bomb),
        &[],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(
        text.contains("-:")
            && text.contains(
                "MSH001 [error] parse-error: aliases expand to `100001` events, more than the parse budget of `100000` events (an alias bomb?)"
            ),
        "{text}"
    );
}

/// `docs/rules.md` is generated from the registry:
/// `MESHCTL_UPDATE_DOCS=1 cargo test --test cli rule_table` rewrites it.
#[test]
fn rule_table_in_the_docs_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let mut table = String::from(
        "# Rules\n\n\
         <!-- Generated from the rule files by `MESHCTL_UPDATE_DOCS=1 cargo test --test cli rule_table`. -->\n\n\
         Codes are a public contract: they are never renumbered or reused. `meshctl check --explain CODE`\n\
         prints a rule's documentation (What it does / Why it matters / Example / Use instead), which is\n\
         also the head of the rule's source file, linked from its code.\n\n\
         | code | name | severity | what it flags |\n| --- | --- | --- | --- |\n",
    );
    for rule in Rule::ALL {
        let info = rule.info();
        let source = rule_source(info.code);
        writeln!(
            table,
            "| [{}](../{source}) | `{}` | {} | {} |",
            info.code,
            info.name,
            info.severity,
            info.summary.replace('|', "\\|")
        )
        .expect("write to string");
    }
    if std::env::var_os("MESHCTL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &table).expect("docs/rules.md is writable");
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == table,
        "docs/rules.md is out of date; run MESHCTL_UPDATE_DOCS=1 cargo test --test cli rule_table"
    );
}

/// The rule file that states `code`, relative to the repository root.
fn rule_source(code: &str) -> String {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src/rules");
    let prefix = format!("{}_", code.to_ascii_lowercase());
    for family in std::fs::read_dir(&rules).expect("rules directory") {
        let family = family.expect("directory entry").path();
        let Ok(files) = std::fs::read_dir(&family) else {
            continue;
        };
        for file in files {
            let file = file.expect("directory entry").path();
            let name = file.file_name().expect("a file name").to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".rs") {
                let family = family
                    .file_name()
                    .expect("a directory name")
                    .to_string_lossy();
                return format!("crates/core/src/rules/{family}/{name}");
            }
        }
    }
    panic!("no rule file for {code}")
}

#[test]
fn dns_capture_with_auto_allocated_vips_silences_msh201() {
    let entry = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  resolution: DNS\n";
    let mesh = "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\n";
    let codes = |text: String| {
        let out = meshctl()
            .args(["check", "-", "-o", "json"])
            .write_stdin(text)
            .output()
            .expect("runs");
        let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
        findings
            .iter()
            .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(entry.to_owned()),
        ["MSH201"],
        "no DNS proxying: the port is hijacked"
    );
    assert!(
        codes(format!("{entry}---\n{mesh}")).is_empty(),
        "VIPs are used"
    );
    let opted_out = entry.replace(
        "metadata: {name: db}",
        "metadata: {name: db, labels: {networking.istio.io/enable-autoallocate-ip: \"false\"}}",
    );
    assert_eq!(
        codes(format!("{opted_out}---\n{mesh}")),
        ["MSH201"],
        "opt-out label"
    );
}

#[test]
fn problems_speak_plainly_and_point_at_the_field() {
    // No parser internals, MSH103 at the address with a concrete fix, and no
    // "in 0 resources" when the only resource failed its schema or the file did not parse.
    let documents = [
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\n  name: b\nspec:\n  hosts: [db.example.com]\n",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7, 203.0.113.0/24]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  resolution: DNS\n",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\nspec:\n  hosts: 7\n",
    ];
    let text: Vec<String> = documents
        .iter()
        .map(|doc| outcome(meshctl().args(["check", "-"]).write_stdin(*doc), &[]))
        .collect();
    let text = text.join("\n");
    assert!(!text.contains("DuplicateKeyPolicy"), "{text}");
    assert!(!text.contains("see the field named above"), "{text}");
    assert!(!text.contains("0 resources"), "{text}");
    insta::assert_snapshot!(text);
}
