//! `meshctl gen serviceentry --from-log`, end to end with the real binary: a proxy in report
//! mode records what it let through, gen proposes entries from those records, and a proxy in
//! enforce mode with the original entry plus the proposal allows every observed destination
//! and still denies one never observed. Then the reader's contract on fixtures: the records
//! of fixtures/from-log/ become one snapshot, and a line that is not a record is an error
//! naming file and line.
//!
//! Upstreams are echo servers on 127.0.0.1 and 127.0.0.2 (all of 127/8 is loopback on Linux),
//! reached through `--forward` listeners: forward mode decides loopback like any address.
//! Loopback is a class gen refuses to pin, so the proposal needs `--allow-address-class
//! loopback`, which the test also checks.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::common::{meshctl, outcome};

/// An echo server on `ip`, port 0, on a thread of its own for the test's life.
fn echo(ip: &str) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).expect("bind echo");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 256];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A running `meshctl proxy` and the listener it opened for each forward target.
struct ProxyProcess {
    child: Child,
    listens: Vec<(SocketAddr, SocketAddr)>,
}

impl ProxyProcess {
    fn start(files: &[&Path], targets: &[SocketAddr], extra: &[&str]) -> ProxyProcess {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("meshctl"));
        cmd.arg("proxy")
            .args(["--admin", "off", "--worker-threads", "1"]);
        for file in files {
            cmd.arg("-f").arg(file);
        }
        for target in targets {
            cmd.arg("--forward").arg(format!("127.0.0.1:0={target}"));
        }
        let mut child = cmd
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("proxy starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the log until the process ends, so the pipe never fills.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // `INFO forwarding 127.0.0.1:37147 → 127.0.0.1:4001`
                if let Some(rest) = line.split(" forwarding ").nth(1)
                    && let Some((listen, target)) = rest.split_once(" → ")
                    && let (Ok(listen), Ok(target)) = (listen.parse(), target.parse())
                {
                    let _ = tx.send((target, listen));
                }
            }
        });
        let mut listens = Vec::new();
        while listens.len() < targets.len() {
            let pair = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the proxy says where it forwards from");
            listens.push(pair);
        }
        ProxyProcess { child, listens }
    }

    fn listen_for(&self, target: SocketAddr) -> SocketAddr {
        self.listens
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, l)| *l)
            .expect("a listener per target")
    }

    /// One round trip to `target` through the proxy: true when the bytes came back.
    fn round_trip(&self, target: SocketAddr) -> bool {
        let mut stream = TcpStream::connect(self.listen_for(target)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        if stream.write_all(b"ping").is_err() {
            return false;
        }
        let mut back = [0u8; 4];
        stream.read_exact(&mut back).is_ok() && &back == b"ping"
    }

    /// SIGTERM, then wait: the proxy drains and exits 0.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = self.child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "the proxy drains and exits 0");
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-from-log-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn entry(port: u16) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db, namespace: default}}\nspec:\n  hosts: [db.example.com]\n  addresses: [127.0.0.1/32]\n  ports: [{{number: {port}, name: tcp, protocol: TCP}}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n"
    )
}

#[test]
fn report_records_become_entries_that_allow_what_was_observed_and_nothing_else() {
    let dir = scratch("e2e");
    let allowed = echo("127.0.0.1");
    let observed = [echo("127.0.0.1"), echo("127.0.0.2")];
    let never = echo("127.0.0.1");
    let config = dir.join("egress.yaml");
    std::fs::write(&config, entry(allowed.port())).expect("write");
    let records = dir.join("records.jsonl");
    let targets = [allowed, observed[0], observed[1], never];

    // 1. Report mode: everything gets through; what the policy denies is recorded.
    let report = ProxyProcess::start(
        &[&config],
        &targets,
        &[
            "--policy-mode",
            "report",
            "--access-log",
            records.to_str().expect("utf-8"),
            "--log-format",
            "json",
        ],
    );
    assert!(report.round_trip(allowed));
    assert!(report.round_trip(observed[0]));
    assert!(report.round_trip(observed[0]));
    assert!(report.round_trip(observed[1]));
    report.stop();
    let log = std::fs::read_to_string(&records).expect("records written");
    let would_deny = log
        .lines()
        .filter(|l| l.contains(r#""event":"decision""#) && l.contains(r#""decision":"would_deny""#))
        .count();
    assert_eq!(would_deny, 3, "{log}");

    // 2. The proposal: loopback is refused unless allowed, as gen refuses it.
    let refused = outcome(
        meshctl()
            .args(["gen", "serviceentry", "--from-log"])
            .arg(&records),
        &[],
    );
    assert!(
        refused.starts_with("exit: 2") && refused.contains("--allow-address-class loopback"),
        "{refused}"
    );
    let proposed = meshctl()
        .args([
            "gen",
            "serviceentry",
            "--allow-address-class",
            "loopback",
            "--from-log",
        ])
        .arg(&records)
        .output()
        .expect("runs");
    assert_eq!(
        proposed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&proposed.stderr)
    );
    let yaml = String::from_utf8(proposed.stdout).expect("utf-8");
    assert_eq!(yaml.matches("kind: ServiceEntry").count(), 2, "{yaml}");
    assert!(
        yaml.contains(&format!(
            "meshctl.dev/covers: {} (2 connections)",
            observed[0]
        )),
        "{yaml}"
    );
    assert!(
        yaml.contains(&format!(
            "meshctl.dev/covers: {} (1 connection)",
            observed[1]
        )),
        "{yaml}"
    );
    let proposal = dir.join("proposal.yaml");
    std::fs::write(&proposal, &yaml).expect("write");

    // 3. Enforce mode with the original entry and the proposal.
    let enforce = ProxyProcess::start(&[&config, &proposal], &targets, &[]);
    assert!(
        enforce.round_trip(allowed),
        "the original entry still allows"
    );
    assert!(enforce.round_trip(observed[0]), "observed: now allowed");
    assert!(enforce.round_trip(observed[1]), "observed: now allowed");
    assert!(!enforce.round_trip(never), "never observed: still denied");
    enforce.stop();

    // 4. Without the proposal, enforce mode denies what report mode let through.
    let before = ProxyProcess::start(&[&config], &targets, &[]);
    assert!(!before.round_trip(observed[0]));
    before.stop();
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/from-log")
        .join(name)
}

#[test]
fn the_fixture_log_proposes_host_and_address_groups() {
    let text = outcome(
        meshctl().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "gen",
            "serviceentry",
            "--from-log",
            "fixtures/from-log/report.jsonl",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_line_that_is_not_a_record_names_file_and_line() {
    for (file, want) in [
        (
            "not-json.jsonl",
            "error: fixtures/from-log/not-json.jsonl:3: not a JSON record",
        ),
        (
            "other-schema.jsonl",
            "error: fixtures/from-log/other-schema.jsonl:2: schema `meshctl.proxy.v0`, not `meshctl.proxy.v1`",
        ),
    ] {
        assert!(fixture(file).is_file(), "{file}");
        let text = outcome(
            meshctl()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["gen", "serviceentry", "--from-log"])
                .arg(format!("fixtures/from-log/{file}")),
            &[],
        );
        assert!(
            text.starts_with("exit: 2") && text.contains(want),
            "{file}: {text}"
        );
    }
}

#[test]
fn from_log_conflicts_with_a_host() {
    let text = outcome(
        meshctl().args([
            "gen",
            "serviceentry",
            "db.example.com",
            "--from-log",
            "fixtures/from-log/report.jsonl",
        ]),
        &[],
    );
    assert!(
        text.starts_with("exit: 2") && text.contains("cannot be used with"),
        "{text}"
    );
}
