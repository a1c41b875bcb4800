//! Why an input could not be read at all: the one error the reading half of `load` (the walk
//! and the reads) returns, kept apart so both halves name it without importing each other.

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
    #[error("`{path}`: the file is `{size}` bytes, more than the parse budget of `{limit}` bytes")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
}
