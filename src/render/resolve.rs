//! `resolve`'s table: who answered, the CNAME chain, every address with family and TTL, and the
//! samples when there were several. JSON and YAML print the report as it is.

use std::io::Write;

use colored::Colorize as _;

use super::table;
use meshctl_core::dns::ResolveReport;

/// Writes the human table.
pub(crate) fn text(report: &ResolveReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} via {}",
        report.query.input.bold(),
        report.nameserver
    )?;
    for link in &report.cname_chain {
        writeln!(
            out,
            "CNAME {} -> {} (TTL {}s)",
            link.name, link.target, link.ttl
        )?;
    }
    let rows = report.addresses.iter().map(|address| {
        let ttl = if report.min_ttl.is_some() {
            format!("{}s", address.ttl)
        } else {
            "-".to_owned()
        };
        vec![address.ip.to_string(), address.family.to_string(), ttl]
    });
    table::write(&["ADDRESS", "FAMILY", "TTL"], rows, out)?;
    if report.samples.len() > 1 {
        let verdict = if report.changed {
            "answers changed between samples".yellow().to_string()
        } else {
            "answers were identical".to_owned()
        };
        writeln!(out, "{} samples: {verdict}", report.samples.len())?;
        for (i, set) in report.samples.iter().enumerate() {
            let list: Vec<String> = set.iter().map(ToString::to_string).collect();
            writeln!(out, "  #{} {}", i + 1, list.join(", "))?;
        }
    }
    Ok(())
}
