//! Human output: findings grouped by file, one `file:line:col: CODE [severity] name: message`
//! line each with its `= help:` line, then a one-line summary. Colour only when enabled.

use std::io::Write;

use colored::Colorize as _;

use super::summary::Summary;
use meshctl_core::rules::{Diagnostic, Severity};

pub(super) fn write(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if summary.meshes.len() > 1 {
        // Several meshes: one header per mesh, its findings under it.
        for (i, mesh) in summary.meshes.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{} {} ({} from {})",
                "mesh".bold(),
                mesh.name.bold(),
                mesh.policy,
                mesh.policy_source
            )?;
            let own: Vec<&Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.mesh.as_deref() == Some(mesh.name.as_str()))
                .collect();
            findings(&own, out)?;
            if own.is_empty() {
                writeln!(out, "  no problems")?;
            }
        }
    } else {
        let all: Vec<&Diagnostic> = diagnostics.iter().collect();
        findings(&all, out)?;
    }
    if summary.quiet {
        return Ok(());
    }
    if !diagnostics.is_empty() || summary.meshes.len() > 1 {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(diagnostics, summary))?;
    Ok(())
}

fn findings(diagnostics: &[&Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut previous_file: Option<&str> = None;
    for d in diagnostics {
        if previous_file.is_some_and(|f| f != &*d.origin.path) {
            writeln!(out)?;
        }
        previous_file = Some(&d.origin.path);
        let severity = match d.severity {
            Severity::Error => d.severity.as_str().red().bold(),
            Severity::Warning => d.severity.as_str().yellow().bold(),
            Severity::Info => d.severity.as_str().cyan(),
        };
        writeln!(
            out,
            "{}: {} [{severity}] {}: {}",
            d.origin.to_string().bold(),
            d.rule.code().bold(),
            d.rule.name(),
            d.message
        )?;
        if let Some(help) = &d.help {
            writeln!(out, "  {} {help}", "= help:".cyan())?;
        }
    }
    Ok(())
}

fn summary_line(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    // "0 resources" only confuses when a file failed to parse: then the file is the scope.
    let resources = if summary.resources == 0 {
        String::new()
    } else {
        format!(
            "{} {} in ",
            summary.resources,
            plural(summary.resources, "resource", "resources")
        )
    };
    let scope = format!(
        "{resources}{} {}{}{}",
        summary.files,
        plural(summary.files, "file", "files"),
        if summary.skipped > 0 {
            format!(
                ", {} other {} skipped",
                summary.skipped,
                plural(summary.skipped, "document", "documents")
            )
        } else {
            String::new()
        },
        if summary.not_resources > 0 {
            format!(
                ", {} non-resource {} skipped (-v lists {})",
                summary.not_resources,
                plural(summary.not_resources, "document", "documents"),
                plural(summary.not_resources, "it", "them")
            )
        } else {
            String::new()
        }
    );
    let scope = if summary.meshes.len() > 1 {
        format!("{scope} in {} meshes", summary.meshes.len())
    } else {
        scope
    };
    if diagnostics.is_empty() {
        return format!("All checks passed ({scope}).");
    }
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let parts: Vec<String> = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Info), "info", "info"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", plural(n, one, many)))
    .collect();
    format!(
        "Found {} {} ({}) in {scope}.",
        diagnostics.len(),
        plural(diagnostics.len(), "problem", "problems"),
        parts.join(", ")
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
