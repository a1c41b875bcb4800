//! MSH108 invalid-export-to: an `exportTo` list with duplicates, a value that is not `.`, `*`,
//! `~` or a namespace name, or `*`/`~` combined with other values.

use super::host;
use crate::load::Inputs;
use crate::rules::findings::Findings;

/// Reports each webhook message about an entry's `exportTo`.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        let list = &se.resource.spec.export_to;
        let mut seen = Vec::new();
        let mut messages = Vec::new();
        for value in list {
            if seen.contains(&value) {
                messages.push(format!("duplicate entries in exportTo: {value}"));
            }
            seen.push(value);
            if !matches!(value.as_str(), "." | "*" | "~") && !host::is_dns_label(value) {
                messages.push(format!(
                    "only .,*, or a valid DNS 1123 label is allowed as exportTo entry, got {value}"
                ));
            }
        }
        if list.len() > 1 && list.iter().any(|v| v == "*") {
            messages.push(
                "cannot have both public (*) and non-public exportTo values for a resource".into(),
            );
        }
        if list.len() > 1 && list.iter().any(|v| v == "~") {
            messages.push("cannot export service entry to no one (~) and someone".into());
        }
        for message in messages {
            out.at(se, "spec.exportTo", message);
        }
    }
}
