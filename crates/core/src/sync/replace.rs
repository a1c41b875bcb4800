//! Replacing a file on a filesystem other people and programs share, so that a rewrite never
//! writes through a link someone planted, never changes who owns the file or who may read it,
//! and never replaces an edit made while meshctl was busy (a DNS lookup can take seconds).
//!
//! The replacement is written beside the file under an unpredictable dot-name opened with
//! `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600: nothing that already exists at that name (a file,
//! a symlink to somebody's secrets) is opened, and the bytes are private until the original's
//! owner, group and mode are copied onto the descriptor (`fchown`, then `fchmod`, since a chown
//! clears the set-id bits). Just before the rename the original is read again and compared with
//! the bytes the edit was planned from; a difference is [`WriteError::Changed`], for the caller
//! to plan again from what is there now. What is left between that read and the rename is one
//! `rename(2)` call.
//!
//! std's `OpenOptions` with `create_new` and `O_NOFOLLOW` is used rather than the `tempfile`
//! crate: tempfile's builder cannot add `O_NOFOLLOW`, and its persist step is the same rename.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher as _, Hasher as _};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// How often a fresh name is tried when one is taken.
const NAME_ATTEMPTS: usize = 16;

/// Why a file was not replaced. The original is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An I/O call failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The file or temporary file concerned.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not writable by its owner or by this process.
    #[error("`{path}` is read-only; pass --force to rewrite it anyway")]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The file has other hard links, which a rename would split from it.
    #[error(
        "`{path}` has {links} hard links; a rewrite would leave the other names with the old content, so it is refused (edit one name and re-link, or keep one link)"
    )]
    HardLinks {
        /// The file.
        path: PathBuf,
        /// Its link count.
        links: u64,
    },
    /// The owner or group cannot be kept (only root can give a file away).
    #[error(
        "`{path}` belongs to uid `{uid}` gid `{gid}`, which this process cannot keep on a rewritten file ({source}); run as its owner, or pass --force to rewrite it owned by this process"
    )]
    Owner {
        /// The file.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// Its group.
        gid: u32,
        /// Why `fchown` failed.
        source: std::io::Error,
    },
    /// The file is not a regular file.
    #[error("`{path}` is not a regular file")]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// Someone else changed the file after it was read.
    #[error("`{path}` changed while it was being rewritten")]
    Changed {
        /// The file.
        path: PathBuf,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file a rewrite of `path` replaces: the target of a symlink (so the link stays a link and
/// the file it names gets the new bytes), else `path` itself.
///
/// # Errors
/// When `path` or its link target cannot be examined.
pub fn target(path: &Path) -> Result<PathBuf, WriteError> {
    let meta = std::fs::symlink_metadata(path).map_err(io(path))?;
    if meta.file_type().is_symlink() {
        std::fs::canonicalize(path).map_err(io(path))
    } else {
        Ok(path.to_path_buf())
    }
}

/// Replaces the regular file `path` (no symlink: see [`target`]) with `bytes` when it still
/// holds `expected`; returns the directory to sync. `before_rename` runs after the replacement is
/// on disk and before the original is read again (tests change the file there).
pub(super) fn replace(
    path: &Path,
    expected: &[u8],
    bytes: &[u8],
    force: bool,
    before_rename: &mut dyn FnMut(&Path),
) -> Result<PathBuf, WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let original = open_nofollow(path).map_err(io(path))?;
    let meta = original.metadata().map_err(io(path))?;
    if !meta.is_file() {
        return Err(WriteError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.nlink() > 1 {
        return Err(WriteError::HardLinks {
            path: path.to_path_buf(),
            links: meta.nlink(),
        });
    }
    if !force && read_only(path, &meta) {
        return Err(WriteError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    drop(original);
    let (tmp_path, mut tmp) = create_temp(&dir, path)?;
    let result = (|| {
        keep_owner(&tmp, path, &meta, force)?;
        tmp.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(io(&tmp_path))?;
        tmp.write_all(bytes).map_err(io(&tmp_path))?;
        tmp.sync_all().map_err(io(&tmp_path))?;
        before_rename(path);
        let mut now = Vec::with_capacity(expected.len());
        open_nofollow(path)
            .and_then(|mut f| f.read_to_end(&mut now))
            .map_err(io(path))?;
        if now != expected {
            return Err(WriteError::Changed {
                path: path.to_path_buf(),
            });
        }
        std::fs::rename(&tmp_path, path).map_err(io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result.map(|()| dir)
}

/// Opens `path` for reading without following a final symlink, and without blocking should
/// someone have put a FIFO there since it was read.
fn open_nofollow(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
}

/// Read-only: the owner has no write bit, or this process may not open the file for writing
/// (root may, whatever the bits say, so the owner's bit is what decides for root).
fn read_only(path: &Path, meta: &std::fs::Metadata) -> bool {
    meta.mode() & 0o200 == 0
        || OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(path)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

/// Gives the replacement the original's owner and group. Only root can give a file away, and a
/// user can only choose groups they belong to; then the rewrite is refused unless forced, since
/// a file that changes owner may stop being readable by the program that owns it.
fn keep_owner(
    tmp: &File,
    path: &Path,
    meta: &std::fs::Metadata,
    force: bool,
) -> Result<(), WriteError> {
    let mine = tmp.metadata().map_err(io(path))?;
    if mine.uid() == meta.uid() && mine.gid() == meta.gid() {
        return Ok(());
    }
    match std::os::unix::fs::fchown(tmp, Some(meta.uid()), Some(meta.gid())) {
        Ok(()) => Ok(()),
        Err(_) if force => Ok(()),
        Err(source) => Err(WriteError::Owner {
            path: path.to_path_buf(),
            uid: meta.uid(),
            gid: meta.gid(),
            source,
        }),
    }
}

/// Creates `dir/.NAME.meshctl-sync.RANDOM` with `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600. A
/// dot-name without a manifest extension is skipped by meshctl's directory loader and the
/// proxy's reload. The random part (128 bits from std's per-process random SipHash keys) keeps
/// anyone from pre-creating the name; a name that is taken anyway is never opened, a new one is
/// drawn.
fn create_temp(dir: &Path, path: &Path) -> Result<(PathBuf, File), WriteError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut last = None;
    for _ in 0..NAME_ATTEMPTS {
        let tmp = dir.join(format!(
            ".{name}.meshctl-sync.{:016x}{:016x}",
            random(),
            random()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => return Err(io(&tmp)(e)),
        }
    }
    let (tmp, e) =
        last.unwrap_or_else(|| (dir.to_path_buf(), std::io::ErrorKind::AlreadyExists.into()));
    Err(io(&tmp)(e))
}

/// 64 bits no other process can predict: std seeds each `RandomState` from the OS's random source.
fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x6d65_7368_7379_6e63);
    hasher.finish()
}

#[cfg(test)]
#[path = "replace_tests.rs"]
mod tests;
