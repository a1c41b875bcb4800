//! Real repositories and rendered bundles: what is read, what is skipped and why, and that no
//! skipped file hides a finding (`{{` in a rendered manifest's data is data, not a template).

use super::common::{meshctl, outcome, stdout_section};

const BUNDLE: &str = "fixtures/rendered/bundle.yaml";
const CHART: &str = "fixtures/rendered/chart-template.yaml";

fn run(args: &[&str]) -> String {
    outcome(
        meshctl()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .args(["--color", "never"]),
        &[],
    )
}

#[test]
fn a_rendered_bundle_with_templates_in_its_data_is_checked() {
    let text = run(&["check", BUNDLE]);
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(text.contains("bundle.yaml:35:5: MSH201"), "{text}");
    assert!(
        !text.contains("MSH004") && !text.contains("helm template"),
        "{text}"
    );
    assert!(text.contains("2 other documents skipped"), "{text}");
}

#[test]
fn a_rendered_bundle_on_stdin_is_checked() {
    let bundle = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLE))
        .expect("fixture");
    let text = outcome(
        meshctl()
            .args(["check", "--color", "never", "-"])
            .write_stdin(bundle),
        &[],
    );
    assert!(
        text.starts_with("exit: 1") && text.contains("-:35:5: MSH201"),
        "{text}"
    );
}

#[test]
fn simulate_on_a_rendered_bundle_sees_its_entry() {
    let text = run(&["simulate", "198.51.100.20:5432", "-f", BUNDLE]);
    assert!(text.contains("billing-db"), "{text}");
}

#[test]
fn verbose_lists_every_skipped_file_with_its_reason() {
    let text = run(&["check", "-v", BUNDLE, CHART]);
    assert!(
        text.contains("skipped fixtures/rendered/chart-template.yaml:5:1: template syntax `{{`"),
        "{text}"
    );
    // The bundle is read, so it is not in the list.
    assert!(
        !text.contains("skipped fixtures/rendered/bundle.yaml"),
        "{text}"
    );
    assert!(text.contains("bundle.yaml:35:5: MSH201"), "{text}");
}

#[test]
fn json_with_verbose_lists_skipped_files_as_json_lines() {
    let text = run(&["check", "-v", "-o", "json", BUNDLE, CHART]);
    let stderr = text.split("--- stderr\n").nth(1).expect("stderr");
    let rows: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0]["file"], CHART);
    assert_eq!(rows[0]["line"], 5);
    assert_eq!(rows[0]["reason"], "template");
    // The findings array on stdout keeps its shape.
    let findings: serde_json::Value =
        serde_json::from_str(stdout_section(&text)).expect("a JSON array");
    assert_eq!(findings[0]["code"], "MSH201");
}

const MISSPELLED: &str = "fixtures/rendered/misspelled-kind.yaml";

#[test]
fn simulate_warns_when_the_inputs_hold_no_istio_resource() {
    let text = run(&["simulate", "198.51.100.20:5432", "-f", MISSPELLED]);
    assert!(text.starts_with("exit: 1"), "{text}");
    let stderr = text.split("--- stderr\n").nth(1).expect("stderr");
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with(
                "warning: no Istio resources in `fixtures/rendered/misspelled-kind.yaml`"
            ))
            .count(),
        1,
        "{text}"
    );
    // Real entries: no warning.
    let text = run(&["simulate", "198.51.100.20:5432", "-f", BUNDLE]);
    assert!(!text.contains("warning: no Istio resources"), "{text}");
}

#[test]
fn export_envoy_takes_positional_paths_and_warns_on_no_istio_resource() {
    let positional = run(&["export", "envoy", BUNDLE]);
    let flagged = run(&["export", "envoy", "-f", BUNDLE]);
    assert!(positional.starts_with("exit: 0"), "{positional}");
    assert!(positional.contains("billing-db"), "{positional}");
    assert_eq!(positional, flagged);
    let text = run(&["export", "envoy", MISSPELLED]);
    assert!(
        text.contains("warning: no Istio resources in `fixtures/rendered/misspelled-kind.yaml`"),
        "{text}"
    );
    let text = run(&["export", "envoy"]);
    assert!(
        text.starts_with("exit: 2") && text.contains("<PATH>"),
        "{text}"
    );
}

#[test]
fn gen_says_when_port_replaces_the_port_written_in_host() {
    let text = run(&[
        "gen",
        "serviceentry",
        "db.example.com:5432",
        "--port",
        "3306",
        "--address",
        "203.0.113.7",
        "--no-resolve",
    ]);
    assert!(
        text.starts_with("exit: 0") && text.contains("number: 3306"),
        "{text}"
    );
    assert!(
        text.contains("note: --port 3306 replaces port 5432 written in `db.example.com:5432`"),
        "{text}"
    );
    // The same port, or none written: nothing to say. A DSN's password is never shown.
    for host in ["db.example.com:3306", "db.example.com"] {
        let text = run(&[
            "gen",
            "serviceentry",
            host,
            "--port",
            "3306",
            "--address",
            "203.0.113.7",
            "--no-resolve",
        ]);
        assert!(!text.contains("replaces"), "{text}");
    }
    let text = run(&[
        "gen",
        "serviceentry",
        "postgres://app:hunter2@db.example.com:5433/app",
        "--port",
        "3306",
        "--address",
        "203.0.113.7",
        "--no-resolve",
    ]);
    assert!(
        text.contains("replaces port 5433") && !text.contains("hunter2"),
        "{text}"
    );
}

#[test]
fn sync_check_reads_on_past_an_invalid_file_and_exits_2() {
    use meshctl_testkit::dns::TestDns;
    let dns = TestDns::start();
    let dir = std::env::temp_dir().join(format!("meshctl-sync-invalid-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/entries.yaml"),
        dir.join("entries.yaml"),
    )
    .expect("copy fixture");
    // Sorted before entries.yaml, so it is read first.
    std::fs::write(
        dir.join("a-broken.yaml"),
        "apiVersion: v1\nkind: [ConfigMap\n",
    )
    .expect("write");
    let text = outcome(
        meshctl()
            .args([
                "sync",
                "--check",
                "--color",
                "never",
                "--timeout",
                "2s",
                "--nameserver",
            ])
            .arg(dns.nameserver_arg())
            .arg(&dir),
        &[(&dir.display().to_string(), "[TMP]")],
    );
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(
        text.contains("[TMP]/a-broken.yaml:") && text.contains("MSH001"),
        "{text}"
    );
    // The valid file was still checked: its drift is reported.
    assert!(
        text.contains("[TMP]/entries.yaml:") && text.contains("MSH308"),
        "{text}"
    );
    // --write still refuses to go on.
    let text = outcome(
        meshctl()
            .args(["sync", "--write", "--timeout", "2s", "--nameserver"])
            .arg(dns.nameserver_arg())
            .arg(&dir),
        &[(&dir.display().to_string(), "[TMP]")],
    );
    assert!(
        text.starts_with("exit: 2") && !text.contains("MSH308"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
