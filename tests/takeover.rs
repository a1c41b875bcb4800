//! `meshctl proxy --takeover` with the real binary, twice: a second proxy joins the first one's
//! ports under continuous load, the first is sent SIGTERM, and no connection is refused, reset
//! or answered wrongly; the first drains its long-lived connections and exits 0, the second
//! serves what comes after. Without `--takeover` a taken port stays "address in use" (exit 2).
//!
//! Loopback only: a forward-mode proxy in front of the testkit echo upstream, allowed by an
//! entry for 127.0.0.1/32. Counts and deadlines are generous, so a loaded two-core machine
//! slows the test down without failing it.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use meshctl_testkit::echo::echo;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Clients opening one short connection after another.
const SHORT_CLIENTS: usize = 4;
/// Pause between two short connections of one client.
const SHORT_PAUSE: Duration = Duration::from_millis(4);
/// Connections held open across the hand-over, exchanging a chunk every [`LONG_PAUSE`].
const LONG_CONNECTIONS: usize = 3;
const LONG_PAUSE: Duration = Duration::from_millis(20);
/// Deadline for any single step a healthy machine finishes in milliseconds.
const STEP: Duration = Duration::from_secs(10);

/// A scratch directory, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
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

/// A `meshctl proxy` process, killed if the test ends before it exits.
struct Proxy {
    child: Child,
    stderr: PathBuf,
}

