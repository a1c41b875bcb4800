//! Renders a kustomize root with the real `kubectl kustomize`, never a reimplementation: what a
//! cluster receives from `kubectl apply -k` is what gets linted and decided.
//!
//! Findings must name the files a user edits, not kustomize's output, so the build asks for
//! origin annotations (`buildMetadata: [originAnnotations]`). That setting lives in the
//! kustomization itself, and meshctl never writes into a repository: the root and everything it
//! references are copied into a fresh temporary directory (mirroring their absolute paths, so
//! every relative reference still resolves), the copy gets the setting, and the copy is built.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use super::kustomization::{self, References};

/// Why a kustomize root could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// `kubectl` is not on `PATH`.
    #[error(
        "`{dir}` is a kustomization, and rendering it needs `kubectl kustomize`, but `kubectl` is not on PATH; install kubectl (it includes kustomize) or pass --no-kustomize to read the files as they are"
    )]
    KubectlMissing {
        /// The kustomization's directory.
        dir: String,
    },
    /// kustomize refused the kustomization.
    #[error("`kubectl kustomize {dir}` failed: {message}")]
    Failed {
        /// The kustomization's directory.
        dir: String,
        /// kustomize's first line of complaint.
        message: String,
    },
    /// The temporary copy could not be made.
    #[error("`{dir}`: copying the kustomization for rendering: {message}")]
    Copy {
        /// The kustomization's directory.
        dir: String,
        /// The I/O error.
        message: String,
    },
}

/// The most a render may copy: kustomize inputs are small text files, so more than this is a
/// reference that reaches far past the repository (`resources: [../../..]`), not a kustomization.
const COPY_BUDGET_BYTES: u64 = 256 * 1024 * 1024;
/// The most files a render may copy, for the same reason.
const COPY_BUDGET_FILES: usize = 20_000;

/// Renders the kustomization in `root` (as the user named it, for messages) and returns the
/// YAML stream kustomize printed, with `config.kubernetes.io/origin` on every resource. Only
/// what lies under `bounds` (the directories meshctl was asked to read, absolute) is copied: a
/// kustomization that references anything else is refused, as is one whose closure exceeds the
/// copy budget.
///
/// # Errors
/// [`RenderError`] when kubectl is missing, kustomize fails, or the copy cannot be made.
pub(super) fn render(root: &Path, bounds: &[PathBuf]) -> Result<Vec<u8>, RenderError> {
    let shown = root.display().to_string();
    let copy_err = |e: std::io::Error| RenderError::Copy {
        dir: shown.clone(),
        message: e.to_string(),
    };
    let absolute = absolute(root).map_err(copy_err)?;
    let scratch = Scratch::new().map_err(copy_err)?;
    let mut copier = Copier {
        bounds,
        scratch: scratch.path(),
        bytes: 0,
        files: 0,
        visited: std::collections::BTreeSet::new(),
    };
    copier
        .closure(&absolute)
        .map_err(|message| RenderError::Copy {
            dir: shown.clone(),
            message,
        })?;
    let copied_root = mirrored(scratch.path(), &absolute);
    ask_for_origins(&copied_root).map_err(copy_err)?;
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(&copied_root)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RenderError::KubectlMissing { dir: shown.clone() },
            _ => RenderError::Failed {
                dir: shown.clone(),
                message: e.to_string(),
            },
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // kustomize names the copy; the user knows the original.
        let scratch_text = scratch.path().display().to_string();
        let line = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message");
        // kubectl logs through klog: `E1206 … run.go:72] "command failed" err="…"`.
        let message = line
            .split_once("err=\"")
            .map_or(line, |(_, rest)| rest.strip_suffix('"').unwrap_or(rest))
            .replace("\\\"", "\"")
            .replace(&scratch_text, "");
        return Err(RenderError::Failed {
            dir: shown,
            message,
        });
    }
    Ok(output.stdout)
}

/// `path` made absolute against the current directory and normalized.
pub(crate) fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    Ok(kustomization::normalize(&joined))
}

