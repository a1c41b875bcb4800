//! Noticing that the configuration files changed, in a way that cannot go stale.
//!
//! Watches follow inodes, paths do not: after `rm -rf D; mkdir D` or `mv D D.x; mv D.x D` a
//! watch placed on `D` watches nothing useful, and edits in the new `D` went unnoticed. So:
//! - each `-f`/`--mesh-config` path is covered by a non-recursive watch on its *parent* (or the
//!   nearest ancestor that exists), which sees the path itself being created, removed, renamed
//!   or replaced — including a ConfigMap's `..data` swap next to the file;
//! - a path that is a directory also gets a recursive watch of its own;
//! - [`Watcher::rearm`] (called by the reloader after every batch of events and on every
//!   periodic rescan) compares each armed path's inode with the one on disk now and re-creates
//!   any watch whose target was replaced, appeared or moved.
//!
//! Events are filtered by [`is_relevant`]; what is then actually read is the walker's business
//! (`meshctl_core::load::walk`), and the reloader's rescan backs up any event lost in between.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::trigger::Trigger;

/// A filesystem watcher feeding [`Trigger::File`] into a channel; dropping it stops watching.
pub struct Watcher {
    inner: Mutex<notify::RecommendedWatcher>,
    paths: Vec<PathBuf>,
    /// Armed watch → how it was placed.
    armed: Mutex<BTreeMap<PathBuf, Armed>>,
}

/// A placed watch: recursive or not, and the (device, inode) it was placed on.
type Armed = (bool, Option<(u64, u64)>);

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

/// Starts watching around `paths`; relevant events become [`Trigger::File`] on `tx`.
pub fn watch_paths(
    paths: &[PathBuf],
    tx: mpsc::UnboundedSender<Trigger>,
) -> notify::Result<Watcher> {
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let relevant = paths.clone();
    let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
            Ok(event) => {
                if event.paths.iter().any(|p| is_relevant(p, &relevant)) {
                    let _ = tx.send(Trigger::File);
                }
            }
            // Overflow or a backend error: something may have been missed; reload to be sure.
            Err(_) => {
                let _ = tx.send(Trigger::File);
            }
        }
    })?;
    let watcher = Watcher {
        inner: Mutex::new(inner),
        paths,
        armed: Mutex::new(BTreeMap::new()),
    };
    watcher.rearm()?;
    Ok(watcher)
}

/// Device and inode of what `path` names now (following links), if it exists.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The nearest existing ancestor of `path` (itself excluded).
fn existing_parent(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|p| !p.as_os_str().is_empty() && p.is_dir())
        .map(Path::to_path_buf)
}

impl Watcher {
    /// The watches that should exist now: (path, recursive).
    fn wanted(&self) -> BTreeMap<PathBuf, bool> {
        let mut wanted = BTreeMap::new();
        for path in &self.paths {
            if let Some(parent) = existing_parent(path) {
                wanted.entry(parent).or_insert(false);
            }
            if path.is_dir() {
                wanted.insert(path.clone(), true);
            }
        }
        wanted
    }

    /// Places every watch that is missing or whose target was replaced, and drops the ones no
    /// longer wanted. Cheap when nothing changed (one `stat` per watch).
    pub fn rearm(&self) -> notify::Result<()> {
        let wanted = self.wanted();
        let mut armed = self
            .armed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stale: BTreeSet<PathBuf> = armed
            .keys()
            .filter(|p| !wanted.contains_key(*p))
            .cloned()
            .collect();
        for path in stale {
            let _ = inner.unwatch(&path);
            armed.remove(&path);
        }
        let mut first_error = None;
        for (path, recursive) in wanted {
            let now = identity(&path);
            if armed.get(&path) == Some(&(recursive, now)) {
                continue;
            }
            // The old watch (if any) is on an inode that is gone or elsewhere: replace it.
            let _ = inner.unwatch(&path);
            let mode = if recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            match inner.watch(&path, mode) {
                Ok(()) => {
                    armed.insert(path, (recursive, now));
                }
                Err(e) => {
                    armed.remove(&path);
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// True when an event on `changed` may change the configuration read from `watched`: the path
/// itself, anything under it, an ancestor of it (a parent directory created or replaced), or a
/// `..`-prefixed entry next to it (the ConfigMap machinery).
#[must_use]
pub(crate) fn is_relevant(changed: &Path, watched: &[PathBuf]) -> bool {
    watched.iter().any(|w| {
        changed.starts_with(w)
            || w.starts_with(changed)
            || (changed.parent() == w.parent()
                && changed
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("..")))
    })
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
            ("/etc/meshctl", true),
            ("/etc/meshctl/other.yaml", false),
            ("/etc/meshctl/.db.yaml.swp", false),
            ("/etc/elsewhere/db.yaml", false),
        ];
        for (path, want) in cases {
            assert_eq!(is_relevant(Path::new(path), &watched), want, "{path}");
        }
    }
}
