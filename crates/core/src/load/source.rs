//! Reads the inputs the user named: files, directories and `-` for stdin. Which files a
//! directory stands for is [`super::walk`]'s decision, shared with every other reader.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::parse::Limits;
use super::source_error::SourceError;

/// One source's bytes and the name diagnostics will use for it.
#[derive(Debug)]
pub(super) struct RawInput {
    pub(super) name: Arc<str>,
    pub(super) bytes: Vec<u8>,
}

pub(super) fn read_all(
    paths: &[PathBuf],
    limits: &Limits,
    walk: &super::walk::WalkOptions,
) -> Result<(Vec<RawInput>, Vec<super::walk::Skipped>), SourceError> {
    let walked = super::walk::expand(paths, walk)?;
    // Files are read in parallel (thousands of small files are mostly system calls); stdin
    // stays on this thread, in order, so a second `-` reads what is left as before. The first
    // failure in input order is the one reported, as when reading one at a time.
    let stdin: Vec<Option<Result<RawInput, SourceError>>> = walked
        .files
        .iter()
        .map(|file| (file.as_os_str() == "-").then(|| read_stdin(limits)))
        .collect();
    let read: Vec<Result<RawInput, SourceError>> = walked
        .files
        .par_iter()
        .zip(stdin)
        .map(|(file, stdin)| stdin.unwrap_or_else(|| read_file(file, limits)))
        .collect();
    let sources = read.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((sources, walked.skipped))
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
    let bytes = read_capped(file, limits.max_bytes, &name)?;
    Ok(RawInput {
        name: Arc::from(name),
        bytes,
    })
}

fn read_stdin(limits: &Limits) -> Result<RawInput, SourceError> {
    let bytes = read_capped(std::io::stdin().lock(), limits.max_bytes, "-")?;
    Ok(RawInput {
        name: Arc::from("-"),
        bytes,
    })
}

/// Reads at most `limit` bytes; one byte more means the input is too large (stdin, FIFOs and
/// files that grow while read have no trustworthy size up front).
fn read_capped(reader: impl Read, limit: usize, name: &str) -> Result<Vec<u8>, SourceError> {
    let mut bytes = Vec::new();
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
