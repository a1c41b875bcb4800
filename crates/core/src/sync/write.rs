//! From plans to bytes on disk: every plan of one file applied to its text in one pass, then
//! written atomically — beside the file, fsync, rename over it, fsync the directory — so a
//! proxy or GitOps agent watching the file sees the old bytes or the new ones, never half.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::load::Inputs;

use super::edit::{self, EditError, Lines};
use super::grace::DEPARTED_ANNOTATION;
use super::managed::Managed;
use super::plan::Plan;

/// Applies `plans` (entries of the file `path`, loaded from exactly `text` into `inputs`) and
/// returns the new text; the same text when nothing changes.
///
/// # Errors
/// [`EditError`] for a document shape meshctl does not edit.
pub fn rewrite(
    text: &str,
    path: &Arc<str>,
    inputs: &Inputs,
    plans: &[(&Managed, &Plan)],
) -> Result<String, EditError> {
    let lines = Lines::new(text);
    let mut edits = Vec::new();
    for (entry, plan) in plans {
        let Some(loaded) = inputs.service_entries.get(entry.index) else {
            continue;
        };
        let old = loaded
            .resource
            .metadata
            .annotations
            .get(DEPARTED_ANNOTATION)
            .map(String::as_str);
        edits.extend(edit::entry_edits(&lines, path, &loaded.node, plan, old)?);
    }
    if edits.is_empty() {
        return Ok(text.to_owned());
    }
    Ok(edit::apply(text, edits))
}

/// Atomic writes of many files, with each directory synced once at the end: a rename is
/// durable once its directory is, and one `fsync` per directory instead of per file is what
/// makes rewriting hundreds of entries take a second instead of several.
#[derive(Debug, Default)]
pub struct Writer {
    dirs: std::collections::BTreeSet<std::path::PathBuf>,
}

impl Writer {
    /// Replaces `path`'s content with `bytes` atomically (write beside, fsync, rename),
    /// keeping its permissions. Readers see the old bytes or the new ones, never half.
    ///
    /// # Errors
    /// Any I/O error; the original file is untouched then (the temporary file is removed).
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A dot-name without a manifest extension is skipped by meshctl's directory loader
        // (and the proxy's reload); the pid keeps two writers apart.
        let tmp = dir.join(format!(".{name}.meshctl-sync.{}", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            if let Ok(meta) = std::fs::metadata(path) {
                file.set_permissions(meta.permissions())?;
            }
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            self.dirs.insert(dir.to_path_buf());
        }
        result
    }

    /// Syncs every directory a rename happened in. Not every filesystem lets a directory be
    /// synced; the renames have happened either way, so that is not an error.
    pub fn finish(self) {
        for dir in self.dirs {
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
        }
    }
}

/// Replaces one file atomically and syncs its directory ([`Writer`] for many files).
///
/// # Errors
/// Any I/O error; the original file is untouched then.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut writer = Writer::default();
    writer.write(path, bytes)?;
    writer.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("meshctl-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("db.yaml");
        std::fs::write(&file, "old\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&file, b"new\n").expect("atomic write");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "new\n");
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        assert!(write_atomic(&dir.join("missing/db.yaml"), b"x").is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
