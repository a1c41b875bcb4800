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

/// Files larger than this are not copied (kustomize inputs are small; a huge file is not one).
const MAX_COPY_BYTES: u64 = 64 * 1024 * 1024;

/// Renders the kustomization in `root` (as the user named it, for messages) and returns the
/// YAML stream kustomize printed, with `config.kubernetes.io/origin` on every resource.
///
/// # Errors
/// [`RenderError`] when kubectl is missing, kustomize fails, or the copy cannot be made.
pub(super) fn render(root: &Path) -> Result<Vec<u8>, RenderError> {
    let shown = root.display().to_string();
    let copy_err = |e: std::io::Error| RenderError::Copy {
        dir: shown.clone(),
        message: e.to_string(),
    };
    let absolute = absolute(root).map_err(copy_err)?;
    let scratch = Scratch::new().map_err(copy_err)?;
    copy_closure(&absolute, scratch.path()).map_err(|message| RenderError::Copy {
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

/// Copies the root's directory tree and, transitively, every directory and file its
/// kustomizations reference.
fn copy_closure(root: &Path, scratch: &Path) -> Result<(), String> {
    let mut pending = vec![root.to_path_buf()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(dir) = pending.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        copy_tree(&dir, scratch).map_err(|e| format!("`{}`: {e}", dir.display()))?;
        let Some(file) = kustomization::file_in(&dir) else {
            continue;
        };
        let References { dirs, files } = kustomization::references(&file)?;
        for file in files {
            if file.is_file() {
                copy_file(&file, scratch).map_err(|e| format!("`{}`: {e}", file.display()))?;
            }
        }
        pending.extend(dirs);
    }
    Ok(())
}

fn copy_tree(dir: &Path, scratch: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            copy_tree(&path, scratch)?;
        } else if meta.is_file() {
            copy_file(&path, scratch)?;
        }
    }
    Ok(())
}

fn copy_file(path: &Path, scratch: &Path) -> std::io::Result<()> {
    if std::fs::metadata(path)?.len() > MAX_COPY_BYTES {
        return Ok(());
    }
    let target = mirrored(scratch, path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(path, target).map(|_| ())
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
