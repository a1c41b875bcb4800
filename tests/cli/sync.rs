//! `meshctl sync` against the in-process DNS server: findings and exit codes of `--check`,
//! in-place rewrites of `--write` (byte-exact, untouched when in sync), fail static, `-o
//! yaml`, and `--watch` writing, serving metrics and stopping on SIGTERM.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::common::{meshctl, outcome};
use meshctl_testkit::dns::{TestDns, unresponsive_server};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A scratch directory holding a copy of `fixtures/sync/entries.yaml` as `entries.yaml`.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("meshctl-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("entries.yaml");
    std::fs::copy(fixture("sync/entries.yaml"), &file).expect("copy fixture");
    (dir, file)
}

/// `meshctl sync ARGS --nameserver TEST-DNS PATH`, its outcome with PATH as `[TMP]`.
pub(super) fn run(dns: &TestDns, dir: &Path, args: &[&str]) -> String {
    outcome(
        meshctl()
            .arg("sync")
            .args(args)
            // An upper bound: the 500-record answers of the address-class tests take longest.
            .args(["--timeout", "5s", "--nameserver"])
            .arg(dns.nameserver_arg())
            .arg(dir),
        &[(&dir.display().to_string(), "[TMP]")],
    )
}

#[test]
fn check_reports_drift_per_entry_and_exits_1() {
    let dns = TestDns::start();
    let (dir, file) = scratch("check");
    let before = std::fs::read(&file).expect("read");
    insta::assert_snapshot!(run(&dns, &dir, &["--check", "--color", "never"]));
    let json = run(&dns, &dir, &["--check", "-o", "json"]);
    insta::assert_snapshot!("check_json", json);
    let github = run(&dns, &dir, &["--check", "-o", "github"]);
    assert!(
        github.contains("::error file=[TMP]/entries.yaml,line=13,"),
        "{github}"
    );
    assert_eq!(
        std::fs::read(&file).expect("read"),
        before,
        "--check writes nothing"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn write_edits_in_place_then_leaves_the_file_alone() {
    let dns = TestDns::start();
    let (dir, file) = scratch("write");
    let first = run(&dns, &dir, &["--write"]);
    assert!(first.starts_with("exit: 0"), "{first}");
    insta::assert_snapshot!("write_output", first);
    let written = std::fs::read_to_string(&file).expect("read");
    // The departure time is now: fold it for the snapshot.
    let departed = regex_free_fold(&written);
    insta::assert_snapshot!("written_file", departed);

    // In sync now (the departed address is within its grace period): not touched at all.
    let mtime = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::thread::sleep(Duration::from_millis(20));
    let again = run(&dns, &dir, &["--write"]);
    assert!(
        again.contains("Updated 0 entries in 0 files; 2 in sync."),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), written);
    assert_eq!(
        std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime"),
        mtime
    );
    let check = run(&dns, &dir, &["--check"]);
    assert!(check.starts_with("exit: 0"), "{check}");

    // With no grace left, the departed address goes, with its comment and its record.
    let gone = run(&dns, &dir, &["--write", "--grace", "0s"]);
    assert!(
        gone.contains("203.0.113.9 left DNS more than 0s ago: removed"),
        "{gone}"
    );
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        !text.contains("203.0.113.9") && !text.contains("meshctl.dev/departed"),
        "{text}"
    );
    assert!(text.contains("  # the primary, from the first `gen serviceentry`\n  - 203.0.113.7/32\n  - 203.0.113.8/32\n  - 2001:db8::7/128\n"), "{text}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Replaces the RFC 3339 time after `203.0.113.9=` with `[TIME]`.
fn regex_free_fold(text: &str) -> String {
    let marker = "203.0.113.9=";
    match text.find(marker) {
        Some(at) => {
            let start = at + marker.len();
            let end = start + "2026-01-01T00:00:00Z".len();
            format!("{}[TIME]{}", &text[..start], &text[end..])
        }
        None => text.to_owned(),
    }
}

#[test]
fn yaml_prints_the_managed_entries_and_writes_nothing() {
    let dns = TestDns::start();
    let (dir, file) = scratch("yaml");
    let before = std::fs::read(&file).expect("read");
    let out = run(&dns, &dir, &["-o", "yaml", "--grace", "0s"]);
    insta::assert_snapshot!(out);
    assert_eq!(std::fs::read(&file).expect("read"), before);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn fail_static_a_failed_or_empty_answer_changes_nothing() {
    let dns = TestDns::start();
    let (dir, file) = scratch("static");
    let text = std::fs::read_to_string(&file)
        .expect("read")
        .replace(
            "meshctl.dev/resolve: db.example.com",
            "meshctl.dev/resolve: fail.example.com",
        )
        .replace(
            "meshctl.dev/resolve: alias.example.com:5432",
            "meshctl.dev/resolve: gone.example.com",
        );
    std::fs::write(&file, &text).expect("write");
    let out = run(&dns, &dir, &["--write", "--grace", "0s"]);
    assert!(
        out.starts_with("exit: 2"),
        "SERVFAIL cannot be verified: {out}"
    );
    assert!(out.contains("could not verify fail.example.com"), "{out}");
    assert!(
        out.contains("gone.example.com answers with no address"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    let out = run(&dns, &dir, &["--check", "--color", "never"]);
    assert!(
        out.starts_with("exit: 2") && out.contains("MSH305") && out.contains("MSH308"),
        "{out}"
    );

    // A server that never answers: a timeout, never read as "gone".
    let (_socket, silent) = unresponsive_server();
    let out = outcome(
        meshctl()
            .args([
                "sync",
                "--write",
                "--grace",
                "0s",
                "--timeout",
                "300ms",
                "--nameserver",
            ])
            .arg(silent.to_string())
            .arg(&dir),
        &[],
    );
    assert!(
        out.starts_with("exit: 2") && out.contains("no answer for"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn bad_input_is_one_line_with_position_and_exit_2() {
    let dns = TestDns::start();
    let (dir, file) = scratch("bad");
    let text = std::fs::read_to_string(&file)
        .expect("read")
        .replace("alias.example.com:5432", "alias.example.com:0");
    std::fs::write(&file, text).expect("write");
    insta::assert_snapshot!(run(&dns, &dir, &["--check"]));
    let out = outcome(meshctl().args(["sync", "--write", "-"]), &[]);
    assert!(
        out.starts_with("exit: 2") && out.contains("cannot read `-`"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn all_static_adopts_hand_written_entries() {
    let dns = TestDns::start();
    let (dir, _) = scratch("static-all");
    let out = run(&dns, &dir, &["--check", "--all-static", "-o", "json"]);
    assert!(
        out.contains("v4only.example.com resolves to 198.51.100.10 outside `addresses`"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A loopback port that was free a moment ago.
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The response to `GET path` on the metrics server, or "" while it is not up.
pub(super) fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body
}

#[test]
fn watch_writes_serves_metrics_and_stops_on_sigterm() {
    let dns = TestDns::start();
    let (dir, file) = scratch("watch");
    let port = free_port();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("meshctl"))
        .args([
            "sync",
            "--watch",
            "--write",
            "--min-interval",
            "1s",
            "--timeout",
            "2s",
        ])
        .args(["--admin", &format!("127.0.0.1:{port}"), "--nameserver"])
        .arg(dns.nameserver_arg())
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut metrics, mut health) = (String::new(), String::new());
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        metrics = http_get(port, "/metrics");
        if text.contains("203.0.113.8/32") && metrics.contains("meshctl_sync_writes_total") {
            health = http_get(port, "/healthz");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Stop it before asserting, so a failure does not leave it running.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .contains("  - 203.0.113.8/32\n"),
        "{stderr}"
    );
    for want in [
        r#"meshctl_sync_resolutions_total{host="db.example.com"} 1"#,
        r#"meshctl_sync_drifts_total{service_entry="default/db-example-com-3306"} 1"#,
        r#"meshctl_sync_writes_total{result="success"} 1"#,
        r#"meshctl_sync_last_success_timestamp_seconds{service_entry="default/alias"}"#,
    ] {
        assert!(metrics.contains(want), "missing {want} in\n{metrics}");
    }
    assert!(health.ends_with("ok\n"), "{health}");
    assert!(
        stderr.contains("watching 2 managed entries (2 host(s)) in 1 file(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("db.example.com resolves to 203.0.113.8, 2001:db8::7 outside `addresses`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stopping: signal received between writes"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Two clusters in one repository: `sync --check` groups its findings by mesh, and entries with
/// one name in both clusters are two entries.
#[test]
fn check_groups_findings_by_mesh() {
    let dns = TestDns::start();
    let dir = std::env::temp_dir().join(format!("meshctl-sync-meshes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (cluster, policy) in [("prod", "REGISTRY_ONLY"), ("staging", "ALLOW_ANY")] {
        let root = dir.join("clusters").join(cluster);
        std::fs::create_dir_all(&root).expect("mkdir");
        std::fs::copy(fixture("sync/entries.yaml"), root.join("entries.yaml")).expect("copy");
        std::fs::write(
            root.join("mesh.yaml"),
            format!("outboundTrafficPolicy:\n  mode: {policy}\n"),
        )
        .expect("write mesh config");
    }
    let text = run(&dns, &dir, &["--check", "--color", "never"]);
    assert!(text.starts_with("exit: 1"), "{text}");
    let prod = text
        .find("mesh clusters/prod (REGISTRY_ONLY")
        .expect("prod header");
    let staging = text
        .find("mesh clusters/staging (ALLOW_ANY")
        .expect("staging header");
    assert!(prod < staging, "{text}");
    let prod_findings = text[prod..staging].matches("MSH308").count();
    let staging_findings = text[staging..].matches("MSH308").count();
    assert!(
        prod_findings > 0 && prod_findings == staging_findings,
        "{text}"
    );
    let json = run(&dns, &dir, &["--check", "-o", "json"]);
    assert!(
        json.contains("\"mesh\": \"clusters/prod\"")
            && json.contains("\"mesh\": \"clusters/staging\""),
        "{json}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
