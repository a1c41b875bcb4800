//! `-o gitlab`: a GitLab Code Quality report (the JSON array GitLab shows in merge requests).

use std::io::Write;

use serde::Serialize;

use meshctl_core::rules::{Diagnostic, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u64,
}

pub(super) fn write(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let several = super::mesh_prefix::several_meshes(diagnostics);
    let issues: Vec<Issue<'_>> = diagnostics
        .iter()
        .map(|d| Issue {
            description: format!(
                "{}{} {}: {}",
                super::mesh_prefix::mesh_prefix(d, several),
                d.rule.code(),
                d.rule.name(),
                d.message
            ),
            check_name: d.rule.code(),
            fingerprint: fingerprint(d, several),
            severity: match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            },
            location: Location {
                path: &d.origin.path,
                lines: Lines {
                    begin: d.origin.pos.line.max(1),
                },
            },
        })
        .collect();
    super::document::write_json(&issues, out)
}

/// A stable identity for a finding so GitLab can tell new findings from old ones across runs.
/// FNV-1a: tiny, deterministic across Rust releases (unlike `DefaultHasher`), no dependency.
/// The mesh is part of the identity only when several are mixed (one base file rendered into
/// two overlays is two findings), so single-mesh fingerprints stay what they were.
fn fingerprint(d: &Diagnostic, several: bool) -> String {
    let text = format!(
        "{}{}\0{}\0{}\0{}\0{}",
        super::mesh_prefix::mesh_prefix(d, several),
        d.rule.code(),
        d.origin.path,
        d.origin.pos.line,
        d.origin.pos.column,
        d.message
    );
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}
