//! The three faces agree. The same directories go to `check`, `simulate` and the proxy, which
//! all start from one `Workspace`:
//! - `check` reports an admission error (MSH0xx/MSH1xx) exactly when the proxy refuses to
//!   start, and neither ever refuses for lint findings alone;
//! - both say "cannot answer" (exit 2) for the same ambiguous mesh configuration;
//! - for every configuration the proxy accepts, `simulate`'s verdict for each destination is
//!   the proxy's own decision (transparent mode: `engine::decide` on the policy it enforces),
//!   and for a configuration with rejected resources `simulate` decides without them.

use std::io::{BufRead as _, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use meshctl_core::engine::{self, Connection};
use meshctl_core::workspace::Sources;
use meshctl_proxy::policy::{self, Rejected};

/// What the faces are asked about, in every directory.
const DESTINATIONS: &[(&str, u16, Option<&str>)] = &[
    ("203.0.113.7", 3306, None),
    ("203.0.113.8", 3306, None),
    ("203.0.113.9", 3306, None),
    ("198.51.100.3", 5432, None),
    ("198.51.100.30", 5432, None),
    ("192.0.2.10", 443, Some("api.example.com")),
    ("192.0.2.10", 443, Some("other.example.com")),
];

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/faces")
        .join(name)
}

fn meshctl() -> Command {
    let mut cmd = Command::cargo_bin("meshctl").expect("binary built");
    cmd.env_remove("MYSQL_DB_HOST")
        .env_remove("MYSQL_DB_PORT")
        .env("NO_COLOR", "1");
    cmd
}

/// `check DIR -o json`: its exit code and whether it found an admission error.
fn check(dir: &Path) -> (i32, bool) {
    let output = meshctl()
        .args(["check", "-o", "json"])
        .arg(dir)
        .output()
        .expect("runs");
    let code = output.status.code().expect("exit code");
    if code == 2 {
        return (code, false);
    }
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let admission_error = findings
        .as_array()
        .expect("array")
        .iter()
        .any(|f| f["severity"] == "error" && (f["code"].as_str().expect("code") < "MSH2"));
    (code, admission_error)
}

/// `simulate DEST -f DIR -o json`: exit code and verdict (when it answered).
fn simulate(dir: &Path, ip: &str, port: u16, sni: Option<&str>) -> (i32, Option<String>) {
    let mut cmd = meshctl();
    cmd.args(["simulate", &format!("{ip}:{port}"), "-o", "json", "-f"])
        .arg(dir);
    if let Some(sni) = sni {
        cmd.args(["--sni", sni]);
    }
    let output = cmd.output().expect("runs");
    let code = output.status.code().expect("exit code");
    let verdict = (code != 2).then(|| {
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        report["verdict"].as_str().expect("verdict").to_owned()
    });
    (code, verdict)
}

