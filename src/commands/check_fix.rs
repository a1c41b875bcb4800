//! `check --fix` and `--diff`: groups the findings' source edits by file, applies them to the
//! file's current text (edits whose expected text is not there are skipped, never guessed) and
//! either writes the result or prints it as a unified diff. Stdin is never rewritten. A file is
//! written as `sync --write` writes one (`meshctl_core::sync::write::write_atomic`): atomically,
//! owner and mode kept, a symlink followed to its target, a hard-linked or read-only file
//! refused, and a file changed since it was read left alone.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};

use crate::io::Io;
use crate::render;
use meshctl_core::rules::{self, Diagnostic, Edit};
use meshctl_core::sync::replace::WriteError;
use meshctl_core::sync::write::write_atomic;

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
            match write_atomic(
                std::path::Path::new(path),
                old.as_bytes(),
                new.as_bytes(),
                false,
            ) {
                Ok(()) => {}
                Err(WriteError::ReadOnly { .. }) => {
                    bail!("`{path}` is read-only; make it writable to fix it")
                }
                Err(WriteError::Owner { uid, gid, .. }) => bail!(
                    "`{path}` belongs to uid `{uid}` gid `{gid}`, which a rewrite by this user cannot keep; fix it as its owner"
                ),
                Err(WriteError::Changed { .. }) => {
                    bail!("`{path}` changed while it was being fixed; run check --fix again")
                }
                Err(e) => return Err(e.into()),
            }
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
