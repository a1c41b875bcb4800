//! `meshctl version` for people; scripts take the same fields as JSON (`-o json`).

use std::io::Write;

use serde::Serialize;

/// What `build.rs` stamped into the binary; the field names are the JSON keys.
#[derive(Debug, Serialize)]
pub(crate) struct BuildInfo {
    /// The package version, `0.1.0`.
    pub(crate) version: &'static str,
    /// Twelve hex digits of the git commit, or `unknown` when built outside a checkout.
    pub(crate) commit: &'static str,
    /// UTC `YYYY-MM-DD`: the day of `SOURCE_DATE_EPOCH` when that was set.
    pub(crate) build_date: &'static str,
    /// The target triple, `x86_64-unknown-linux-gnu`.
    pub(crate) target: &'static str,
}

/// Writes `meshctl 0.1.0 (commit 1d126e3a6f38, built 2026-12-06, x86_64-unknown-linux-gnu)`.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn text(info: &BuildInfo, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "meshctl {} (commit {}, built {}, {})",
        info.version, info.commit, info.build_date, info.target
    )?;
    Ok(())
}