/// The real `meshctl proxy` binary: `Ok(())` once it says it loaded generation 1, `Err(exit)`
/// when it refuses.
fn proxy_binary_starts(dir: &Path) -> Result<(), i32> {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("meshctl"))
        .args(["proxy", "--listen", "127.0.0.1:0", "--admin", "off", "-f"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn proxy");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("config generation 1 loaded") {
                let _ = tx.send(());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if rx.try_recv().is_ok() {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(());
        }
        if let Some(status) = child.try_wait().expect("wait") {
            return Err(status.code().unwrap_or(-1));
        }
        assert!(
            Instant::now() < deadline,
            "proxy neither started nor exited"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn source(dir: &Path) -> policy::Source {
    policy::Source {
        sources: Sources {
            paths: vec![dir.to_path_buf()],
            ..Sources::default()
        },
        workload: engine::Workload::default(),
        strict: false,
        mesh: None,
        kustomize: true,
    }
}

struct Case {
    name: &'static str,
    /// check's exit code: 0 clean, 1 findings at error, 2 cannot answer.
    check_exit: i32,
    /// Whether Istio would reject part of it (and the proxy must refuse).
    admission_error: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "valid",
        check_exit: 0,
        admission_error: false,
    },
    Case {
        name: "lint-errors",
        check_exit: 1,
        admission_error: false,
    },
    Case {
        name: "rejected",
        check_exit: 1,
        admission_error: true,
    },
    Case {
        name: "parse-error",
        check_exit: 1,
        admission_error: true,
    },
    Case {
        name: "mesh-conflict",
        check_exit: 2,
        admission_error: false,
    },
];

#[test]
fn check_simulate_and_proxy_agree_on_every_directory() {
    for case in CASES {
        let dir = dir(case.name);
        assert!(dir.read_dir().expect("fixture dir").next().is_some());
        let (check_exit, admission_error) = check(&dir);
        assert_eq!(check_exit, case.check_exit, "{}: check exit", case.name);
        assert_eq!(admission_error, case.admission_error, "{}", case.name);

        let built = policy::build(&source(&dir), 1);
        let binary = proxy_binary_starts(&dir);
        match (&built, check_exit) {
            (Err(Rejected::Load(_)), 2) => {
                assert_eq!(binary, Err(2), "{}: proxy binary", case.name);
                for (ip, port, sni) in DESTINATIONS {
                    assert_eq!(simulate(&dir, ip, *port, *sni).0, 2, "{}", case.name);
                }
            }
            (Err(Rejected::Admission { .. }), _) => {
                assert!(
                    admission_error,
                    "{}: proxy refused, check saw no admission error",
                    case.name
                );
                assert_eq!(binary, Err(2), "{}: proxy binary", case.name);
            }
            (Ok(built), _) => {
                assert!(
                    !admission_error,
                    "{}: check saw an admission error, proxy accepted",
                    case.name
                );
                assert_eq!(binary, Ok(()), "{}: proxy binary", case.name);
                for (ip, port, sni) in DESTINATIONS {
                    let dst: IpAddr = ip.parse().expect("ip");
                    let conn = match sni {
                        Some(name) => Connection::tls(dst, *port, Some(name)),
                        None => Connection::tcp(dst, *port),
                    };
                    let proxy = engine::decide(&built.policy.registry, &conn).verdict();
                    let (_, simulated) = simulate(&dir, ip, *port, *sni);
                    assert_eq!(
                        simulated.as_deref(),
                        Some(proxy.as_str()),
                        "{}: {ip}:{port} {sni:?}",
                        case.name
                    );
                }
            }
            (other, code) => panic!("{}: proxy {other:?} with check exit {code}", case.name),
        }
    }
}

#[test]
fn simulate_never_allows_through_an_entry_istio_would_reject() {
    let rejected = dir("rejected");
    let output = meshctl()
        .args(["simulate", "203.0.113.8:3306", "-o", "json", "-f"])
        .arg(&rejected)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "denied");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["verdict"], "DENY");
    assert_eq!(report["rejected"][0]["code"], "MSH101");
    assert_eq!(
        report["rejected"][0]["resource"],
        "ServiceEntry default/dot-host"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dot-host.yaml") && stderr.contains("MSH101"),
        "the rejected entry is named on stderr: {stderr}"
    );
    // The entry Istio admits still works.
    assert_eq!(
        simulate(&rejected, "203.0.113.7", 3306, None).1.as_deref(),
        Some("ALLOW")
    );
}

#[test]
fn lint_errors_refuse_the_proxy_only_under_strict() {
    let lint = dir("lint-errors");
    let strict = policy::Source {
        strict: true,
        ..source(&lint)
    };
    assert!(matches!(
        policy::build(&strict, 1),
        Err(Rejected::Lint { .. })
    ));
    let built = policy::build(&source(&lint), 1).expect("admitted");
    assert!(
        built.lint_errors.iter().any(|e| e.contains("MSH401")),
        "{:?}",
        built.lint_errors
    );
}
