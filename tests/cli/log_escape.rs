//! Values from the inputs (file names, hosts, entry names, error texts) cannot forge a log line:
//! the proxy's log, `sync --write`'s report, `sync --watch`'s log and the final error each keep
//! a newline or an escape sequence inside the line, escaped and visible.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::common::{meshctl, outcome};
use meshctl_testkit::dns::TestDns;

/// A file name with a newline that starts a fake line and a terminal colour escape.
const HOSTILE: &str = "a\nFAKE LOG LINE\x1b[31m.yaml";
/// How it reads once escaped.
const ESCAPED: &str = "a\\nFAKE LOG LINE\\u{1b}[31m.yaml";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-logesc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn sync_fixture(dir: &Path) {
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/entries.yaml"),
        dir.join(HOSTILE),
    )
    .expect("copy fixture");
}

fn assert_no_forged_line(text: &str) {
    assert!(
        !text.lines().any(|l| l.starts_with("FAKE LOG LINE")) && !text.contains('\x1b'),
        "{text}"
    );
}

/// Reads `child`'s stderr until a line contains `until` (or 20 s pass), then kills it.
fn stderr_until(mut child: Child, until: &str) -> String {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut text = String::new();
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        text.push_str(&line);
        text.push('\n');
        if line.contains(until) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    text
}

#[test]
fn the_proxy_log_escapes_a_planted_file_name() {
    let dir = scratch("proxy");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/entries.yaml"),
        dir.join("entries.yaml"),
    )
    .expect("copy fixture");
    std::os::unix::fs::symlink("/nonexistent", dir.join(HOSTILE)).expect("plant link");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["proxy", "--listen", "127.0.0.1:0", "--admin", "off", "-f"])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("proxy starts");
    let text = stderr_until(child, "proxy on");
    let warning = text
        .lines()
        .find(|l| l.contains("symbolic link"))
        .unwrap_or_else(|| panic!("no warning about the link:\n{text}"));
    // tracing-subscriber writes ESC as `\x1b` itself before the line reaches meshctl's sink;
    // the newline is meshctl's to escape.
    assert!(
        warning.contains("a\\nFAKE LOG LINE\\x1b[31m.yaml"),
        "{warning}"
    );
    assert_no_forged_line(&text);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn sync_write_reports_a_hostile_file_name_escaped() {
    let dns = TestDns::start();
    let dir = scratch("write");
    sync_fixture(&dir);
    let text = outcome(
        meshctl()
            .args(["sync", "--write", "--nameserver"])
            .arg(dns.nameserver_arg())
            .arg(&dir),
        &[],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(text.contains(ESCAPED), "{text}");
    assert_no_forged_line(&text);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn sync_watch_logs_a_hostile_file_name_escaped() {
    let dns = TestDns::start();
    let dir = scratch("watch");
    sync_fixture(&dir);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["sync", "--watch", "--admin", "off", "--nameserver"])
        .arg(dns.nameserver_arg())
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sync starts");
    let text = stderr_until(child, "pass 1:");
    assert!(
        text.lines()
            .any(|l| l.contains(ESCAPED) && l.contains("ServiceEntry")),
        "{text}"
    );
    assert_no_forged_line(&text);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_final_error_escapes_a_hostile_path() {
    let dir = scratch("error");
    let text = outcome(
        meshctl()
            .args(["check", "--isolated"])
            .arg(dir.join(HOSTILE)),
        &[(&dir.display().to_string(), "[TMP]")],
    );
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(text.contains(ESCAPED), "{text}");
    assert_no_forged_line(&text);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
