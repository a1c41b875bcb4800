//! Hot reload: noticing that the configuration changed, rebuilding the policy, and saying what
//! changed.
//!
//! Noticing: the *parent directories* of every `-f` file and `--mesh-config` are watched
//! (plus `-f` directories themselves, recursively), never the files' inodes. Watching an inode
//! misses most real updates: editors and `sed -i` write a new file and rename it over the old
//! one, `rm` + recreate makes a new inode, and a Kubernetes ConfigMap volume swaps a `..data`
//! symlink to a new timestamped directory without touching the visible file at all. An event
//! counts when it names a watched path, something under a watched directory, or a `..`-prefixed
//! entry next to a watched file (the ConfigMap machinery). Bursts are debounced: a reload runs
//! once the directory has been quiet for [`DEBOUNCE`], well within the 2 s promise.
//!
//! Rebuilding is `policy::build` (workspace → admission → compile); a rejected build keeps the old policy
//! and says why. [`diff`] is pure: the listener/chain/cluster lines that appeared or vanished,
//! rathole-style, for the log.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::{mpsc, watch};

use super::metrics::Metrics;
use super::policy::{self, Policy, Source};
use meshctl_core::engine::{Registry, UpstreamSpec};

/// Quiet time after the last file event before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A watched file or directory changed.
    File,
    /// SIGHUP.
    Signal,
}

/// The lines describing a registry, one per chain, plus the policy.
fn lines(registry: &Registry) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(format!(
        "outbound policy {} ({})",
        registry.outbound_policy(),
        registry.policy_source()
    ));
    for listener in registry.listeners() {
        for chain in registry.chains_of(listener) {
            let upstream = match &chain.upstream {
                UpstreamSpec::OriginalDst { target_port: None } => "original destination".into(),
                UpstreamSpec::OriginalDst {
                    target_port: Some(p),
                } => format!("original destination, targetPort {p}"),
                UpstreamSpec::Resolve { endpoints, .. } => format!("resolve {}", join(endpoints)),
                UpstreamSpec::Static { endpoints } => format!("static {}", join(endpoints)),
                UpstreamSpec::FromSni { port } => format!("SNI name, port {port}"),
            };
            out.insert(format!(
                "{} → {} (ServiceEntry {}, {})",
                listener.name,
                chain.cluster,
                registry.entry(chain.entry),
                upstream
            ));
        }
    }
    out
}

fn join(endpoints: &[meshctl_core::engine::Endpoint]) -> String {
    if endpoints.is_empty() {
        return "(no endpoints)".into();
    }
    endpoints
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What changed between two registries: `+ line` for new chains, `- line` for removed ones.
#[must_use]
pub fn diff(old: &Registry, new: &Registry) -> Vec<String> {
    let (old, new) = (lines(old), lines(new));
    let removed = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}

/// A filesystem watcher feeding [`Trigger::File`] into a channel; dropping it stops watching.
pub struct Watcher {
    _inner: notify::RecommendedWatcher,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watcher")
    }
}

/// Starts watching the directories around `paths`; relevant events become triggers on `tx`.
pub fn watch_paths(
    paths: &[PathBuf],
    tx: mpsc::UnboundedSender<Trigger>,
) -> notify::Result<Watcher> {
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let relevant = paths.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        if event.paths.iter().any(|p| is_relevant(p, &relevant)) {
            let _ = tx.send(Trigger::File);
        }
    })?;
    let mut dirs = BTreeSet::new();
    for path in &paths {
        if path.is_dir() {
            watcher.watch(path, RecursiveMode::Recursive)?;
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            dirs.insert(parent.to_path_buf());
        }
    }
    for dir in dirs {
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    }
    Ok(Watcher { _inner: watcher })
}

/// True when an event on `changed` may change the configuration read from `watched`.
#[must_use]
pub fn is_relevant(changed: &Path, watched: &[PathBuf]) -> bool {
    watched.iter().any(|w| {
        changed == w
            || changed.starts_with(w)
            || (changed.parent() == w.parent()
                && changed
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("..")))
    })
}

/// Rebuilds the policy once; on success swaps it in and returns true.
pub async fn reload(source: &Source, tx: &watch::Sender<Arc<Policy>>, metrics: &Metrics) -> bool {
    let current = tx.borrow().clone();
    let next = current.generation + 1;
    let owned = source.clone();
    let built = tokio::task::spawn_blocking(move || policy::build(&owned, next)).await;
    let built = match built {
        Ok(built) => built,
        Err(e) => Err(policy::Rejected::Internal(format!(
            "reload task failed: {e}"
        ))),
    };
    match built {
        Err(e) => {
            metrics.reload("rejected");
            tracing::warn!(
                "config reload rejected, keeping generation {}: {e}",
                current.generation
            );
            false
        }
        Ok(policy::Accepted {
            policy,
            lint_errors,
        }) => {
            for finding in &lint_errors {
                tracing::warn!("lint error (enforced anyway; --strict refuses): {finding}");
            }
            let changes = diff(&current.registry, &policy.registry);
            metrics.reload("success");
            tracing::info!(
                "config generation {} loaded from {} file(s): {}",
                policy.generation,
                policy.sources.len(),
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
            true
        }
    }
}

/// Reloads on every trigger (file events debounced) until the trigger channel closes.
pub async fn run(
    source: Source,
    tx: watch::Sender<Arc<Policy>>,
    metrics: Arc<Metrics>,
    mut triggers: mpsc::UnboundedReceiver<Trigger>,
) {
    while let Some(trigger) = triggers.recv().await {
        let mut why = trigger;
        if trigger == Trigger::File {
            // Wait until the burst (write + rename + chmod …) is over.
            loop {
                tokio::time::sleep(DEBOUNCE).await;
                let mut more = false;
                while let Ok(t) = triggers.try_recv() {
                    more = true;
                    if t == Trigger::Signal {
                        why = t;
                    }
                }
                if !more {
                    break;
                }
            }
        }
        tracing::info!(
            "reloading configuration ({})",
            match why {
                Trigger::File => "file change",
                Trigger::Signal => "SIGHUP",
            }
        );
        reload(&source, &tx, &metrics).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance() {
        let watched = vec![
            PathBuf::from("/etc/meshctl/db.yaml"),
            PathBuf::from("/etc/meshctl/entries"),
        ];
        let cases = [
            ("/etc/meshctl/db.yaml", true),
            ("/etc/meshctl/entries/a.yaml", true),
            ("/etc/meshctl/..data", true),
            ("/etc/meshctl/..2024_01_01_00_00_00.1", true),
            ("/etc/meshctl/other.yaml", false),
            ("/etc/meshctl/.db.yaml.swp", false),
            ("/etc/elsewhere/db.yaml", false),
        ];
        for (path, want) in cases {
            assert_eq!(is_relevant(Path::new(path), &watched), want, "{path}");
        }
    }
}
