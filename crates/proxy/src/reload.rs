//! Hot reload that cannot go stale: noticing that the configuration changed, rebuilding the
//! policy, refusing what must not replace it, and saying what changed.
//!
//! Noticing has three independent paths, so that a lost event can delay a reload but never
//! skip it: the [`watcher`](crate::watcher) (re-armed after every batch, so replacing a
//! watched directory does not blind it), SIGHUP, and a periodic rescan every [`RESCAN`] that
//! fingerprints the files a reload would read ([`Fingerprint`]) and reloads when they differ
//! from what is in memory. File events are debounced: a reload runs after [`DEBOUNCE`] of
//! quiet, but never later than [`MAX_DELAY`] after the first event of a burst, so continuous
//! writes cannot postpone it (docs/commands/proxy.md promises 2 s). SIGHUP reloads at once.
//!
//! Nothing is judged by modification time: files that hold the bytes the generation in memory
//! was built from are "unchanged" however often they are rewritten — no new generation, no
//! revocation. A change that takes something away ([`Direction::Narrows`]: an entry, address
//! or port gone) is applied only once the files have held the same content for [`STABLE`]
//! ([`stability`](crate::stability)): a writer that rewrites a file in place and pauses
//! half-way leaves a valid prefix on disk, and applying it at once revoked every connection
//! to the entries it had not written back yet, although the file was whole again 600 ms later.
//! A change that only adds is applied after the debounce, as before: it cannot revoke anything,
//! and a prefix that widens is narrowed back by the rest of the write. Files that keep changing
//! cannot postpone a narrowing change for ever either: [`MAX_STABLE_WAIT`] after the burst's
//! first event, the last configuration read whole is applied. SIGHUP skips the wait (whoever
//! sends it says the files are complete).
//!
//! Rebuilding is `policy::build` (workspace → admission → compile). The result replaces the policy only
//! when it is valid *and* the files hold at least one Istio resource — a ServiceEntry, a Sidecar
//! or a mesh configuration (in `-f` or `--mesh-config`). An empty file, `---`, `null`,
//! `foo: bar` or only a Deployment is refused: it would silently become "no listeners", which
//! under REGISTRY_ONLY resets every connection. Denying everything on purpose is still
//! possible, explicitly: a mesh configuration with REGISTRY_ONLY and no ServiceEntries.
//! A refused or rejected reload keeps the old generation, logs why, counts it
//! (`meshctl_config_reloads_total{result}`) and marks the policy as out of sync with the disk
//! (`/ready`, `meshctl_config_in_sync`); an accepted one logs [`diff`]'s lines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::diff::{Direction, diff, direction};
use crate::policy::{self, Policy, Source};
use crate::stability::Stability;
use crate::status::{ConfigStatus, Fingerprint, LastReload};
pub use crate::trigger::Trigger;
use crate::watcher::{self, Watcher};
use meshctl_core::load;

pub use crate::watcher::watch_paths;

/// What the reloader records into: its outcome counters, and the configuration status it shares
/// with the admin endpoint. Each is registered by its owner ([`crate::metrics::Metrics`]
/// holds them); the reloader sees nothing else.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub(crate) reloads: Arc<ReloadMetrics>,
    pub(crate) config: Arc<ConfigStatus>,
}

/// The reload families: outcomes, and connections a reload revoked.
#[derive(Debug)]
pub(crate) struct ReloadMetrics {
    reloads: Family<ReloadLabels, Counter>,
    revoked: Counter,
}

/// Labels of `meshctl_config_reloads_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    /// `success`; `rejected` (lint errors or unreadable input); `empty` (valid, but no
    /// ServiceEntry, Sidecar or mesh configuration: refused); `unchanged` (same files).
    result: &'static str,
}

impl ReloadMetrics {
    /// Registers the families in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self {
            reloads: Family::default(),
            revoked: Counter::default(),
        };
        registry.register(
            "meshctl_config_reloads",
            "Configuration reloads per result",
            this.reloads.clone(),
        );
        registry.register(
            "meshctl_proxy_revoked_connections",
            "Established connections closed because a reload no longer allows them",
            this.revoked.clone(),
        );
        this
    }

    /// Counts one reload outcome.
    pub(crate) fn count(&self, result: &'static str) {
        self.reloads.get_or_create(&ReloadLabels { result }).inc();
    }

    /// Counts one established connection a reload no longer allows.
    pub(crate) fn revoked(&self) {
        self.revoked.inc();
    }
}

