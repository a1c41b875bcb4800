//! `-o github`: workflow commands that GitHub Actions turns into pull-request annotations,
//! `::warning file=…,line=…,col=…,title=meshctl (MSH204)::message`.

use std::io::Write;

use meshctl_core::rules::{Diagnostic, Severity};

pub(super) fn write(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let several = super::mesh_prefix::several_meshes(diagnostics);
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!(
            "{}{} {}: {}",
            super::mesh_prefix::mesh_prefix(d, several),
            d.rule.code(),
            d.rule.name(),
            d.message
        );
        if let Some(help) = &d.help {
            message.push_str("\n= help: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            property(&d.origin.path),
            d.origin.pos.line,
            d.origin.pos.column,
            property(&format!("meshctl ({})", d.rule.code())),
            data(&message)
        )?;
    }
    Ok(())
}

/// Escapes a workflow-command message.
pub(super) fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (also `:` and `,`).
pub(super) fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
