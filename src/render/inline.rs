//! Findings printed beside another command's output, as `gen serviceentry` does for the entry
//! it generates: `warning: MSH303 short-ttl: …` with its `= help:` line, on stderr. No file
//! position: the document has no file yet, and the value in the message names the field.

use std::io::Write;

use colored::Colorize as _;

use meshctl_core::rules::{Diagnostic, Severity};

/// Writes each finding as `severity: CODE name: message` plus its help line.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn findings(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => d.severity.as_str().red().bold(),
            Severity::Warning => d.severity.as_str().yellow().bold(),
            Severity::Info => d.severity.as_str().cyan(),
        };
        writeln!(
            out,
            "{severity}: {} {}: {}",
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

#[cfg(test)]
mod tests {
    use super::*;
    use meshctl_core::load;
    use meshctl_core::rules::{self, Context, RuleSelection};

    #[test]
    fn a_finding_is_one_line_with_code_name_and_help() {
        let yaml = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wide\nspec:\n  hosts: [db.example.com]\n  addresses: [0.0.0.0/0]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n";
        let inputs = load::load_bytes("x.yaml", yaml.as_bytes(), &load::LoadOptions::default())
            .expect("loads");
        let found = rules::check(&Context::new(&inputs), &RuleSelection::default());
        let mut out = Vec::new();
        findings(&found, &mut out).expect("writes");
        // Another test may switch colour on for the process: compare without escape codes.
        let text = strip_ansi(&String::from_utf8(out).expect("utf-8"));
        assert!(
            text.starts_with("error: MSH204 broad-cidr: `0.0.0.0/0`"),
            "{text}"
        );
        assert!(text.contains("\n  = help: "), "{text}");
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|c| *c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }
}
