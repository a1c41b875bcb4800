//! From plans to bytes on disk: every plan of one file applied to its text in one pass, then
//! written atomically — beside the file, fsync, rename over it, fsync the directory — so a
//! proxy or GitOps agent watching the file sees the old bytes or the new ones, never half.
//! [`replace`](super::replace) makes each replacement safe on a shared filesystem.

use std::path::Path;
use std::sync::Arc;

use crate::load::Inputs;

use super::edit::{self, EditError, Lines};
use super::grace::DEPARTED_ANNOTATION;
use super::managed::Managed;
use super::plan::Plan;
use super::replace::{self, WriteError};

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

/// Called with a file's path just before its original is read again for the last time.
type Hook = Box<dyn FnMut(&Path)>;

/// Atomic writes of many files, with each directory synced once at the end: a rename is
/// durable once its directory is, and one `fsync` per directory instead of per file is what
/// makes rewriting hundreds of entries take a second instead of several. How each file is
/// replaced safely is [`replace`](super::replace)'s business.
#[derive(Default)]
pub struct Writer {
    dirs: std::collections::BTreeSet<std::path::PathBuf>,
    force: bool,
    before_rename: Option<Hook>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("dirs", &self.dirs)
            .field("force", &self.force)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// A writer that, with `force`, also rewrites read-only files and files whose owner it
    /// cannot keep.
    #[must_use]
    pub fn new(force: bool) -> Self {
        Self {
            force,
            ..Self::default()
        }
    }

    /// Runs `hook` with the file's path after each replacement is on disk and before the
    /// original is read again for the last time: the place where a concurrent writer's edit is
    /// caught, which tests use to make one.
    #[must_use]
    pub fn before_rename(mut self, hook: impl FnMut(&Path) + 'static) -> Self {
        self.before_rename = Some(Box::new(hook));
        self
    }

    /// Replaces `path`'s content with `bytes` atomically when it still holds `expected` (the
    /// bytes the new content was planned from). A symlink is followed to the file it names,
    /// which is replaced beside itself; owner, group and mode are kept. Readers see the old
    /// bytes or the new ones, never half.
    ///
    /// # Errors
    /// [`WriteError::Changed`] when the file no longer holds `expected` (plan again from what it
    /// holds now), the refusals of [`WriteError`], or any I/O error; the original file is
    /// untouched then (the temporary file is removed).
    pub fn write(&mut self, path: &Path, expected: &[u8], bytes: &[u8]) -> Result<(), WriteError> {
        let target = replace::target(path)?;
        let mut none = |_: &Path| {};
        let hook: &mut dyn FnMut(&Path) = match &mut self.before_rename {
            Some(hook) => hook.as_mut(),
            None => &mut none,
        };
        let dir = replace::replace(&target, expected, bytes, self.force, hook)?;
        self.dirs.insert(dir);
        Ok(())
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

/// Replaces one file atomically when it still holds `expected`, and syncs its directory
/// ([`Writer`] for many files).
///
/// # Errors
/// As [`Writer::write`]; the original file is untouched then.
pub fn write_atomic(
    path: &Path,
    expected: &[u8],
    bytes: &[u8],
    force: bool,
) -> Result<(), WriteError> {
    let mut writer = Writer::new(force);
    writer.write(path, expected, bytes)?;
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
        write_atomic(&file, b"old\n", b"new\n", false).expect("atomic write");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "new\n");
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        assert!(write_atomic(&dir.join("missing/db.yaml"), b"", b"x", false).is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
