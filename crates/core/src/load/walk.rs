//! Which files a set of input paths stands for: the one directory walker behind every command
//! that reads paths (`check`, `simulate`, the proxy and its reload rescan), so they can never
//! disagree about what a directory holds.
//!
//! A file named explicitly is always read, whatever its name, as kubectl does. Inside a
//! directory (recursive, sorted by name, symbolic links followed, loops refused):
//! - only Kubernetes manifest extensions are read (`.yaml`, `.yml`, `.json`);
//! - hidden entries — files *and* directories whose name starts with `.` — are skipped. This is
//!   what makes a Kubernetes ConfigMap volume read once: the kubelet writes the data into
//!   `..<timestamp>/`, points the `..data` link at it and exposes each key as a visible link
//!   `key → ..data/key`; only the visible names are read, and the atomic `..data` swap on update
//!   changes what they resolve to (kubernetes/kubernetes `pkg/volume/util/atomic_writer.go`).
//!   `.git/` and editor state (`.#entry.yaml` lock links, `.entry.yaml.swp`) go with it;
//! - editor backups (`entry.yaml~`, `#entry.yaml#`) are skipped;
//! - a link that leads nowhere (a dangling lock link, a key removed mid-update) is a
//!   [`Skipped`] warning, not a failure: one stray link must not stop a proxy from loading.
//!
//! The seam for `.gitignore` support (the `check` issue) is [`WalkOptions`]: it will gain a
//! switch there, and [`skip_reason`] the matching, without touching the callers.

use std::path::{Path, PathBuf};

use super::source_error::SourceError;

/// Extensions read from directories.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Read hidden files and directories too (never the ConfigMap `..` entries' targets twice:
    /// with this on, a ConfigMap volume is read through `..data` as well).
    pub include_hidden: bool,
}

/// A path the walk did not read, and why (shown as a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path as found.
    pub path: PathBuf,
    /// Why it was not read.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.reason)
    }
}

/// The files the inputs stand for, in reading order, and what was left out with a warning.
#[derive(Debug, Clone, Default)]
pub struct Walked {
    /// Files to read (`-` stays `-`: stdin).
    pub files: Vec<PathBuf>,
    /// Entries skipped with a warning.
    pub skipped: Vec<Skipped>,
}

/// Expands `paths`: files as given, directories walked.
///
/// # Errors
/// [`SourceError`] when a named path does not exist, a directory cannot be read, or a
/// directory holds a symbolic link loop.
pub fn expand(paths: &[PathBuf], options: &WalkOptions) -> Result<Walked, SourceError> {
    let mut walked = Walked::default();
    for path in paths {
        if path.as_os_str() != "-" && path.is_dir() {
            walk_dir(path, options, &mut walked)?;
        } else {
            walked.files.push(path.clone());
        }
    }
    Ok(walked)
}

/// Why an entry below a walked directory is not read, or `None` to read (or descend into) it.
#[must_use]
pub fn skip_reason(name: &str, is_dir: bool, options: &WalkOptions) -> Option<&'static str> {
    if name.starts_with('.') && !options.include_hidden {
        return Some("hidden");
    }
    if name.ends_with('~') || (name.starts_with('#') && name.ends_with('#')) {
        return Some("editor backup");
    }
    if is_dir {
        return None;
    }
    let manifest = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e));
    (!manifest).then_some("not a manifest extension")
}

fn walk_dir(dir: &Path, options: &WalkOptions, walked: &mut Walked) -> Result<(), SourceError> {
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || skip_reason(
                    &entry.file_name().to_string_lossy(),
                    entry.file_type().is_dir(),
                    options,
                )
                .is_none()
        });
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_file() => walked.files.push(entry.into_path()),
            Ok(_) => {}
            Err(error) => {
                if let Some(skipped) = dangling(&error, options) {
                    walked.skipped.push(skipped);
                } else if !is_skipped_path(&error, options) {
                    return Err(walk_error(dir, error));
                }
            }
        }
    }
    Ok(())
}

/// A link whose target does not exist: skipped with a warning (or silently when the walk
/// would have skipped its name anyway).
fn dangling(error: &walkdir::Error, options: &WalkOptions) -> Option<Skipped> {
    let path = error.path()?;
    let io = error.io_error()?;
    if io.kind() != std::io::ErrorKind::NotFound || error.loop_ancestor().is_some() {
        return None;
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return None;
    }
    let name = path.file_name()?.to_string_lossy();
    if skip_reason(&name, true, options).is_some() {
        return None; // hidden or a backup: skipped whatever it points to
    }
    Some(Skipped {
        path: path.to_path_buf(),
        reason: match std::fs::read_link(path) {
            Ok(target) => format!(
                "symbolic link to `{}`, which does not exist; skipped",
                target.display()
            ),
            Err(_) => "symbolic link to nothing; skipped".to_owned(),
        },
    })
}

/// An error on an entry whose name the walk skips (a hidden link that leads nowhere, say):
/// walkdir reports it before `filter_entry` can see the name.
fn is_skipped_path(error: &walkdir::Error, options: &WalkOptions) -> bool {
    if error.loop_ancestor().is_some() || error.depth() == 0 {
        return false;
    }
    error
        .path()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy())
        .is_some_and(|n| skip_reason(&n, true, options).is_some())
}

fn walk_error(dir: &Path, error: walkdir::Error) -> SourceError {
    let path = error.path().unwrap_or(dir).display().to_string();
    if let Some(ancestor) = error.loop_ancestor() {
        return SourceError::SymlinkLoop {
            path,
            ancestor: ancestor.display().to_string(),
        };
    }
    let source = error
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("directory walk failed"));
    SourceError::Io {
        path,
        reason: source,
    }
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