/// Where absolute `path` lives inside the scratch directory.
fn mirrored(scratch: &Path, path: &Path) -> PathBuf {
    scratch.join(path.strip_prefix("/").unwrap_or(path))
}

/// Copies a kustomization's closure into the scratch directory, inside bounds and budget.
struct Copier<'a> {
    bounds: &'a [PathBuf],
    scratch: &'a Path,
    bytes: u64,
    files: usize,
    /// Directories already copied, by canonical path: symlink loops end here.
    visited: std::collections::BTreeSet<PathBuf>,
}

impl Copier<'_> {
    /// Copies the root's directory tree and, transitively, every directory and file its
    /// kustomizations reference.
    fn closure(&mut self, root: &Path) -> Result<(), String> {
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            self.within(&dir)?;
            if !self.tree(&dir)? {
                continue;
            }
            let Some(file) = kustomization::file_in(&dir) else {
                continue;
            };
            let References { dirs, files } = kustomization::references(&file)?;
            for file in files {
                self.within(&file)?;
                if file.is_file() {
                    self.file(&file)?;
                }
            }
            pending.extend(dirs);
        }
        Ok(())
    }

    /// Refuses a path outside the directories meshctl was asked to read.
    fn within(&self, path: &Path) -> Result<(), String> {
        if self.bounds.iter().any(|b| path.starts_with(b)) {
            return Ok(());
        }
        Err(format!(
            "`{}` lies outside the paths given; meshctl reads only what it was asked to read (render it yourself: `kubectl kustomize DIR | meshctl check -`)",
            path.display()
        ))
    }

    /// Copies a directory tree; false when it was copied before. Symbolic links to
    /// directories are followed inside the bounds only, and each directory is copied once.
    fn tree(&mut self, dir: &Path) -> Result<bool, String> {
        let io = |e: std::io::Error| format!("`{}`: {e}", dir.display());
        let canonical = std::fs::canonicalize(dir).map_err(io)?;
        if !self.visited.insert(canonical.clone()) {
            return Ok(false);
        }
        self.within(&canonical)?;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for path in entries {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue; // a dangling link: nothing kustomize could read either
            };
            if meta.is_dir() {
                self.tree(&path)?;
            } else if meta.is_file() {
                self.file(&path)?;
            }
        }
        Ok(true)
    }

    fn file(&mut self, path: &Path) -> Result<(), String> {
        let io = |e: std::io::Error| format!("`{}`: {e}", path.display());
        let len = std::fs::metadata(path).map_err(io)?.len();
        self.bytes += len;
        self.files += 1;
        if self.bytes > COPY_BUDGET_BYTES || self.files > COPY_BUDGET_FILES {
            return Err(format!(
                "the kustomization and what it references hold more than {} files or {} MiB, more than a kustomization does; render it yourself: `kubectl kustomize DIR | meshctl check -`",
                COPY_BUDGET_FILES,
                COPY_BUDGET_BYTES / (1024 * 1024)
            ));
        }
        let target = mirrored(self.scratch, path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::copy(path, target).map(|_| ()).map_err(io)
    }
}

/// Adds `originAnnotations` to the copied root kustomization's `buildMetadata` (a kustomization
/// that already sets `buildMetadata` keeps its own list, which kustomize then honours).
fn ask_for_origins(root: &Path) -> std::io::Result<()> {
    let Some(file) = kustomization::file_in(root) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(&file)?;
    let has_key = text
        .lines()
        .any(|l| l.starts_with("buildMetadata:") || l.starts_with("\"buildMetadata\":"));
    if has_key {
        return Ok(());
    }
    let mut text = text;
    if !text.ends_with('\n') && !text.is_empty() {
        text.push('\n');
    }
    text.push_str("buildMetadata: [originAnnotations]\n");
    std::fs::write(&file, text)
}

/// A private temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "meshctl-kustomize-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // `create_dir` fails on an existing name: nobody else's directory is ever reused.
        std::fs::create_dir(&dir)?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
