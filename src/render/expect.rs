//! `simulate --expect`'s table (one row per call) and the details of every failed call.

use std::fmt::Write as _;
use std::io::Write;

use colored::Colorize as _;

use super::table;
use meshctl_core::expect::Outcome;

/// Writes the pass/fail table, the counts, and why each failed call failed.
pub(crate) fn text(outcomes: &[Outcome], out: &mut dyn Write) -> std::io::Result<()> {
    let rows = outcomes.iter().map(|o| {
        let got: Vec<&str> = o.connections.iter().map(|c| c.verdict.as_str()).collect();
        let entries: Vec<&str> = o
            .connections
            .iter()
            .map(|c| c.service_entry.as_deref().unwrap_or("-"))
            .collect();
        let mut expected = match &o.expected_entry {
            Some(entry) => format!("{} {entry}", o.expected),
            None => o.expected.to_string(),
        };
        if let Some(cluster) = &o.expected_cluster {
            let _ = write!(expected, " cluster {cluster}");
        }
        if let Some(via) = &o.expected_via {
            let _ = write!(expected, " via {via}");
        }
        if let Some(authz) = o.expected_authz {
            let _ = write!(expected, " authz {}", authz.as_str());
        }
        let result = if o.passed {
            "pass".green().to_string()
        } else {
            "FAIL".red().bold().to_string()
        };
        vec![
            result,
            o.destination.clone(),
            o.namespace.clone(),
            expected,
            got.join(","),
            entries.join(","),
        ]
    });
    table::write(
        &["RESULT", "DESTINATION", "FROM", "EXPECTED", "GOT", "ENTRY"],
        rows,
        out,
    )?;
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    writeln!(out, "\n{} passed, {failed} failed", outcomes.len() - failed)?;
    for o in outcomes.iter().filter(|o| !o.passed) {
        for c in &o.connections {
            let got = c.service_entry.as_deref().map_or_else(
                || c.verdict.to_string(),
                |e| format!("{} via {e}", c.verdict),
            );
            writeln!(
                out,
                "\n{} {} expected {}, got {got}",
                "FAIL".red().bold(),
                o.destination,
                o.expected
            )?;
            writeln!(out, "  why: {}", c.reason)?;
            if o.expected_cluster.is_some()
                || o.expected_via.is_some()
                || o.expected_authz.is_some()
            {
                for hop in &c.hops {
                    let deciding: Vec<&str> =
                        hop.deciding.iter().map(|d| d.resource.as_str()).collect();
                    let authz = hop
                        .authz
                        .as_ref()
                        .map(|a| format!(", authz {}", a.verdict.as_str()))
                        .unwrap_or_default();
                    let cluster = if hop.cluster.is_empty() {
                        String::new()
                    } else {
                        format!(" cluster {}", hop.cluster)
                    };
                    writeln!(
                        out,
                        "  {}: {}{cluster}{authz} (decided by {})",
                        hop.workload.as_deref().unwrap_or(hop.proxy),
                        hop.verdict.as_str(),
                        deciding.join(", ")
                    )?;
                }
            }
            for miss in &c.near_misses {
                writeln!(out, "  near miss: {miss}")?;
            }
            for note in &c.notes {
                writeln!(out, "  note: {note}")?;
            }
        }
    }
    Ok(())
}
