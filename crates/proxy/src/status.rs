//! Whether the configuration in memory is the one on disk: the fingerprint of the files a
//! reload would read, and the outcome of the last reload, for `/ready`, `/config_dump` and the
//! `meshctl_config_in_sync` gauge.
//!
//! The fingerprint hashes what the loader would read — the files the shared walker
//! (`meshctl_core::load::walk`) yields for the `-f` paths and `--mesh-config`, their names and
//! contents, and what it skipped — so a rescan that sees the same fingerprint knows no reload
//! can change anything, and one that sees a new fingerprint knows a change was missed. It is a
//! change detector, not a security boundary (SipHash with fixed keys).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher as _};
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Mutex;

use meshctl_core::load::walk::{self, WalkOptions};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Most bytes of one file hashed (the loader refuses larger files anyway).
const MAX_HASHED: u64 = 64 * 1024 * 1024;

/// A fingerprint of the configuration files as they are now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// Reads and hashes what a reload of `paths` would read; unreadable paths hash their error,
    /// so a file that vanishes and comes back is a change both times.
    #[must_use]
    pub fn of(paths: &[PathBuf]) -> Fingerprint {
        let mut hasher = DefaultHasher::new();
        match walk::expand(paths, &WalkOptions::default()) {
            Ok(walked) => {
                for file in &walked.files {
                    file.hash(&mut hasher);
                    match std::fs::File::open(file) {
                        Ok(f) => {
                            let mut bytes = Vec::new();
                            match f.take(MAX_HASHED).read_to_end(&mut bytes) {
                                Ok(_) => bytes.hash(&mut hasher),
                                Err(e) => e.kind().hash(&mut hasher),
                            }
                        }
                        Err(e) => e.kind().hash(&mut hasher),
                    }
                }
                for skipped in &walked.skipped {
                    skipped.path.hash(&mut hasher);
                }
            }
            Err(e) => e.to_string().hash(&mut hasher),
        }
        Fingerprint(hasher.finish())
    }
}

/// How the last reload attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastReload {
    /// No reload attempted since the first load.
    None,
    /// A new generation is in force.
    Loaded,
    /// The files on disk did not change what is enforced.
    Unchanged,
    /// Refused; the old generation is kept. The reason, one line.
    Refused(String),
}

#[derive(Debug)]
struct State {
    /// Fingerprint of the files the generation in memory was built from.
    loaded: Option<Fingerprint>,
    /// Fingerprint of the files last seen on disk.
    on_disk: Option<Fingerprint>,
    /// Fingerprint of the files the last reload attempt read.
    attempted: Option<Fingerprint>,
    last: LastReload,
}

impl State {
    /// The generation in memory was built from the files as they are on disk. Before anything
    /// is recorded (tests building a policy by hand) there is nothing to be out of sync with.
    fn in_sync(&self) -> bool {
        self.on_disk.is_none() || self.loaded == self.on_disk
    }
}

/// Shared between the reloader (writer) and the admin server (reader). It owns
/// `meshctl_config_generation` and `meshctl_config_in_sync`, kept in step with every change.
#[derive(Debug)]
pub struct ConfigStatus {
    state: Mutex<State>,
    generation: Gauge,
    in_sync: Gauge,
}

/// A consistent reading of [`ConfigStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    /// The generation in memory was built from the files as they are on disk.
    pub in_sync: bool,
    /// How the last reload ended.
    pub last: LastReload,
}

