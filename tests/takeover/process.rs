//! The processes of the takeover tests: a scratch directory, a `meshctl proxy` child (killed if
//! a test fails before it exits), its arguments and configuration, and its admin port.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use meshctl_testkit::echo::echo;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Deadline for any single step a healthy machine finishes in milliseconds.
pub(crate) const STEP: Duration = Duration::from_secs(10);

/// A scratch directory, removed when the test ends.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("meshctl-takeover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What every test that starts a proxy begins with: a scratch directory, an echo upstream the
/// configuration there allows, and the data and admin ports the proxies contend for.
pub(crate) struct Stage {
    pub(crate) dir: Scratch,
    pub(crate) upstream: SocketAddr,
    pub(crate) config: PathBuf,
    pub(crate) listen: u16,
    pub(crate) admin: u16,
}

impl Stage {
    pub(crate) async fn new(name: &str) -> Stage {
        let dir = Scratch::new(name);
        let (upstream, _) = echo().await;
        let config = write_config(&dir.0, upstream);
        Stage {
            dir,
            upstream,
            config,
            listen: free_port(),
            admin: free_port(),
        }
    }
}

/// A `meshctl proxy` process, killed if the test ends before it exits.
pub(crate) struct Proxy {
    child: Child,
    stderr: PathBuf,
}

impl Proxy {
    pub(crate) fn spawn(dir: &Path, name: &str, args: &[String]) -> Self {
        let stderr = dir.join(format!("{name}.stderr"));
        let child = Command::new(env!("CARGO_BIN_EXE_meshctl"))
            .arg("proxy")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("spawn meshctl");
        Self { child, stderr }
    }

    /// Starts a proxy and waits until its own process answers `/ready` on `admin`.
    pub(crate) async fn spawn_ready(dir: &Path, name: &str, args: &[String], admin: u16) -> Self {
        let proxy = Self::spawn(dir, name, args);
        assert!(ready(admin, Some(proxy.pid())).await, "{}", proxy.stderr());
        proxy
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn terminate(&self) {
        // The shell's builtin: no `kill` binary needed, and no signal crate for one call.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.pid())])
            .status()
            .expect("sh");
        assert!(status.success(), "kill -TERM {}", self.pid());
    }

    /// Waits for the process to exit, up to `within`.
    pub(crate) fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let began = Instant::now();
        while began.elapsed() < within {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A configuration allowing the echo upstream (written once: the proxies watch it).
pub(crate) fn write_config(dir: &Path, upstream: SocketAddr) -> PathBuf {
    let file = dir.join("egress.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: echo, namespace: default}}\nspec: {{hosts: [echo.example.com], addresses: ['127.0.0.1/32'], ports: [{{number: {}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n",
            upstream.port()
        ),
    )
    .expect("write config");
    file
}

/// The arguments of a proxy forwarding `listen` to `upstream` on `workers` threads, logging to
/// `log` beside `config`.
pub(crate) fn proxy_args(
    config: &Path,
    upstream: SocketAddr,
    listen: u16,
    admin: u16,
    log: &str,
    workers: u16,
) -> Vec<String> {
    let dir = config.parent().expect("scratch dir");
    [
        "-f",
        config.to_str().expect("utf-8 path"),
        "--forward",
        &format!("127.0.0.1:{listen}={upstream}"),
        "--admin",
        &format!("127.0.0.1:{admin}"),
        "--drain-timeout",
        "30s",
        "--access-log",
        dir.join(log).to_str().expect("utf-8 path"),
        "--worker-threads",
        &workers.to_string(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// One `GET path` on the admin port: the status code and the `x-meshctl-pid` header.
pub(crate) async fn admin_get(admin: u16, path: &str) -> Option<(u16, Option<u32>)> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", admin)).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nhost: meshctl\r\nconnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.ok()?;
        let code = answer.split(' ').nth(1)?.parse().ok()?;
        let pid = answer
            .lines()
            .find_map(|l| l.strip_prefix("x-meshctl-pid: "))
            .and_then(|v| v.trim().parse().ok());
        Some((code, pid))
    };
    tokio::time::timeout(STEP, exchange).await.ok().flatten()
}

/// Waits until `/ready` answers 200 from `pid` (any process when `None`).
pub(crate) async fn ready(admin: u16, pid: Option<u32>) -> bool {
    let began = Instant::now();
    while began.elapsed() < STEP {
        if let Some((200, from)) = admin_get(admin, "/ready").await
            && (pid.is_none() || from == pid)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// The `took N queued connection(s)` counts of a proxy's log, summed over its listeners.
pub(crate) fn taken_from_queues(stderr: &str) -> usize {
    stderr
        .lines()
        .filter_map(|l| {
            l.split("took ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum()
}

#[allow(clippy::print_stderr, reason = "the measured counts are worth seeing")]
pub(crate) fn report(line: &str) {
    eprintln!("takeover: {line}");
}

pub(crate) fn access_log_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Runs a proxy that should fail before serving, and returns its stderr.
pub(crate) fn fails_to_start(dir: &Path, name: &str, args: &[String]) -> String {
    let mut proxy = Proxy::spawn(dir, name, args);
    let status = proxy.wait(STEP).expect("exits instead of serving");
    let stderr = proxy.stderr();
    assert_eq!(status.code(), Some(2), "{stderr}");
    stderr
}
