//! Soak and fault suite for `meshctl proxy` (loopback only, bounded to a few minutes), driving
//! the real binary: `soak --meshctl target/release/meshctl`.
//!
//! One or more proxies in forward mode, several upstreams on 127.0.0.x, and:
//! * a wave of 10,000 concurrent connections (default), each sending random bytes in chunks over
//!   several seconds, half-closing, and checking end to end: the upstream echoes what it
//!   receives and then sends the digest of everything it received, so loss in either direction
//!   shows;
//! * reloads every 100 ms during the wave into a directory laid out as a ConfigMap volume,
//!   rotating in-place writes, write + rename over, and the atomic `..data` swap; every write is
//!   a real change, and every 2 s the configuration toggles between allowing and denying a
//!   second upstream (B), probed by a short connection every 50 ms;
//! * faults mixed in: an upstream that refuses, one that black-holes, one that resets;
//! * SIGTERM while slow connections are in flight: they must finish intact, new ones be
//!   refused, and the proxy exit 0.
//!
//! Prints one line of counts and exits 1 when a must-be-zero count is not zero (2 when it
//! cannot run). It raises its open-files limit as far as allowed (as root: 65,536); a proxy
//! holds two descriptors per connection, so where the limit stays lower the connections are
//! spread over as many proxy processes as needed, and the line says how many.
//!
//! An example binary, not an ignored test: it needs a process of its own (its rlimit, a child
//! process for the upstreams re-running this binary, one line on stdout and its exit code for
//! `.ci/run`), which libtest's harness would share with other tests and capture.

mod args;
mod client;
mod config;
mod proxy;
mod rlimit;
mod upstream;
mod waves;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use args::Args;
use client::{Barrier, Stats};
use config::Writer;
use proxy::{Proxy, Write3};