impl Proxy {
    fn spawn(dir: &Path, name: &str, args: &[String]) -> Self {
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn terminate(&self) {
        // The shell's builtin: no `kill` binary needed, and no signal crate for one call.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.pid())])
            .status()
            .expect("sh");
        assert!(status.success(), "kill -TERM {}", self.pid());
    }

    /// Waits for the process to exit, up to `within`.
    fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let began = Instant::now();
        while began.elapsed() < within {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn stderr(&self) -> String {
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A configuration allowing the echo upstream (written once: the proxies watch it).
fn write_config(dir: &Path, upstream: SocketAddr) -> PathBuf {
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
fn proxy_args(
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
async fn admin_get(admin: u16, path: &str) -> Option<(u16, Option<u32>)> {
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
async fn ready(admin: u16, pid: Option<u32>) -> bool {
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

/// What the clients saw.
#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    refused: AtomicUsize,
    reset: AtomicUsize,
    wrong: AtomicUsize,
    timed_out: AtomicUsize,
}

impl Tally {
    fn failure(&self, e: &std::io::Error) {
        use std::io::ErrorKind::{ConnectionRefused, UnexpectedEof};
        match e.kind() {
            ConnectionRefused => &self.refused,
            // The upstream echoes everything: an early EOF is a connection cut, not an answer.
            UnexpectedEof => &self.wrong,
            _ => &self.reset,
        }
        .fetch_add(1, Ordering::SeqCst);
    }

    fn summary(&self) -> String {
        format!(
            "ok={} refused={} reset={} wrong={} timed_out={}",
            self.ok.load(Ordering::SeqCst),
            self.refused.load(Ordering::SeqCst),
            self.reset.load(Ordering::SeqCst),
            self.wrong.load(Ordering::SeqCst),
            self.timed_out.load(Ordering::SeqCst)
        )
    }
}

/// One short connection: connect, write, read the echo, half-close, read EOF.
async fn short_connection(addr: SocketAddr, n: usize) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(addr).await?;
    let payload = format!("short connection {n:>12}\n");
    stream.write_all(payload.as_bytes()).await?;
    let mut back = vec![0; payload.len()];
    stream.read_exact(&mut back).await?;
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    Ok(back == payload.as_bytes() && rest.is_empty())
}

/// A client making short connections until `stop`.
async fn short_client(addr: SocketAddr, id: usize, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let mut n = id * 1_000_000;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        match tokio::time::timeout(STEP, short_connection(addr, n)).await {
            Ok(Ok(true)) => tally.ok.fetch_add(1, Ordering::SeqCst),
            Ok(Ok(false)) => tally.wrong.fetch_add(1, Ordering::SeqCst),
            Ok(Err(e)) => {
                tally.failure(&e);
                0
            }
            Err(_) => tally.timed_out.fetch_add(1, Ordering::SeqCst),
        };
        tokio::time::sleep(SHORT_PAUSE).await;
    }
}

/// A connection exchanging a chunk every [`LONG_PAUSE`] until `stop`, then closing cleanly.
/// Returns how many exchanges succeeded, and how many of those came after `handed_over`.
async fn long_connection(
    mut stream: TcpStream,
    id: usize,
    stop: Arc<AtomicBool>,
    handed_over: Arc<AtomicBool>,
) -> std::io::Result<(usize, usize)> {
    let (mut total, mut after) = (0, 0);
    while !stop.load(Ordering::SeqCst) {
        let chunk = format!("long connection {id} chunk {total:>10}\n").repeat(8);
        stream.write_all(chunk.as_bytes()).await?;
        let mut back = vec![0; chunk.len()];
        tokio::time::timeout(STEP, stream.read_exact(&mut back))
            .await
            .map_err(|_| std::io::Error::other("echo timed out"))??;
        if back != chunk.as_bytes() {
            return Err(std::io::Error::other("wrong echo"));
        }
        total += 1;
        if handed_over.load(Ordering::SeqCst) {
            after += 1;
        }
        tokio::time::sleep(LONG_PAUSE).await;
    }
    stream.shutdown().await?;
    let mut rest = Vec::new();
    tokio::time::timeout(STEP, stream.read_to_end(&mut rest))
        .await
        .map_err(|_| std::io::Error::other("no EOF"))??;
    assert!(rest.is_empty(), "bytes after the last echo");
    Ok((total, after))
}

/// The clients of the hand-over test: short connections one after another, and long-lived
/// ones opened at the start.
struct Load {
    tally: Arc<Tally>,
    stop_short: Arc<AtomicBool>,
    stop_long: Arc<AtomicBool>,
    handed_over: Arc<AtomicBool>,
    short: Vec<tokio::task::JoinHandle<()>>,
    long: Vec<tokio::task::JoinHandle<std::io::Result<(usize, usize)>>>,
}

impl Load {
    async fn start(addr: SocketAddr) -> Self {
        let stop_short = Arc::new(AtomicBool::new(false));
        let stop_long = Arc::new(AtomicBool::new(false));
        let handed_over = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let mut long = Vec::new();
        for id in 0..LONG_CONNECTIONS {
            let stream = TcpStream::connect(addr).await.expect("long-lived connect");
            long.push(tokio::spawn(long_connection(
                stream,
                id,
                stop_long.clone(),
                handed_over.clone(),
            )));
        }
        let short = (0..SHORT_CLIENTS)
            .map(|id| tokio::spawn(short_client(addr, id, stop_short.clone(), tally.clone())))
            .collect();
        Self {
            tally,
            stop_short,
            stop_long,
            handed_over,
            short,
            long,
        }
    }

    /// Stops the short clients, then closes the long-lived connections; returns how many
    /// exchanges each long-lived connection made after the hand-over.
    async fn stop(self) -> Vec<usize> {
        self.stop_short.store(true, Ordering::SeqCst);
        for client in self.short {
            client.await.expect("short client");
        }
        self.stop_long.store(true, Ordering::SeqCst);
        let mut after = Vec::new();
        for connection in self.long {
            let (total, since) = connection
                .await
                .expect("long-lived task")
                .expect("a long-lived connection survives the hand-over");
            assert!(total > 0);
            after.push(since);
        }
        after
    }
}

/// The `took N queued connection(s)` counts of a proxy's log, summed over its listeners.
fn taken_from_queues(stderr: &str) -> usize {
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
fn report(line: &str) {
    eprintln!("takeover: {line}");
}

fn access_log_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeover_hands_over_without_refusing_or_resetting_a_connection() {
    let dir = Scratch::new("handover");
    let (upstream, _) = echo().await;
    let config = write_config(&dir.0, upstream);
    let (listen, admin) = (free_port(), free_port());
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    let mut old = Proxy::spawn(
        &dir.0,
        "old",
        &proxy_args(&config, upstream, listen, admin, "old.log", 2),
    );
    assert!(ready(admin, Some(old.pid())).await, "{}", old.stderr());

    // The long-lived connections open before the second proxy exists: the old one drains them.
    let load = Load::start(addr).await;
    let tally = load.tally.clone();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&config, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(
        ready(admin, Some(new.pid())).await,
        "the new proxy answers /ready on the shared admin port\n{}",
        new.stderr()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    old.terminate();
    load.handed_over.store(true, Ordering::SeqCst);
    // Ample time for the old proxy to close its sockets: what completes after this started
    // after it, so on the new proxy.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let handed = tally.ok.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Every admin answer now comes from the new proxy.
    for _ in 0..10 {
        let answer = admin_get(admin, "/ready").await;
        assert_eq!(answer, Some((200, Some(new.pid()))), "{}", new.stderr());
    }
    let long_after = load.stop().await;
    let after_sigterm = tally.ok.load(Ordering::SeqCst) - handed;

    let old_status = old.wait(STEP).expect("the old proxy exits after its drain");
    let old_stderr = old.stderr();
    new.terminate();
    let new_status = new.wait(STEP).expect("the new proxy exits on SIGTERM");
    let (old_served, new_served) = (
        access_log_lines(&dir.0.join("old.log")),
        access_log_lines(&dir.0.join("new.log")),
    );
    let ok = tally.ok.load(Ordering::SeqCst);
    let shutdown = old_stderr
        .lines()
        .find(|l| l.contains("shutdown complete"))
        .unwrap_or("(no shutdown line)");
    report(&format!(
        "short connections {} ({after_sigterm} from 300 ms after SIGTERM); long-lived exchanges after SIGTERM {long_after:?}; served old={old_served} new={new_served}; old proxy took {} queued connection(s) at SIGTERM; {shutdown}",
        tally.summary(),
        taken_from_queues(&old_stderr)
    ));

    assert!(old_status.success(), "{old_status}\n{old_stderr}");
    assert!(new_status.success(), "{new_status}\n{}", new.stderr());
    assert_eq!(
        (
            tally.refused.load(Ordering::SeqCst),
            tally.reset.load(Ordering::SeqCst),
            tally.wrong.load(Ordering::SeqCst),
            tally.timed_out.load(Ordering::SeqCst)
        ),
        (0, 0, 0, 0),
        "{}",
        tally.summary()
    );
    assert!(ok >= 100, "too little load to judge: {}", tally.summary());
    assert!(after_sigterm >= 20, "load kept running after SIGTERM");
    assert!(
        long_after.iter().all(|n| *n > 0),
        "the old proxy kept serving its long-lived connections while draining: {long_after:?}"
    );
    assert!(
        old_stderr.contains("shutdown complete") && !old_stderr.contains("drain deadline"),
        "{old_stderr}"
    );
    // Each proxy logs a line per connection it served: together, every connection made, once.
    assert_eq!(old_served + new_served, ok + LONG_CONNECTIONS);
    assert!(
        old_served > LONG_CONNECTIONS,
        "the old proxy served before the hand-over"
    );
    assert!(
        new_served >= after_sigterm,
        "connections after SIGTERM reached the new proxy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_queued_on_the_old_proxy_at_sigterm_are_served_not_reset() {
    const QUEUED: usize = 16;
    let dir = Scratch::new("queued");
    let (upstream, _) = echo().await;
    let config = write_config(&dir.0, upstream);
    let (listen, admin) = (free_port(), free_port());
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    // Full at one connection: the kernel completes the handshakes of the next ones and queues
    // them on the old proxy's sockets, where SIGTERM finds them.
    let mut old = Proxy::spawn(
        &dir.0,
        "old",
        &[
            proxy_args(&config, upstream, listen, admin, "old.log", 1),
            // One worker: with two, the one permit can wait in the worker whose socket gets
            // no connection (permits are taken before `accept`) while the other's queue fills.
            vec!["--max-connections".to_owned(), "1".to_owned()],
        ]
        .concat(),
    );
    assert!(ready(admin, Some(old.pid())).await, "{}", old.stderr());
    let mut holder = TcpStream::connect(addr).await.expect("connect");
    holder.write_all(b"hold").await.expect("write");
    let mut back = [0; 4];
    tokio::time::timeout(STEP, holder.read_exact(&mut back))
        .await
        .expect("the first connection is served")
        .expect("echo");
    let mut queued = Vec::new();
    for n in 0..QUEUED {
        let mut stream = TcpStream::connect(addr).await.expect("queued connect");
        let payload = format!("queued connection {n:>4}\n");
        stream.write_all(payload.as_bytes()).await.expect("write");
        queued.push((stream, payload));
    }
    let mut probe = [0; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), queued[0].0.read(&mut probe))
            .await
            .is_err(),
        "the queued connections wait for the full proxy"
    );

    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&config, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(ready(admin, Some(new.pid())).await, "{}", new.stderr());
    old.terminate();
    let mut served = 0;
    for (stream, payload) in &mut queued {
        let mut back = vec![0; payload.len()];
        let read = tokio::time::timeout(STEP, stream.read_exact(&mut back)).await;
        assert!(
            matches!(read, Ok(Ok(_))),
            "a queued connection was not served: {read:?}\n{}",
            old.stderr()
        );
        assert_eq!(back, payload.as_bytes());
        served += 1;
    }
    drop(queued);
    drop(holder);
    // After the hand-over the new proxy serves what comes.
    for n in 0..20 {
        assert!(short_connection(addr, n).await.expect("served"), "echo");
    }
    let old_status = old.wait(STEP).expect("the old proxy exits after its drain");
    let old_stderr = old.stderr();
    new.terminate();
    let new_status = new.wait(STEP).expect("the new proxy exits on SIGTERM");
    let taken = taken_from_queues(&old_stderr);
    report(&format!(
        "{served}/{QUEUED} connections queued on the old proxy at SIGTERM served (it took {taken} from its queues)"
    ));
    assert!(old_status.success(), "{old_status}\n{old_stderr}");
    assert!(new_status.success(), "{new_status}\n{}", new.stderr());
    assert_eq!(taken, QUEUED, "{old_stderr}");
    assert_eq!(access_log_lines(&dir.0.join("new.log")), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_without_a_loaded_configuration_never_joins() {
    let dir = Scratch::new("unloaded");
    let (upstream, _) = echo().await;
    let config = write_config(&dir.0, upstream);
    let (listen, admin) = (free_port(), free_port());
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    let old = Proxy::spawn(
        &dir.0,
        "old",
        &proxy_args(&config, upstream, listen, admin, "old.log", 2),
    );
    assert!(ready(admin, Some(old.pid())).await, "{}", old.stderr());
    // No Istio resource: generation 0, which would deny everything if it served.
    let nothing = dir.0.join("nothing.yaml");
    std::fs::write(&nothing, "foo: bar\n").expect("write");
    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&nothing, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    let began = Instant::now();
    while !new.stderr().contains("not joining") {
        assert!(began.elapsed() < STEP, "{}", new.stderr());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for n in 0..40 {
        assert!(short_connection(addr, n).await.expect("served"), "echo");
        assert_eq!(
            admin_get(admin, "/ready").await,
            Some((200, Some(old.pid())))
        );
    }
    new.terminate();
    let status = new.wait(STEP).expect("exits on SIGTERM while waiting");
    let stderr = new.stderr();
    assert!(status.success(), "{status}\n{stderr}");
    assert!(stderr.contains("shutdown before taking over"), "{stderr}");
    assert_eq!(access_log_lines(&dir.0.join("new.log")), 0);
}

/// Runs a proxy that should fail before serving, and returns its stderr.
fn fails_to_start(dir: &Path, name: &str, args: &[String]) -> String {
    let mut proxy = Proxy::spawn(dir, name, args);
    let status = proxy.wait(STEP).expect("exits instead of serving");
    let stderr = proxy.stderr();
    assert_eq!(status.code(), Some(2), "{stderr}");
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_takeover_a_taken_port_is_address_in_use() {
    let dir = Scratch::new("in-use");
    let (upstream, _) = echo().await;
    let config = write_config(&dir.0, upstream);
    let (listen, admin) = (free_port(), free_port());
    let running = Proxy::spawn(
        &dir.0,
        "running",
        &proxy_args(&config, upstream, listen, admin, "running.log", 2),
    );
    assert!(
        ready(admin, Some(running.pid())).await,
        "{}",
        running.stderr()
    );

    // The data port, then (on a free data port) the admin port.
    let data = fails_to_start(
        &dir.0,
        "data",
        &proxy_args(&config, upstream, listen, free_port(), "data.log", 2),
    );
    assert!(
        data.contains(&format!(
            "error: binding the proxy listener 127.0.0.1:{listen}\n  caused by: address in use"
        )),
        "{data}"
    );
    assert!(data.contains("pass --takeover"), "{data}");
    let admin_taken = fails_to_start(
        &dir.0,
        "admin",
        &proxy_args(&config, upstream, free_port(), admin, "admin.log", 2),
    );
    assert!(
        admin_taken.contains(&format!(
            "error: binding the admin server 127.0.0.1:{admin}\n  caused by: address in use"
        )),
        "{admin_taken}"
    );
    // Neither failed start took a connection: the running proxy has all of them.
    for n in 0..20 {
        assert!(
            short_connection(([127, 0, 0, 1], listen).into(), n)
                .await
                .expect("served"),
            "echo"
        );
    }
    assert_eq!(
        admin_get(admin, "/ready").await,
        Some((200, Some(running.pid())))
    );
}

#[test]
fn takeover_cannot_join_a_port_another_program_holds() {
    let dir = Scratch::new("foreign");
    // A plain listener, without SO_REUSEPORT: not a group anybody may join.
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = foreign.local_addr().expect("addr").port();
    let upstream: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let config = write_config(&dir.0, upstream);
    let stderr = fails_to_start(
        &dir.0,
        "foreign",
        &[
            proxy_args(&config, upstream, port, free_port(), "foreign.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(stderr.contains("cannot join"), "{stderr}");
}