impl ConfigStatus {
    /// Registers the generation and in-sync gauges in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let this = Self {
            state: Mutex::new(State {
                loaded: None,
                on_disk: None,
                attempted: None,
                last: LastReload::None,
            }),
            generation: Gauge::default(),
            in_sync: Gauge::default(),
        };
        registry.register(
            "meshctl_config_generation",
            "Configuration generation in force (0: nothing loaded yet)",
            this.generation.clone(),
        );
        registry.register(
            "meshctl_config_in_sync",
            "1 when the configuration in force is what the files on disk hold, 0 after a refused reload",
            this.in_sync.clone(),
        );
        this.publish(&this.lock());
        this
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the plain-data state inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sets the in-sync gauge from `state` (called with the lock held, so it never lags).
    fn publish(&self, state: &State) {
        self.in_sync.set(i64::from(state.in_sync()));
    }

    /// Records the generation now in force.
    pub(crate) fn set_generation(&self, generation: u64) {
        self.generation
            .set(i64::try_from(generation).unwrap_or(i64::MAX));
    }

    /// The fingerprint the generation in memory was built from.
    #[must_use]
    pub fn loaded(&self) -> Option<Fingerprint> {
        self.lock().loaded
    }

    /// The fingerprint the last reload attempt read (accepted or not): the rescan does not
    /// retry a refused configuration until the files change again.
    #[must_use]
    pub fn attempted(&self) -> Option<Fingerprint> {
        self.lock().attempted
    }

    /// Records what the disk holds now.
    pub fn saw(&self, on_disk: Fingerprint) {
        let mut state = self.lock();
        state.on_disk = Some(on_disk);
        self.publish(&state);
    }

    /// Records the outcome of a reload of the files fingerprinted `on_disk`.
    pub fn record(&self, on_disk: Fingerprint, outcome: LastReload) {
        let mut state = self.lock();
        state.on_disk = Some(on_disk);
        state.attempted = Some(on_disk);
        if matches!(outcome, LastReload::Loaded | LastReload::Unchanged) {
            state.loaded = Some(on_disk);
        }
        state.last = outcome;
        self.publish(&state);
    }

    /// Records a configuration accepted from files that changed while they were read: which
    /// version it holds is unknown, so it matches no fingerprint (and the rescan reloads).
    pub fn record_unsettled(&self, on_disk: Fingerprint) {
        let mut state = self.lock();
        state.on_disk = Some(on_disk);
        state.attempted = None;
        state.loaded = None;
        state.last = LastReload::Loaded;
        self.publish(&state);
    }

    /// The current reading.
    #[must_use]
    pub fn view(&self) -> StatusView {
        let state = self.lock();
        StatusView {
            in_sync: state.in_sync(),
            last: state.last.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_follows_content_names_and_absence() {
        let dir = std::env::temp_dir().join(format!("meshctl-status-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let paths = [dir.clone()];
        let empty = Fingerprint::of(&paths);
        std::fs::write(dir.join("a.yaml"), "a").expect("write");
        let a = Fingerprint::of(&paths);
        assert_ne!(a, empty);
        assert_eq!(Fingerprint::of(&paths), a, "stable");
        std::fs::write(dir.join(".a.yaml.swp"), "x").expect("write");
        assert_eq!(
            Fingerprint::of(&paths),
            a,
            "what the loader skips does not count"
        );
        std::fs::write(dir.join("a.yaml"), "b").expect("write");
        assert_ne!(Fingerprint::of(&paths), a, "content");
        std::fs::remove_dir_all(&dir).expect("rm");
        let gone = Fingerprint::of(&paths);
        assert_ne!(gone, empty, "a missing directory is not an empty one");
    }

    #[test]
    fn in_sync_tracks_the_last_accepted_files() {
        let status = ConfigStatus::register(&mut Registry::default());
        assert!(status.view().in_sync);
        status.record(Fingerprint(1), LastReload::Loaded);
        assert!(status.view().in_sync);
        status.record(Fingerprint(2), LastReload::Refused("empty".into()));
        assert!(!status.view().in_sync);
        status.saw(Fingerprint(1));
        assert!(status.view().in_sync, "the file was put back");
        status.record_unsettled(Fingerprint(3));
        assert!(!status.view().in_sync, "unknown until reloaded");
        assert_eq!(status.loaded(), None);
        assert_eq!(status.attempted(), None);
    }
}