/// One line on stdout (the line `.ci/run` shows).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// One line on stderr.
fn complain(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn main() -> ExitCode {
    let args = match args::parse() {
        Ok(Some(args)) => args,
        Ok(None) => {
            return match upstream::serve(|| {
                let _ = writeln!(std::io::stdout().lock(), "ready");
            }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    complain(&format!("soak: upstreams: {err}"));
                    ExitCode::from(2)
                }
            };
        }
        Err(err) => {
            complain(&format!("soak: {err}"));
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    ExitCode::from(runtime.block_on(run(&args)))
}

/// Runs the suite; the exit code.
async fn run(args: &Args) -> u8 {
    let tmp = std::env::temp_dir().join(format!("meshctl-soak-{}", std::process::id()));
    if let Err(err) = std::fs::create_dir_all(&tmp) {
        complain(&format!("soak: {}: {err}", tmp.display()));
        return 2;
    }
    let soft = rlimit::raise_nofile(65536);
    let per_proxy = usize::try_from(soft.saturating_sub(256) / 2)
        .unwrap_or(usize::MAX)
        .max(1);
    let count = if args.proxies > 0 {
        args.proxies
    } else {
        args.connections.div_ceil(per_proxy)
    };
    if soft < args.connections as u64 + 1024 {
        complain(&format!(
            "soak: open files limit {soft} is too low for {} client connections",
            args.connections
        ));
        return 2;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut upstreams = match upstream::spawn(&exe) {
        Ok(child) => child,
        Err(err) => {
            complain(&format!("soak: upstreams did not start: {err}"));
            return 2;
        }
    };
    // The proxies are killed when they drop, at the latest here.
    let code = suite(args, &tmp, count).await;
    let _ = upstreams.kill();
    let _ = upstreams.wait();
    if std::env::var_os("KEEP_TMP").is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    code
}

/// Everything between starting the proxies and the verdict.
async fn suite(args: &Args, tmp: &Path, count: usize) -> u8 {
    let epoch = Instant::now();
    let files = match Writer::new(tmp) {
        Ok(files) => files,
        Err(err) => {
            complain(&format!("soak: writing the configuration: {err}"));
            return 2;
        }
    };
    let mut proxies = Vec::new();
    for index in 0..count {
        match Proxy::start(&args.meshctl, &files, tmp, index, epoch) {
            Ok(proxy) => proxies.push(proxy),
            Err(err) => {
                complain(&format!("soak: starting {}: {err}", args.meshctl.display()));
                return 2;
            }
        }
    }
    for proxy in &mut proxies {
        if !proxy.ready().await {
            complain(&format!(
                "soak: proxy did not start; log:\n{}",
                proxy.tail()
            ));
            return 2;
        }
    }
    let report = traffic(args, proxies, files, epoch).await;
    report.verdict(args, count)
}

/// What a run measured.
struct Report {
    stats: Stats,
    writes: usize,
    /// Writes per method: in place, rename, directory swap.
    methods: [u64; 3],
    generations: usize,
    p99_ms: f64,
    all_open: bool,
    wave_secs: f64,
    drain: waves::Drain,
    proxies: Vec<Proxy>,
}

/// The wave with its reloads, probes and faults, then the drain.
async fn traffic(args: &Args, proxies: Vec<Proxy>, files: Writer, epoch: Instant) -> Report {
    let proxies = Arc::new(proxies);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let written: Arc<Mutex<Vec<Write3>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = proxies
        .iter()
        .map(|p| p.timeline.poll_until(Arc::clone(&stop)))
        .collect();
    let files = Arc::new(Mutex::new(files));
    let reloading = tokio::spawn(reloads(
        Arc::clone(&files),
        Arc::clone(&stop),
        Arc::clone(&written),
        epoch,
    ));
    let wave_done = Arc::new(AtomicBool::new(false));
    let probing = tokio::spawn(waves::probes(
        Arc::clone(&proxies),
        Arc::clone(&stats),
        Arc::clone(&wave_done),
        Arc::clone(&written),
        epoch,
    ));
    let began = Instant::now();
    let barrier = Arc::new(Barrier::new(
        args.connections,
        Duration::from_secs_f64(args.spread + 60.0),
    ));
    waves::wave(args, &proxies, &stats, &barrier).await;
    wave_done.store(true, Ordering::SeqCst);
    let _ = probing.await;
    stop.store(true, Ordering::SeqCst);
    for poller in pollers {
        let _ = poller.join();
    }
    let _ = reloading.await;
    let wave_secs = began.elapsed().as_secs_f64();

    // Latency per write and proxy: the write's time to the first generation seen with that
    // version or a later one. Writes not reloaded before the wave ended are not counted.
    let written = written.lock().expect("writes").clone();
    let mut latencies: Vec<f64> = proxies
        .iter()
        .flat_map(|proxy| {
            written
                .iter()
                .filter_map(|(t, version, _)| Some(proxy.timeline.effective_from(*version)? - t))
        })
        .collect();
    let p99_ms = percentile(&mut latencies, 99.0) * 1000.0;

    // Every task holding a clone has been awaited above.
    let mut proxies = Arc::into_inner(proxies).expect("no task holds the proxies");
    let drain = waves::drain_phase(args, &mut proxies).await;
    let generations = proxies
        .iter()
        .map(|p| p.timeline.observed.lock().expect("timeline").len())
        .sum();
    let methods = files.lock().expect("writer").counts;
    let stats = std::mem::take(&mut *stats.lock().expect("stats"));
    Report {
        stats,
        writes: written.len(),
        methods,
        generations,
        p99_ms,
        all_open: !barrier.timed_out.load(Ordering::SeqCst),
        wave_secs,
        drain,
        proxies,
    }
}

impl Report {
    /// Prints the line (soak.py's, word for word) and returns the exit code.
    fn verdict(&self, args: &Args, count: usize) -> u8 {
        let Report { stats, drain, .. } = self;
        say(&format!(
            "soak: connections={} concurrent={} (all open at once: {}) proxies={count} \
             bytes_lost={} allowed_reset={} denied_admitted={} reload_p99_ms={:.0} \
             writes={} (in-place {}, rename {}, dir-swap {}) generations_seen={} \
             b_allowed={} b_denied={} b_revoked={} faults(refuse/hole/reset)={}/{}/{} \
             fault_leaks={} drain={}/{} refused_after_sigterm={} exit={} wave_s={:.0}",
            stats.connections,
            stats.max_open,
            python_bool(self.all_open),
            stats.bytes_lost,
            stats.allowed_reset,
            stats.denied_admitted,
            self.p99_ms,
            self.writes,
            self.methods[0],
            self.methods[1],
            self.methods[2],
            self.generations,
            stats.b_ok,
            stats.b_denied,
            stats.b_revoked,
            stats.faults[0],
            stats.faults[1],
            stats.faults[2],
            stats.fault_leaks,
            drain.intact,
            drain.in_flight,
            python_bool(drain.refused),
            drain.code,
            self.wave_secs,
        ));
        if !stats.errors.is_empty() {
            say(&format!("soak: client errors by kind: {:?}", stats.errors));
        }
        let drain_ok = drain.intact == drain.in_flight && drain.refused && drain.code == 0;
        let failed = stats.bytes_lost > 0
            || stats.allowed_reset > 0
            || stats.denied_admitted > 0
            || stats.fault_leaks > 0
            || !drain_ok
            || !matches!(
                self.p99_ms.partial_cmp(&args.max_p99_ms),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
            || stats.b_denied == 0
            || stats.b_ok == 0
            || !self.all_open
            || stats.max_open < args.connections as u64;
        if failed {
            complain("soak: FAILED; proxy log tail:");
            complain(&self.proxies[0].tail());
            return 1;
        }
        0
    }
}

/// The line keeps soak.py's spelling of booleans, so the two can be compared word for word.
fn python_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// The `p`th percentile (nearest rank, ties to even as Python rounds); NaN when empty.
fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let last = values.len() - 1;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a list of a few thousand latencies"
    )]
    let index = ((p / 100.0 * last as f64).round_ties_even() as usize).min(last);
    values[index]
}

/// A write every 100 ms; B toggles every 20 writes (2 s).
async fn reloads(
    files: Arc<Mutex<Writer>>,
    stop: Arc<AtomicBool>,
    written: Arc<Mutex<Vec<Write3>>>,
    epoch: Instant,
) {
    let mut version = 0;
    while !stop.load(Ordering::SeqCst) {
        version += 1;
        let allow_b = (version / 20) % 2 == 0;
        let t = epoch.elapsed().as_secs_f64();
        if let Err(err) = files.lock().expect("writer").write(version, allow_b) {
            complain(&format!("soak: write {version}: {err}"));
        }
        written.lock().expect("writes").push((t, version, allow_b));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
