//! Where a command writes, given to it rather than taken from the process, so tests run every
//! command in-process against buffers.

use std::io::Write;

/// Where a command writes: results to `out`, notes and warnings to `err`.
pub struct Io<'a> {
    /// Standard output (results).
    pub out: &'a mut dyn Write,
    /// Standard error (notes, warnings).
    pub err: &'a mut dyn Write,
    /// Whether standard output is a terminal (chooses default formats).
    pub out_is_terminal: bool,
}
