//! Reads the inputs the user named: files, directories and `-` for stdin. Which files a
//! directory stands for is [`super::walk`]'s decision, shared with every other reader.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::budget::Limits;
use super::source_error::SourceError;

/// One source's bytes and the name diagnostics will use for it.
#[derive(Debug)]
pub(super) struct RawInput {
    pub(super) name: Arc<str>,
    pub(super) bytes: Vec<u8>,
}

/// A source ready to be read: a file is read by whichever parser thread takes it, so reading
/// (thousands of small files are mostly system calls) runs in parallel with parsing.
#[derive(Debug)]
pub(super) enum Pending {
    /// A file, not read yet.
    File(PathBuf),
    /// Already in memory: stdin, read in input order on the calling thread (a second `-`
    /// reads what the first left, as before), or bytes handed in.
    Read(RawInput),
}

impl Pending {
    /// The source's bytes.
    pub(super) fn read(self, limits: &Limits) -> Result<RawInput, SourceError> {
        match self {
            Pending::File(path) => read_file(&path, limits),
            Pending::Read(input) => Ok(input),
        }
    }
}

/// Walks `paths` and reads stdin; files are left to [`Pending::read`].
pub(super) fn walk_all(
    paths: &[PathBuf],
    limits: &Limits,
    walk: &super::walk::WalkOptions,
) -> Result<(Vec<Pending>, Vec<super::walk::Skipped>), SourceError> {
    let walked = super::walk::expand(paths, walk)?;
    let mut pending = Vec::with_capacity(walked.files.len());
    for file in walked.files {
        if file.as_os_str() == "-" {
            pending.push(Pending::Read(read_stdin(limits)?));
        } else {
            pending.push(Pending::File(file));
        }
    }
    Ok((pending, walked.skipped))
}

fn read_file(path: &Path, limits: &Limits) -> Result<RawInput, SourceError> {
    let name = path.display().to_string();
    let io = |reason| SourceError::Io {
        path: name.clone(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limits.max_bytes as u64 {
        return Err(SourceError::TooLarge {
            path: name,
            size,
            limit: limits.max_bytes,
        });
    }
    // The size is a hint only (the file may change); reserving it avoids growing the buffer
    // by doubling, which left up to half of every small file's buffer unused.
    let hint = usize::try_from(size).map_or(0, |size| size.saturating_add(1));
    let bytes = read_capped(file, limits.max_bytes, &name, hint)?;
    Ok(RawInput {
        name: Arc::from(name),
        bytes,
    })
}

fn read_stdin(limits: &Limits) -> Result<RawInput, SourceError> {
    let bytes = read_capped(std::io::stdin().lock(), limits.max_bytes, "-", 0)?;
    Ok(RawInput {
        name: Arc::from("-"),
        bytes,
    })
}

/// Reads at most `limit` bytes; one byte more means the input is too large (stdin, FIFOs and
/// files that grow while read have no trustworthy size up front).
fn read_capped(
    reader: impl Read,
    limit: usize,
    name: &str,
    hint: usize,
) -> Result<Vec<u8>, SourceError> {
    let mut bytes = Vec::with_capacity(hint.min(limit.saturating_add(1)));
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|reason| SourceError::Io {
            path: name.to_owned(),
            reason,
        })?;
    if bytes.len() > limit {
        return Err(SourceError::TooLarge {
            path: name.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}
