//! Special address classes and the answer limit in `gen serviceentry` and `sync`, against the
//! in-process DNS server: an answer of `0.0.0.0`/`::` (a DNS filter's NULL mode), the metadata
//! service (also IPv4-mapped), loopback, a public→private switch and 500 records is refused
//! with one line, and a file `sync` manages stays byte for byte as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::common::{meshctl, outcome};
use super::sync::{free_port, http_get};
use meshctl_testkit::dns::TestDns;

fn generate(dns: &TestDns, args: &[&str]) -> String {
    outcome(
        meshctl()
            .args(["gen", "serviceentry"])
            .args(args)
            .args(["--timeout", "5s", "--nameserver"])
            .arg(dns.nameserver_arg()),
        &[],
    )
}

#[test]
fn gen_refuses_answers_in_refused_classes_with_one_line() {
    let dns = TestDns::start();
    for (host, answer, class) in [
        (
            "metadata.example.com",
            "169.254.169.254",
            "a link-local address (cloud metadata)",
        ),
        (
            "mapped.example.com",
            "::ffff:169.254.169.254",
            "a link-local address (cloud metadata)",
        ),
        ("null.example.com", "0.0.0.0", "an unspecified address"),
        ("loop.example.com", "127.0.0.1", "a loopback address"),
    ] {
        let got = generate(&dns, &[host]);
        let flag = class.split(' ').nth(1).expect("class word");
        let want = format!(
            "exit: 2\n--- stdout\n--- stderr\nerror: `{host}` answered `{answer}`, {class}; refusing to pin it (allow with --allow-address-class {flag})\n"
        );
        assert_eq!(got, want);
    }
}

#[test]
fn gen_refuses_localhost_and_given_addresses_of_refused_classes() {
    let dns = TestDns::start();
    let got = generate(&dns, &["localhost"]);
    assert!(
        got.starts_with("exit: 2\n--- stdout\n--- stderr\nerror: `localhost` answered `127.0.0.1`, a loopback address; refusing to pin it"),
        "{got}"
    );
    for (address, class) in [
        ("169.254.169.254", "link-local"),
        ("::ffff:127.0.0.1/128", "loopback"),
        ("127.0.0.0/8", "loopback"),
        ("::", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("ff02::1", "multicast"),
    ] {
        let got = generate(
            &dns,
            &["db.example.com", "--no-resolve", "--address", address],
        );
        assert!(
            got.starts_with(
                "exit: 2\n--- stdout\n--- stderr\nerror: `db.example.com`: --address `"
            ) && got.contains(&format!("(allow with --allow-address-class {class})\n"))
                && got.lines().count() == 4,
            "{address}: {got}"
        );
    }
}

#[test]
fn gen_pins_an_allowed_class_and_records_it() {
    let dns = TestDns::start();
    let got = generate(
        &dns,
        &[
            "metadata.example.com",
            "--allow-address-class",
            "link-local",
        ],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    assert!(
        got.contains("meshctl.dev/allowed-address-classes: link-local\n")
            && got.contains("- 169.254.169.254/32\n"),
        "{got}"
    );
    let got = generate(
        &dns,
        &[
            "db.example.com",
            "--no-resolve",
            "--address",
            "127.0.0.1",
            "--allow-address-class",
            "multicast,loopback",
        ],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    assert!(
        got.contains("meshctl.dev/allowed-address-classes: loopback\n"),
        "{got}"
    );
    // A public answer needs no allowance and records none.
    let got = generate(
        &dns,
        &["db.example.com", "--allow-address-class", "loopback"],
    );
    assert!(
        got.starts_with("exit: 0") && !got.contains("allowed-address-classes"),
        "{got}"
    );
}

#[test]
fn gen_refuses_more_addresses_than_an_entry_holds() {
    let dns = TestDns::start();
    let got = generate(&dns, &["pool.example.com"]);
    assert_eq!(
        got,
        "exit: 2\n--- stdout\n--- stderr\nerror: `pool.example.com` answered 500 addresses, more than the 256 a ServiceEntry's `addresses` may hold; refusing to pin a partial list (pin the provider's CIDR ranges with --address instead)\n"
    );
}

/// One managed entry for `host`, pinning `pinned` as `gen serviceentry` writes it.
fn entry(host: &str, pinned: &str) -> String {
    let name = host.replace('.', "-");
    format!(
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {name}
  annotations:
    meshctl.dev/resolve: {host}   # written by gen
spec:
  hosts:
  - {host}
  addresses:
  - {pinned}
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
  location: MESH_EXTERNAL
  resolution: NONE
"
    )
}

/// The hosts whose answer `sync` must refuse, with the address the entry pins today and the
/// words its message carries.
const REFUSED: [(&str, &str, &str); 6] = [
    (
        "null.example.com",
        "203.0.113.7/32",
        "answered `0.0.0.0`, an unspecified address; refusing to pin it (allow with --allow-address-class unspecified)",
    ),
    (
        "metadata.example.com",
        "203.0.113.7/32",
        "answered `169.254.169.254`, a link-local address (cloud metadata); refusing to pin it",
    ),
    (
        "mapped.example.com",
        "2001:db8::7/128",
        "answered `::ffff:169.254.169.254`, a link-local address (cloud metadata)",
    ),
    (
        "loop.example.com",
        "203.0.113.7/32",
        "answered `127.0.0.1`, a loopback address",
    ),
    (
        "private.example.com",
        "203.0.113.7/32",
        "moved from public to private address space (`10.0.0.7` is a private address); not followed without --allow-class-change (DNS rebinding guard)",
    ),
    (
        "pool.example.com",
        "192.0.2.0/32",
        "answered 500 addresses, more than the 256 a ServiceEntry's `addresses` may hold",
    ),
];

/// A scratch directory with one file per refused host.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-classes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (host, pinned, _) in REFUSED {
        std::fs::write(dir.join(format!("{host}.yaml")), entry(host, pinned)).expect("write");
    }
    dir
}

/// Every file under `dir`, by name, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        REFUSED.len(),
        "one file per host, no leftovers"
    );
    files
}

