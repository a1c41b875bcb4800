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
//! - as ripgrep does (the `ignore` crate), `.gitignore`, `.ignore` and `.git/info/exclude` are
//!   honoured — also outside a git checkout, so a copied tree behaves like its clone — and
//!   `--exclude` globs prune more; `--no-ignore` reads what ignore files leave out.

use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;

use super::source_error::SourceError;

/// Extensions read from directories.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// How to walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Read hidden files and directories too (never the ConfigMap `..` entries' targets twice:
    /// with this on, a ConfigMap volume is read through `..data` as well).
    pub include_hidden: bool,
    /// Gitignore-style globs, relative to the directory walked (`node_modules`, `charts/**`):
    /// the `--exclude` flag, as ripgrep's `--glob`.
    pub exclude: Vec<String>,
    /// Gitignore-style globs from a configuration file, relative to that file's directory, as
    /// ruff reads its `exclude`: `/charts/` prunes `<dir>/charts` whichever directory is walked.
    pub config_exclude: Option<ConfigExclude>,
    /// Read files that `.gitignore`, `.ignore` and `.git/info/exclude` leave out.
    pub no_ignore: bool,
}

/// The `exclude` globs of a configuration file and the directory they are relative to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigExclude {
    /// The configuration file's directory.
    pub base: PathBuf,
    /// The globs as written.
    pub globs: Vec<String>,
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
    let mut overrides = OverrideBuilder::new(dir);
    for glob in &options.exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| SourceError::BadExclude {
                glob: glob.clone(),
                reason: e.to_string(),
            })?;
    }
    let overrides = overrides.build().map_err(|e| SourceError::BadExclude {
        glob: options.exclude.join(","),
        reason: e.to_string(),
    })?;
    let config_exclude = config_matcher(dir, options.config_exclude.as_ref())?;
    let respect = !options.no_ignore;
    let filter = options.clone();
    let entries = ignore::WalkBuilder::new(dir)
        .follow_links(true)
        // Hidden names are `skip_reason`'s decision, like every other name.
        .hidden(false)
        .git_ignore(respect)
        .git_exclude(respect)
        .git_global(false)
        .ignore(respect)
        .parents(respect)
        .require_git(false)
        .overrides(overrides)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(move |entry| {
            entry.depth() == 0
                || skip_reason(
                    &entry.file_name().to_string_lossy(),
                    entry.file_type().is_some_and(|t| t.is_dir()),
                    &filter,
                )
                .is_none()
                    && !config_exclude
                        .as_ref()
                        .is_some_and(|m| m.excludes(entry.path(), entry.file_type()))
        })
        .build();
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                walked.files.push(entry.into_path());
            }
            Ok(_) => {}
            Err(error) => match classify(dir, error, options) {
                Outcome::Fatal(error) => return Err(error),
                Outcome::Skipped(Some(skipped)) => walked.skipped.push(skipped),
                Outcome::Skipped(None) => {}
            },
        }
    }
    Ok(())
}

/// A configuration file's excludes, ready to test the entries of one walk.
struct ConfigMatcher {
    /// The walked directory, absolute, to turn the walk's paths into the matcher's.
    walked: PathBuf,
    /// The walk's own root as given, which its entries' paths start with.
    given: PathBuf,
    globs: ignore::gitignore::Gitignore,
}

impl ConfigMatcher {
    fn excludes(&self, path: &Path, file_type: Option<std::fs::FileType>) -> bool {
        let relative = path.strip_prefix(&self.given).unwrap_or(path);
        let absolute = self.walked.join(relative);
        // A path outside the configuration file's directory is none of its business.
        absolute.starts_with(self.globs.path())
            && self
                .globs
                .matched(&absolute, file_type.is_some_and(|t| t.is_dir()))
                .is_ignore()
    }
}

/// Builds the matcher of a configuration file's excludes, anchored at the file's directory.
/// Both sides are made absolute (without resolving links) so a walk of `sub/..` or of a path
/// given relative to the current directory meets the file's directory in one form.
fn config_matcher(
    dir: &Path,
    exclude: Option<&ConfigExclude>,
) -> Result<Option<ConfigMatcher>, SourceError> {
    let Some(exclude) = exclude.filter(|e| !e.globs.is_empty()) else {
        return Ok(None);
    };
    let bad = |reason: String| SourceError::BadExclude {
        glob: exclude.globs.join(","),
        reason,
    };
    let absolute = |path: &Path| std::path::absolute(path).map_err(|e| bad(e.to_string()));
    let mut builder = ignore::gitignore::GitignoreBuilder::new(absolute(&exclude.base)?);
    for glob in &exclude.globs {
        builder
            .add_line(None, glob)
            .map_err(|e| SourceError::BadExclude {
                glob: glob.clone(),
                reason: e.to_string(),
            })?;
    }
    let globs = builder.build().map_err(|e| bad(e.to_string()))?;
    Ok(Some(ConfigMatcher {
        walked: absolute(dir)?,
        given: dir.to_path_buf(),
        globs,
    }))
}

/// What a walk error means for the run.
enum Outcome {
    /// An unreadable directory or a symbolic link loop: the input cannot be read.
    Fatal(SourceError),
    /// A link that leads nowhere (warned about unless its name is skipped anyway), or a
    /// malformed ignore-file line (git itself ignores those).
    Skipped(Option<Skipped>),
}

fn classify(dir: &Path, error: ignore::Error, options: &WalkOptions) -> Outcome {
    let mut path = dir.to_path_buf();
    let mut error = error;
    loop {
        match error {
            ignore::Error::WithPath { path: p, err } => {
                path = p;
                error = *err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                error = *err;
            }
            ignore::Error::Loop { ancestor, child } => {
                return Outcome::Fatal(SourceError::SymlinkLoop {
                    path: child.display().to_string(),
                    ancestor: ancestor.display().to_string(),
                });
            }
            ignore::Error::Io(reason) => {
                if reason.kind() == std::io::ErrorKind::NotFound
                    && std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                {
                    return Outcome::Skipped(dangling(&path, options));
                }
                return Outcome::Fatal(SourceError::Io {
                    path: path.display().to_string(),
                    reason,
                });
            }
            _ => return Outcome::Skipped(None),
        }
    }
}

/// A link whose target does not exist: a warning, or nothing when the walk would have skipped
/// its name anyway (a hidden editor lock link, say).
fn dangling(path: &Path, options: &WalkOptions) -> Option<Skipped> {
    let name = path.file_name()?.to_string_lossy();
    if skip_reason(&name, true, options).is_some() {
        return None;
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

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