/// Quiet time after the last file event before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Longest wait from the first file event of a burst to the reload, however long the burst.
const MAX_DELAY: Duration = Duration::from_millis(750);

/// How often the files are fingerprinted to catch changes the watcher missed.
pub const RESCAN: Duration = Duration::from_secs(2);

/// How long the files must hold the same content before a change that takes something away
/// is applied.
pub const STABLE: Duration = Duration::from_secs(1);

/// Longest wait from the first file event of a burst to applying a change that takes something
/// away, when the files never hold still for [`STABLE`]: content that changes every 100 ms must
/// still take effect within the documented 2 s.
const MAX_STABLE_WAIT: Duration = Duration::from_secs(1);

/// How often the files are fingerprinted while a change is pending (settling or waiting to
/// be stable).
const SAMPLE: Duration = Duration::from_millis(100);

/// Why a configuration read from disk may not replace the one in force.
#[derive(Debug)]
enum Refusal {
    /// Invalid input or lint errors (`policy::Rejected`).
    Rejected(String),
    /// Valid, but without a single Istio resource.
    Empty(String),
}

/// What one attempt found: the fingerprint of the files it read and the built policy.
struct Attempt {
    on_disk: Fingerprint,
    /// The files did not change while they were read: `on_disk` is what was built.
    settled: bool,
    built: Option<Result<Policy, Refusal>>,
    skipped: Vec<String>,
}