fn sync(dns: &TestDns, path: &Path, args: &[&str]) -> String {
    super::sync::run(dns, path, args)
}

#[test]
fn sync_write_and_check_refuse_and_leave_every_file_byte_for_byte() {
    let dns = TestDns::start();
    let dir = scratch("write");
    let before = snapshot(&dir);
    for mode in ["--write", "--check"] {
        let got = sync(&dns, &dir, &[mode]);
        assert!(got.starts_with("exit: 2\n"), "{mode}: {got}");
        for (host, _, words) in REFUSED {
            assert!(
                got.contains(&format!("could not verify {host}: `{host}` {words}")),
                "{mode} {host}: {got}"
            );
        }
        assert_eq!(snapshot(&dir), before, "{mode} changed a file");
    }
    let got = sync(&dns, &dir, &["--write"]);
    assert!(
        got.contains("Updated 0 entries in 0 files; 0 in sync, 6 not verified."),
        "{got}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn sync_follows_a_refused_answer_only_when_allowed_and_records_it() {
    let dns = TestDns::start();
    let dir = scratch("allow");
    let file = dir.join("metadata.example.com.yaml");
    // `-o yaml` prints what `--write` would write, the record included.
    let printed = sync(
        &dns,
        &file,
        &[
            "-o",
            "yaml",
            "--grace",
            "0s",
            "--allow-address-class",
            "link-local",
        ],
    );
    assert!(
        printed.contains("meshctl.dev/allowed-address-classes: link-local")
            || printed.contains("meshctl.dev/allowed-address-classes: \"link-local\""),
        "{printed}"
    );
    let got = sync(
        &dns,
        &file,
        &[
            "--write",
            "--grace",
            "0s",
            "--allow-address-class",
            "link-local",
        ],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    let written = std::fs::read_to_string(&file).expect("read");
    assert_eq!(
        written,
        entry("metadata.example.com", "169.254.169.254/32").replace(
            "  annotations:\n",
            "  annotations:\n    meshctl.dev/allowed-address-classes: \"link-local\"\n"
        )
    );
    // The record stands in for the flag from now on.
    let got = sync(&dns, &file, &["--check"]);
    assert!(got.starts_with("exit: 0"), "{got}");

    let file = dir.join("private.example.com.yaml");
    let got = sync(
        &dns,
        &file,
        &["--write", "--grace", "0s", "--allow-class-change"],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .contains("  - 10.0.0.7/32\n"),
        "{got}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn sync_watch_counts_and_logs_refused_answers_and_writes_nothing() {
    let dns = TestDns::start();
    let dir = scratch("watch");
    let before = snapshot(&dir);
    let port = free_port();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("meshctl"))
        .args(["sync", "--watch", "--min-interval", "1s", "--timeout", "5s"])
        .args(["--admin", &format!("127.0.0.1:{port}"), "--nameserver"])
        .arg(dns.nameserver_arg())
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut metrics = String::new();
    while Instant::now() < deadline {
        metrics = http_get(port, "/metrics");
        if metrics.contains("reason=\"too-many\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for (key, reason) in [
        ("null-example-com", "address-class"),
        ("metadata-example-com", "address-class"),
        ("mapped-example-com", "address-class"),
        ("loop-example-com", "address-class"),
        ("private-example-com", "class-change"),
        ("pool-example-com", "too-many"),
    ] {
        let want = format!(
            "meshctl_sync_refused_answers_total{{service_entry=\"default/{key}\",reason=\"{reason}\"}} 1"
        );
        assert!(metrics.contains(&want), "missing {want} in\n{metrics}");
    }
    assert!(
        !metrics.contains("meshctl_sync_writes_total{"),
        "nothing written: {metrics}"
    );
    assert!(
        stderr.contains("warning: ServiceEntry default/metadata-example-com: could not verify metadata.example.com: `metadata.example.com` answered `169.254.169.254`"),
        "{stderr}"
    );
    assert_eq!(snapshot(&dir), before, "--watch changed a file");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
