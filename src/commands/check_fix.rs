//! `check --fix` and `--diff`: groups the findings' source edits by file, applies them to the
//! file's current text (edits whose expected text is not there are skipped, never guessed) and
//! either writes the result or prints it as a unified diff. Stdin is never rewritten.

use std::collections::BTreeMap;

use anyhow::Context as _;

use crate::Io;
use crate::render;
use meshctl_core::rules::{self, Diagnostic, Edit};

/// Applies (or, with `diff_only`, prints) every fix; returns how many files would change.
pub(super) fn apply(
    diagnostics: &[Diagnostic],
    diff_only: bool,
    io: &mut Io<'_>,
) -> anyhow::Result<usize> {
    let mut by_file: BTreeMap<&str, Vec<Edit>> = BTreeMap::new();
    for d in diagnostics {
        if let Some(edit) = &d.fix
            && &*d.origin.path != "-"
        {
            by_file
                .entry(&d.origin.path)
                .or_default()
                .push(edit.clone());
        }
    }
    let (mut files, mut fixed) = (0, 0);
    for (path, edits) in by_file {
        let old = std::fs::read_to_string(path).with_context(|| format!("reading `{path}`"))?;
        let (new, applied) = rules::apply_edits(&old, &edits);
        if new == old {
            continue;
        }
        files += 1;
        fixed += applied;
        if diff_only {
            render::diff::unified(path.strip_prefix("./").unwrap_or(path), &old, &new, io.out)?;
        } else {
            std::fs::write(path, &new).with_context(|| format!("writing `{path}`"))?;
        }
    }
    if !diff_only && files > 0 {
        writeln!(
            io.err,
            "fixed {fixed} {} in {files} {}",
            if fixed == 1 { "finding" } else { "findings" },
            if files == 1 { "file" } else { "files" }
        )?;
    }
    Ok(files)
}
