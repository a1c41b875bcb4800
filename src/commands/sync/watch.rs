//! `sync --watch`: a reconciler. Each pass re-reads the files (entries come and go with
//! them), looks up the hosts that are due, writes what changed as `--write` does, and
//! schedules each host again at its TTL (bounded, jittered), or sooner when a grace period
//! ends. Fail static: a failed lookup changes nothing and is retried with backoff, and an
//! answer `sync` refuses to pin changes nothing and is counted and logged; a file that
//! cannot be read keeps its last good content on disk and the loop goes on.
//!
//! SIGTERM and SIGINT are only looked at between writes (while sleeping or looking up), so a
//! file is never left half-done; a write itself is atomic anyway.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use crate::cli::{AdminAddr, SyncArgs, SyncFormat};
use crate::io::Io;
use crate::render;
use meshctl_core::dns::ResolverSettings;
use meshctl_core::escape::Escaped;
use meshctl_core::load::LoadOptions;
use meshctl_core::sync::schedule::{Bounds, Schedule, random_unit};
use meshctl_core::sync::{self, Settings, Status};

use super::files::{self, Planned};
use super::metrics::SyncMetrics;
use super::report;
use super::rewrite::{self, Replan};

/// Largest fraction of a TTL taken off at random.
const JITTER: f64 = 0.1;

/// Added to a grace deadline so the pass that removes the address runs after it, not at it.
const DEADLINE_SLACK: Duration = Duration::from_millis(50);

/// Everything `--watch` needs from the command line.
pub(super) struct WatchPlan<'a> {
    pub(super) paths: Vec<PathBuf>,
    pub(super) options: LoadOptions,
    pub(super) settings: Settings,
    pub(super) resolver: ResolverSettings,
    pub(super) args: &'a SyncArgs,
}

/// One timestamped log line on stderr, escaped so that a file name, host or error text in it
/// can never end the line and forge the next; a log that cannot be written is not worth dying
/// for.
fn log(err: &mut dyn Write, message: &str) {
    let now = humantime::format_rfc3339_millis(SystemTime::now());
    let _ = writeln!(err, "{now} {}", Escaped(message));
}

/// Runs until SIGTERM/SIGINT. The first read of the files must succeed (bad input is exit 2);
/// later failures are logged and retried.
pub(super) async fn run(plan: &WatchPlan<'_>, io: &mut Io<'_>) -> anyhow::Result<()> {
    let args = plan.args;
    let metrics = Arc::new(SyncMetrics::default());
    let stop_rx = stop_on_signal()?;
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    if let AdminAddr::At(addr) = args.admin {
        super::metrics::start(addr, metrics.clone(), stopped())?;
        log(
            io.err,
            &format!("metrics on http://{addr}/metrics, health on /healthz"),
        );
    }
    let bounds = Bounds {
        min: args.min_interval,
        max: args.max_interval,
        jitter: JITTER,
    };
    let mut schedule = Schedule::default();
    let mut pass = 0_u64;
    let mut first = true;
    loop {
        let tree = match files::load(&plan.paths, &plan.options, args.all_static, false) {
            Ok(tree) => tree,
            Err(e) if first => return Err(e),
            Err(e) => {
                log(
                    io.err,
                    &format!(
                        "warning: {e:#}; files left as they are, retrying in {}",
                        humantime::format_duration(bounds.min)
                    ),
                );
                tokio::select! {
                    () = tokio::time::sleep(bounds.min) => continue,
                    () = stopped() => break,
                }
            }
        };
        if first {
            log(
                io.err,
                &format!(
                    "watching {} managed entr{} ({} host(s)) in {} file(s)",
                    tree.entries(),
                    if tree.entries() == 1 { "y" } else { "ies" },
                    tree.hosts().len(),
                    tree.files_read
                ),
            );
            first = false;
        }
        let now = Instant::now();
        let hosts = tree.hosts();
        schedule.track(hosts.iter().map(String::as_str), now);
        let due = schedule.due(now);
        if !due.is_empty() {
            pass += 1;
            let lookups = sync::resolve::resolve_all(
                due.iter().cloned(),
                &plan.resolver,
                usize::from(args.concurrency),
            );
            let answers = tokio::select! {
                answers = lookups => answers,
                () = stopped() => break,
            };
            reconcile(plan, &tree, &answers, &mut schedule, &bounds, &metrics, io)?;
            log(
                io.err,
                &format!(
                    "pass {pass}: looked up {} host(s) in {} ms",
                    answers.len(),
                    now.elapsed().as_millis()
                ),
            );
        }
        let next = schedule.next().unwrap_or(now + bounds.max);
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            () = stopped() => break,
        }
    }
    log(io.err, "stopping: signal received between writes");
    Ok(())
}

/// A channel that turns true on SIGTERM or SIGINT.
fn stop_on_signal() -> anyhow::Result<tokio::sync::watch::Receiver<bool>> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let _ = stop_tx.send(true);
    });
    Ok(stop_rx)
}

