//! `check --diff`: what `--fix` would change, as a unified diff per file (`--- a/path`,
//! `+++ b/path`), the shape `git apply` and `patch -p1` read.

use std::io::Write;

/// Writes the unified diff from `old` to `new` for `path` (nothing when they are equal).
pub(crate) fn unified(
    path: &str,
    old: &str,
    new: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if old == new {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(old, new);
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
    )
}
