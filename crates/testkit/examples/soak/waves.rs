//! The traffic of a run: the wave of checked connections with faults on the side, the B probes
//! that run beside it, and the drain under SIGTERM at the end.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meshctl_testkit::echo::expected_reply;
use rustix::process::{Pid, Signal, kill_process};

use crate::args::Args;
use crate::client::{Barrier, Outcome, Rng, Stats, one_connection};
use crate::proxy::{Proxy, Write3};

fn failed_connect(err: &io::Error) -> Outcome {
    Outcome {
        echo: Vec::new(),
        error: Some(err.kind()),
    }
}

/// `args.connections` long-lived checked connections to A, started over `args.spread` seconds
/// and held open until all of them are (then `args.lifetime` seconds of sending); one fault
/// connection (refusing, black-holing, resetting upstream) per fifty on the side.
pub(crate) async fn wave(
    args: &Args,
    proxies: &Arc<Vec<Proxy>>,
    stats: &Arc<Mutex<Stats>>,
    barrier: &Arc<Barrier>,
) {
    let mut rng = Rng::new(7);
    let n = args.connections;
    let mut tasks = tokio::task::JoinSet::new();
    #[expect(
        clippy::cast_precision_loss,
        reason = "connection counts are far below 2^52"
    )]
    let at = |i: usize| Duration::from_secs_f64(args.spread * i as f64 / n as f64);
    let pause = Duration::from_secs_f64(
        args.lifetime / f64::from(u32::try_from(args.chunks).unwrap_or(u32::MAX)),
    );
    for i in 0..n {
        let payload = rng.payload(args.chunks, args.max_bytes);
        let port = proxies[i % proxies.len()].ports.a;
        let (stats, barrier, start, chunks) =
            (Arc::clone(stats), Arc::clone(barrier), at(i), args.chunks);
        tasks.spawn(async move {
            tokio::time::sleep(start).await;
            {
                let mut stats = stats.lock().expect("stats");
                stats.open += 1;
                stats.max_open = stats.max_open.max(stats.open);
            }
            let outcome = match one_connection(port, &payload, chunks, pause, Some(&barrier)).await
            {
                Ok(outcome) => outcome,
                Err(err) => {
                    barrier.give_up_one();
                    failed_connect(&err)
                }
            };
            let mut stats = stats.lock().expect("stats");
            stats.open -= 1;
            stats.record_a(&payload, &outcome);
        });
    }
    for i in 0..n / 50 {
        let kind = i % 3;
        let payload = rng.payload(1, 4096);
        let ports = proxies[i % proxies.len()].ports;
        let port = [ports.refuse, ports.hole, ports.reset][kind];
        let (stats, start) = (Arc::clone(stats), at(i * 50));
        tasks.spawn(async move {
            tokio::time::sleep(start).await;
            let echo = one_connection(port, &payload, 1, Duration::ZERO, None)
                .await
                .map(|outcome| outcome.echo)
                .unwrap_or_default();
            let mut stats = stats.lock().expect("stats");
            stats.connections += 1;
            stats.faults[kind] += 1;
            if !echo.is_empty() {
                stats.fault_leaks += 1; // nothing may come back from a failed upstream
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// A short connection to B every 50 ms until `done`, through each proxy in turn.
pub(crate) async fn probes(
    proxies: Arc<Vec<Proxy>>,
    stats: Arc<Mutex<Stats>>,
    done: Arc<AtomicBool>,
    writes: Arc<Mutex<Vec<Write3>>>,
    epoch: Instant,
) {
    let mut rng = Rng::new(9);
    let mut pending = tokio::task::JoinSet::new();
    let mut n = 0;
    while !done.load(Ordering::SeqCst) {
        let payload = rng.payload(1, 4096);
        let index = n % proxies.len();
        n += 1;
        let started = epoch.elapsed().as_secs_f64();
        let (proxies, stats, writes) = (
            Arc::clone(&proxies),
            Arc::clone(&stats),
            Arc::clone(&writes),
        );
        pending.spawn(async move {
            let port = proxies[index].ports.b;
            let echo = one_connection(port, &payload, 1, Duration::ZERO, None)
                .await
                .map(|outcome| outcome.echo)
                .unwrap_or_default();
            let writes = writes.lock().expect("writes").clone();
            let windows = proxies[index].deny_windows(&writes);
            let mut stats = stats.lock().expect("stats");
            stats.connections += 1;
            stats.record_b(&payload, &echo, started, &windows);
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while pending.join_next().await.is_some() {}
}

/// How the proxies drained.
pub(crate) struct Drain {
    /// Connections in flight at SIGTERM that finished intact.
    pub(crate) intact: usize,
    pub(crate) in_flight: usize,
    /// No proxy accepted a connection after SIGTERM.
    pub(crate) refused: bool,
    /// The exit code farthest from 0.
    pub(crate) code: i32,
}

/// SIGTERM with slow connections in flight: all must finish intact, new ones be refused.
pub(crate) async fn drain_phase(args: &Args, proxies: &mut [Proxy]) -> Drain {
    let mut rng = Rng::new(11);
    let n = args.drain_connections;
    let mut tasks = Vec::new();
    for i in 0..n {
        let payload = rng.payload(1, 16384);
        let port = proxies[i % proxies.len()].ports.a;
        tasks.push(tokio::spawn(async move {
            let outcome = one_connection(port, &payload, 4, Duration::from_millis(500), None).await;
            outcome.is_ok_and(|outcome| outcome.echo == expected_reply(&payload))
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    for proxy in proxies.iter() {
        let _ = kill_process(Pid::from_child(&proxy.child), Signal::TERM);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut refused = true;
    for proxy in proxies.iter() {
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", proxy.ports.a));
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), connect).await {
            refused = false;
        }
    }
    let mut intact = 0;
    for task in tasks {
        if task.await.unwrap_or(false) {
            intact += 1;
        }
    }
    let mut codes = Vec::new();
    for proxy in proxies.iter_mut() {
        codes.push(exit_code(&mut proxy.child, Duration::from_secs(30)).await);
    }
    let code = codes.into_iter().max_by_key(|code| code.abs()).unwrap_or(0);
    Drain {
        intact,
        in_flight: n,
        refused,
        code,
    }
}

/// The child's exit code (minus the signal that ended it, as Python reports it), or -9 after
/// killing a child that did not exit within `timeout`.
async fn exit_code(child: &mut std::process::Child, timeout: Duration) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return status
                    .code()
                    .unwrap_or_else(|| -status.signal().unwrap_or(0));
            }
            Ok(None) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return -9;
            }
        }
    }
}
