//! Reads the inputs the user named: files, directories (walked by [`discover`]: ignore files,
//! hidden files, `--exclude`, symlink loops detected) and `-` for stdin. Only Kubernetes
//! manifest extensions are read from directories; a file named explicitly is read whatever its
//! extension, as kubectl does.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::discover::{self, WalkError, WalkOptions};
use super::parse::Limits;

/// One source's bytes and the name diagnostics will use for it.
#[derive(Debug)]
pub(super) struct RawInput {
    pub(super) name: Arc<str>,
    pub(super) bytes: Vec<u8>,
}

/// Why an input could not be read at all (exit 2, unlike per-document problems).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error (in the message, not a separate cause, so it prints once).
        reason: std::io::Error,
    },
    /// A directory contains a symbolic link back to one of its ancestors.
    #[error("`{path}`: symbolic link loop back to `{ancestor}`")]
    SymlinkLoop {
        /// The looping link.
        path: String,
        /// The ancestor it points to.
        ancestor: String,
    },
    /// An `--exclude` glob does not parse.
    #[error("--exclude `{glob}`: {reason}")]
    BadExclude {
        /// The glob as given.
        glob: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A file is larger than the configured limit.
    #[error("`{path}`: file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
}

impl From<WalkError> for SourceError {
    fn from(error: WalkError) -> Self {
        match error {
            WalkError::Io { path, reason } => SourceError::Io { path, reason },
            WalkError::SymlinkLoop { path, ancestor } => {
                SourceError::SymlinkLoop { path, ancestor }
            }
            WalkError::BadExclude { glob, reason } => SourceError::BadExclude { glob, reason },
        }
    }
}

pub(super) fn read_all(
    paths: &[PathBuf],
    limits: &Limits,
    walk: &WalkOptions,
) -> Result<Vec<RawInput>, SourceError> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(read_stdin(limits)?);
        } else if path.is_dir() {
            for file in discover::walk(path, walk).map_err(SourceError::from)? {
                sources.push(read_file(&file, limits)?);
            }
        } else {
            sources.push(read_file(path, limits)?);
        }
    }
    Ok(sources)
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