/// Plans, writes and reschedules after one round of lookups.
fn reconcile(
    plan: &WatchPlan<'_>,
    tree: &files::Tree,
    answers: &BTreeMap<String, Result<meshctl_core::dns::Lookup, meshctl_core::dns::DnsError>>,
    schedule: &mut Schedule,
    bounds: &Bounds,
    metrics: &SyncMetrics,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut waits: BTreeMap<&str, (Duration, Option<Duration>)> = BTreeMap::new();
    for (host, result) in answers {
        metrics
            .resolutions
            .get_or_create(&SyncMetrics::host(host))
            .inc();
        match result {
            Ok(lookup) => {
                waits.insert(
                    host,
                    (bounds.after_answer(lookup.min_ttl, random_unit()), None),
                );
            }
            Err(e) if e.is_negative_answer() => {
                waits.insert(host, (bounds.after_failure(1), None));
            }
            Err(e) => {
                metrics
                    .failures
                    .get_or_create(&SyncMetrics::host(host))
                    .inc();
                let wait = schedule.failed(host, now, bounds);
                log(
                    io.err,
                    &format!(
                        "warning: could not verify {host}: {e}; nothing changed (fail static), retrying in {}",
                        humantime::format_duration(wait)
                    ),
                );
            }
        }
    }
    let planned = files::plan_all(tree, answers, wall, plan.settings);
    let unix = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    for (entry, p) in planned.iter().flat_map(|f| &f.plans) {
        let label = SyncMetrics::entry(&entry.key);
        if !matches!(p.status, Status::Unverified(_) | Status::Refused(_)) {
            metrics.last_success.get_or_create(&label).set(unix);
        }
        if !matches!(
            p.status,
            Status::InSync | Status::Unverified(_) | Status::Refused(_)
        ) {
            metrics.drifts.get_or_create(&label).inc();
        }
        if let Status::Refused(refused) = &p.status {
            metrics
                .refusals
                .get_or_create(&super::metrics::RefusalLabel {
                    service_entry: entry.key.clone(),
                    reason: refused.kind(),
                })
                .inc();
            log(
                io.err,
                &format!(
                    "warning: {}: {}",
                    entry.resource,
                    report::describe(entry, p, plan.settings.grace)
                ),
            );
        }
        if let (Some(end), Some(slot)) = (p.next_deadline(), waits.get_mut(entry.host.as_str())) {
            let until = end.duration_since(wall).unwrap_or_default() + DEADLINE_SLACK;
            slot.1 = Some(slot.1.map_or(until, |d| d.min(until)));
        }
        if matches!(p.status, Status::HeldEmpty(_) | Status::HeldLast) {
            log(
                io.err,
                &format!(
                    "warning: {}: {}",
                    entry.resource,
                    report::describe(entry, p, plan.settings.grace)
                ),
            );
        }
    }
    for (host, (wait, deadline)) in waits {
        schedule.answered(host, now, wait, deadline);
    }
    let mut writer = sync::write::Writer::new(plan.args.force);
    let replan = Replan {
        answers,
        now: wall,
        settings: plan.settings,
        options: &plan.options,
        all_static: plan.args.all_static,
    };
    for file in &planned {
        write(plan, file, &replan, &mut writer, metrics, io)?;
    }
    writer.finish();
    Ok(())
}

/// Writes (or prints, with `-o yaml`) one file's changes and logs them.
fn write(
    plan: &WatchPlan<'_>,
    file: &Planned<'_>,
    replan: &Replan<'_>,
    writer: &mut sync::write::Writer,
    metrics: &SyncMetrics,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let grace = plan.settings.grace;
    let mut log_drift = |done: &Planned<'_>| -> anyhow::Result<()> {
        for (entry, p) in &done.plans {
            if p.status == Status::Drift {
                log(
                    io.err,
                    &format!(
                        "{}: {}: {}",
                        done.file.path,
                        entry.resource,
                        report::describe(entry, p, grace)
                    ),
                );
            }
        }
        Ok(())
    };
    if plan.args.output == SyncFormat::Yaml {
        match file.new_text() {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(()),
            Err(e) => {
                log(
                    io.err,
                    &format!("warning: {e:#}; `{}` left as it is", file.file.path),
                );
                return Ok(());
            }
        }
        for doc in file.documents() {
            writeln!(io.out, "---")?;
            render::write_yaml(&doc, io.out)?;
        }
        io.out.flush()?;
        return log_drift(file);
    }
    match rewrite::write_file(writer, file, replan, &mut log_drift) {
        Ok(false) => {}
        Ok(true) => {
            metrics
                .writes
                .get_or_create(&super::metrics::ResultLabel { result: "success" })
                .inc();
        }
        Err(e) => {
            metrics
                .writes
                .get_or_create(&super::metrics::ResultLabel { result: "error" })
                .inc();
            log(
                io.err,
                &format!(
                    "warning: {e:#}; `{}` left as it is, will try again",
                    file.file.path
                ),
            );
        }
    }
    Ok(())
}
