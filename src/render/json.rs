//! `-o json`: a stable array of findings with fixed keys, for scripts.

use std::io::Write;

use serde::Serialize;

use meshctl_core::rules::{Diagnostic, Severity};

/// One finding as JSON. `url` is null until meshctl has a published rules site; `--explain`
/// prints the same documentation offline.
#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: u64,
    column: u64,
    resource: Option<&'a str>,
    help: Option<&'a str>,
    url: Option<&'a str>,
}

pub(super) fn write(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let findings: Vec<Finding<'_>> = diagnostics
        .iter()
        .map(|d| Finding {
            code: d.rule.code(),
            name: d.rule.name(),
            severity: d.severity,
            message: &d.message,
            file: &d.origin.path,
            line: d.origin.pos.line,
            column: d.origin.pos.column,
            resource: d.resource.as_deref(),
            help: d.help.as_deref(),
            url: None,
        })
        .collect();
    super::write_json(&findings, out)
}
