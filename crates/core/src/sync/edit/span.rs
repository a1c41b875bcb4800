//! Where an edit goes in the text: the byte range and its replacement, and the line index that
//! turns the loader's 1-based line/column (characters) into byte offsets.

use std::ops::Range;

use crate::load::Pos;

/// One replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes replaced.
    pub range: Range<usize>,
    /// What goes there.
    pub text: String,
}

/// Line starts of a text, to turn 1-based line/column (characters) into byte offsets.
#[derive(Debug)]
pub struct Lines<'a> {
    pub(super) text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// Byte offset of the start of 1-based `line` (the text's end past the last line).
    pub(super) fn start(&self, line: u64) -> usize {
        usize::try_from(line)
            .ok()
            .and_then(|l| self.starts.get(l.saturating_sub(1)))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte offset just past the end of `line`, newline included.
    pub(super) fn end(&self, line: u64) -> usize {
        self.start(line + 1)
    }

    /// Byte offset of `pos`.
    #[must_use]
    pub fn offset(&self, pos: Pos) -> usize {
        let start = self.start(pos.line);
        let column = usize::try_from(pos.column.saturating_sub(1)).unwrap_or(usize::MAX);
        self.text[start..]
            .char_indices()
            .nth(column)
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}