/// The blocking half of a reload: fingerprint, then (unless nothing changed) build and check.
fn attempt_blocking(source: &Source, generation: u64, loaded: Option<Fingerprint>) -> Attempt {
    let watched = source.watched();
    let on_disk = Fingerprint::of(&watched);
    let skipped = load::walk::expand(&watched, &load::walk::WalkOptions::default())
        .map(|w| w.skipped.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    if loaded == Some(on_disk) {
        return Attempt {
            on_disk,
            settled: true,
            built: None,
            skipped,
        };
    }
    let built = match policy::build(source, generation) {
        Err(e) => Err(Refusal::Rejected(e.to_string())),
        // The workspace admitted no ServiceEntry, Sidecar or mesh configuration (a
        // `--mesh-config` always counts: `build` requires it to hold one).
        Ok(accepted) if accepted.empty => Err(Refusal::Empty(format!(
            "no Istio resources in {} (no ServiceEntry, Sidecar or mesh configuration); to deny everything on purpose, load a mesh configuration with REGISTRY_ONLY",
            describe(&source.sources.paths)
        ))),
        Ok(accepted) => {
            for finding in &accepted.lint_errors {
                tracing::warn!("lint error (enforced anyway; --strict refuses): {finding}");
            }
            Ok(accepted.policy)
        }
    };
    // A write during the build means the policy may hold newer files than `on_disk` names;
    // recording it as loaded could later mistake a revert for "nothing to do".
    let after = Fingerprint::of(&watched);
    Attempt {
        on_disk: after,
        settled: after == on_disk,
        built: Some(built),
        skipped,
    }
}

fn describe(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn attempt(source: &Source, next: u64, metrics: &Recorder) -> Attempt {
    let owned = source.clone();
    let loaded = metrics.config.loaded();
    tokio::task::spawn_blocking(move || attempt_blocking(&owned, next, loaded))
        .await
        .unwrap_or_else(|e| Attempt {
            on_disk: Fingerprint::of(&[]),
            settled: false,
            built: Some(Err(Refusal::Rejected(format!("reload task failed: {e}")))),
            skipped: Vec::new(),
        })
}

/// Records an accepted configuration; one whose files changed while it was read is not known
/// to match any fingerprint, so the next rescan reloads it.
fn record_loaded(metrics: &Recorder, on_disk: Fingerprint, settled: bool) {
    if settled {
        metrics.config.record(on_disk, LastReload::Loaded);
    } else {
        metrics.config.record_unsettled(on_disk);
    }
}

/// Rebuilds the policy once; on success swaps it in and returns true. Unchanged files, invalid
/// configurations and configurations without Istio resources keep the old policy (false).
/// This is SIGHUP's reload: applied at once, whichever way it changes what is allowed.
pub async fn reload(source: &Source, tx: &watch::Sender<Arc<Policy>>, metrics: &Recorder) -> bool {
    match reload_for(source, tx, metrics, Trigger::Signal, false).await {
        Outcome::Done(applied) => applied,
        // Not gated: never pending.
        Outcome::Narrowing(pending) => {
            apply(tx, metrics, *pending, Trigger::Signal);
            true
        }
    }
}

/// A valid configuration waiting to be applied.
struct Pending {
    policy: Policy,
    changes: Vec<String>,
    on_disk: Fingerprint,
    settled: bool,
}

/// How one reload attempt ended.
enum Outcome {
    /// Applied (true), or unchanged, refused or rejected (false).
    Done(bool),
    /// A configuration that takes something away, held back until its files are stable.
    Narrowing(Box<Pending>),
}

/// Rebuilds the policy; applies it unless `gated` and it takes something away.
async fn reload_for(
    source: &Source,
    tx: &watch::Sender<Arc<Policy>>,
    metrics: &Recorder,
    why: Trigger,
    gated: bool,
) -> Outcome {
    let current = tx.borrow().clone();
    let result = attempt(source, current.generation + 1, metrics).await;
    for warning in &result.skipped {
        tracing::warn!("{warning}");
    }
    let keep = |reason: &str, refusal: &Refusal| {
        let (label, verb) = match refusal {
            Refusal::Rejected(_) => ("rejected", "rejected"),
            Refusal::Empty(_) => ("empty", "refused"),
        };
        metrics.reloads.count(label);
        metrics
            .config
            .record(result.on_disk, LastReload::Refused(reason.to_owned()));
        tracing::warn!(
            "config reload ({}) {verb}, keeping generation {}: {reason}",
            why.as_str(),
            current.generation
        );
    };
    match result.built {
        None => {
            metrics.reloads.count("unchanged");
            metrics.config.record(result.on_disk, LastReload::Unchanged);
            tracing::debug!(
                "config reload ({}): files unchanged, generation {} stays",
                why.as_str(),
                current.generation
            );
            Outcome::Done(false)
        }
        Some(Err(refusal)) => {
            let reason = match &refusal {
                Refusal::Rejected(r) | Refusal::Empty(r) => r.clone(),
            };
            keep(&reason, &refusal);
            Outcome::Done(false)
        }
        Some(Ok(policy)) => {
            let pending = Pending {
                changes: diff(&current.registry, &policy.registry),
                on_disk: result.on_disk,
                settled: result.settled,
                policy,
            };
            if gated && direction(&current.registry, &pending.policy.registry) == Direction::Narrows
            {
                metrics.config.saw(pending.on_disk);
                return Outcome::Narrowing(Box::new(pending));
            }
            apply(tx, metrics, pending, why);
            Outcome::Done(true)
        }
    }
}

/// Swaps in a built configuration, counts and logs it.
fn apply(tx: &watch::Sender<Arc<Policy>>, metrics: &Recorder, pending: Pending, why: Trigger) {
    let Pending {
        policy,
        changes,
        on_disk,
        settled,
    } = pending;
    metrics.reloads.count("success");
    metrics.config.set_generation(policy.generation);
    record_loaded(metrics, on_disk, settled);
    tracing::info!(
        "config generation {} loaded from {} file(s) ({}): {}",
        policy.generation,
        policy.sources.len(),
        why.as_str(),
        if changes.is_empty() {
            "no listener changes".to_owned()
        } else {
            format!("{} change(s)", changes.len())
        }
    );
    for change in &changes {
        tracing::info!("  {change}");
    }
    tx.send_replace(Arc::new(policy));
}

/// The first load. An invalid configuration is an error (the caller exits 2); one without
/// Istio resources is logged and leaves generation 0 in force — deny everything, `/ready` 503 —
/// until a real configuration appears (a ConfigMap volume may be populated after start).
pub async fn first_load(
    source: &Source,
    tx: &watch::Sender<Arc<Policy>>,
    metrics: &Recorder,
) -> Result<(), String> {
    let result = attempt(source, 1, metrics).await;
    for warning in &result.skipped {
        tracing::warn!("{warning}");
    }
    match result.built {
        Some(Ok(policy)) => {
            metrics.reloads.count("success");
            metrics.config.set_generation(1);
            record_loaded(metrics, result.on_disk, result.settled);
            tracing::info!(
                "config generation 1 loaded from {} file(s): {} listener(s), outbound policy {} ({})",
                policy.sources.len(),
                policy.registry.listeners().len(),
                policy.registry.outbound_policy(),
                policy.registry.policy_source()
            );
            tx.send_replace(Arc::new(policy));
            Ok(())
        }
        Some(Err(Refusal::Empty(reason))) => {
            metrics.reloads.count("empty");
            metrics
                .config
                .record(result.on_disk, LastReload::Refused(reason.clone()));
            tracing::warn!("{reason}; denying every connection until a configuration appears");
            Ok(())
        }
        Some(Err(Refusal::Rejected(reason))) => Err(reason),
        None => Ok(()),
    }
}

/// Starts the reloader: the watcher (if the platform allows one), the rescan and the reload
/// loop. Send [`Trigger::Signal`] on the returned sender for SIGHUP.
pub fn start(
    source: Source,
    tx: watch::Sender<Arc<Policy>>,
    metrics: Recorder,
) -> mpsc::UnboundedSender<Trigger> {
    let (trigger_tx, triggers) = mpsc::unbounded_channel();
    let watcher = match watcher::watch_paths(&source.watched(), trigger_tx.clone()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(
                "cannot watch the configuration files ({e}); changes are found by the {} rescan and SIGHUP",
                humantime::format_duration(RESCAN)
            );
            None
        }
    };
    tokio::spawn(run(source, tx, metrics, triggers, watcher));
    trigger_tx
}

fn rearm(watcher: Option<&Watcher>) {
    if let Some(w) = watcher
        && let Err(e) = w.rearm()
    {
        tracing::debug!("re-arming the file watcher: {e}");
    }
}

/// Fingerprints the files off the runtime's threads.
async fn sample(files: &[PathBuf]) -> Option<Fingerprint> {
    let paths = files.to_vec();
    tokio::task::spawn_blocking(move || Fingerprint::of(&paths))
        .await
        .ok()
}

/// Reloads on every trigger until the trigger channel closes.
pub async fn run(
    source: Source,
    tx: watch::Sender<Arc<Policy>>,
    metrics: Recorder,
    mut triggers: mpsc::UnboundedReceiver<Trigger>,
    watcher: Option<Watcher>,
) {
    let mut rescan = tokio::time::interval(RESCAN);
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    rescan.tick().await;
    let files = source.watched();
    let mut stability = Stability::default();
    loop {
        let first = tokio::select! {
            trigger = triggers.recv() => match trigger {
                Some(t) => t,
                None => return,
            },
            _ = rescan.tick() => {
                rearm(watcher.as_ref());
                let Some(on_disk) = sample(&files).await else {
                    continue;
                };
                stability.observe(on_disk, Instant::now());
                metrics.config.saw(on_disk);
                if metrics.config.loaded() == Some(on_disk) || metrics.config.attempted() == Some(on_disk) {
                    continue;
                }
                Trigger::Rescan
            }
        };
        let mut why = first;
        let deadline = Instant::now() + MAX_STABLE_WAIT;
        loop {
            if why != Trigger::Signal {
                // A narrowing change that keeps changing is not settled again past its
                // deadline, but attempts stay at least a sample apart.
                let now = Instant::now();
                let latest = (now + MAX_DELAY).min(deadline).max(now + SAMPLE);
                why = settle_sampling(why, &mut triggers, latest, &mut stability, &files).await;
            }
            rearm(watcher.as_ref());
            let gated = why != Trigger::Signal;
            let pending = match reload_for(&source, &tx, &metrics, why, gated).await {
                Outcome::Done(_) => break,
                Outcome::Narrowing(pending) => pending,
            };
            if !pending.settled {
                // Built from files that changed while they were read: look again.
                why = Trigger::File;
                continue;
            }
            if Instant::now() >= deadline {
                // The files never held still for STABLE; this is the last whole reading.
                apply(&tx, &metrics, *pending, why);
                break;
            }
            match confirm(
                pending.on_disk,
                deadline,
                &mut stability,
                &mut triggers,
                &files,
            )
            .await
            {
                Confirmed::Stable => {
                    apply(&tx, &metrics, *pending, why);
                    break;
                }
                Confirmed::Signal => why = Trigger::Signal,
                Confirmed::Changed => why = Trigger::File,
                Confirmed::Closed => return,
            }
        }
    }
}

/// How waiting for a narrowing change's files to be stable ended.
enum Confirmed {
    /// They held the content it was built from for [`STABLE`], or until the deadline.
    Stable,
    /// They changed: build again from what they hold now.
    Changed,
    /// SIGHUP: build again and apply at once.
    Signal,
    /// The trigger channel closed (the reloader is stopping).
    Closed,
}

/// Waits until the files have held `built_from` for [`STABLE`] (or still hold it at
/// `deadline`), sampling every [`SAMPLE`].
async fn confirm(
    built_from: Fingerprint,
    deadline: Instant,
    stability: &mut Stability,
    triggers: &mut mpsc::UnboundedReceiver<Trigger>,
    files: &[PathBuf],
) -> Confirmed {
    loop {
        let Some(on_disk) = sample(files).await else {
            return Confirmed::Changed;
        };
        let now = Instant::now();
        let since = stability.observe(on_disk, now);
        if on_disk != built_from {
            return Confirmed::Changed;
        }
        let due = (since + STABLE).min(deadline);
        if now >= due {
            return Confirmed::Stable;
        }
        let wake = (now + SAMPLE).min(due);
        loop {
            tokio::select! {
                trigger = triggers.recv() => match trigger {
                    Some(Trigger::Signal) => return Confirmed::Signal,
                    // The next sample tells; events only say that something happened.
                    Some(_) => {}
                    None => return Confirmed::Closed,
                },
                () = tokio::time::sleep_until(wake) => break,
            }
        }
    }
}

/// [`settle_by`], fingerprinting the files every [`SAMPLE`] meanwhile so that how long they have
/// held their content is known from the burst's first event on, not from its end.
async fn settle_sampling(
    first: Trigger,
    triggers: &mut mpsc::UnboundedReceiver<Trigger>,
    latest: Instant,
    stability: &mut Stability,
    files: &[PathBuf],
) -> Trigger {
    let settled = settle_by(first, triggers, latest);
    tokio::pin!(settled);
    let mut samples = tokio::time::interval(SAMPLE);
    loop {
        tokio::select! {
            biased;
            why = &mut settled => return why,
            _ = samples.tick() => {
                if let Some(on_disk) = sample(files).await {
                    stability.observe(on_disk, Instant::now());
                }
            }
        }
    }
}

/// Waits until a burst of file events is over: [`DEBOUNCE`] of quiet, but no later than
/// `latest` ([`MAX_DELAY`] after the burst began, or a narrowing change's deadline). SIGHUP
/// during the wait ends it at once.
async fn settle_by(
    first: Trigger,
    triggers: &mut mpsc::UnboundedReceiver<Trigger>,
    latest: Instant,
) -> Trigger {
    let began = Instant::now();
    let mut quiet_until = began + DEBOUNCE;
    loop {
        tokio::select! {
            trigger = triggers.recv() => match trigger {
                Some(Trigger::Signal) => return Trigger::Signal,
                Some(_) => quiet_until = Instant::now() + DEBOUNCE,
                None => return first,
            },
            () = tokio::time::sleep_until(quiet_until.min(latest)) => return first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn continuous_writes_cannot_postpone_a_reload() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if tx.send(Trigger::File).is_err() {
                    return;
                }
            }
        });
        let began = Instant::now();
        assert_eq!(
            settle_by(Trigger::File, &mut rx, Instant::now() + MAX_DELAY).await,
            Trigger::File
        );
        let waited = began.elapsed();
        assert!(
            waited >= MAX_DELAY && waited < MAX_DELAY + Duration::from_millis(50),
            "{waited:?}"
        );
        writer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_settles_after_the_debounce() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(Trigger::File).expect("send");
        let began = Instant::now();
        settle_by(Trigger::File, &mut rx, Instant::now() + MAX_DELAY).await;
        let waited = began.elapsed();
        assert!(
            waited >= DEBOUNCE && waited < DEBOUNCE + Duration::from_millis(20),
            "{waited:?}"
        );
        tx.send(Trigger::Signal).expect("send");
        let began = Instant::now();
        assert_eq!(
            settle_by(Trigger::File, &mut rx, Instant::now() + MAX_DELAY).await,
            Trigger::Signal
        );
        assert!(
            began.elapsed() < Duration::from_millis(1),
            "SIGHUP does not wait"
        );
    }
}
