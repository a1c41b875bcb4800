//! MSH004 nothing-checked: the run found no ServiceEntry, Sidecar or mesh configuration at all.
//! A wrong path, an empty directory, a chart that was never rendered or a misspelled kind all
//! end here; reporting it as a finding (not "all checks passed") lets `--fail-on warning` turn
//! a CI job that checked nothing red.

use crate::load::{Origin, Pos};
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Fires once when no Istio resource was read and no document failed to load (a document that
/// failed is already an error of its own).
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let inputs = cx.inputs;
    let found = !inputs.service_entries.is_empty()
        || !inputs.sidecars.is_empty()
        || !inputs.mesh_configs.is_empty()
        || !inputs.problems.is_empty();
    if found {
        return;
    }
    let path = inputs
        .roots
        .first()
        .or(inputs.files.first())
        .cloned()
        .unwrap_or_else(|| "-".into());
    let files = inputs.files.len();
    let message = format!(
        "no Istio resource found: read {files} {}; skipped {} {} of other kinds and {} non-resource {}",
        plural(files, "file", "files"),
        inputs.others.len(),
        plural(inputs.others.len(), "document", "documents"),
        inputs.skipped.len(),
        plural(inputs.skipped.len(), "document", "documents"),
    );
    out.at_origin(
        Origin {
            path,
            pos: Pos { line: 1, column: 1 },
        },
        None,
        message,
    )
    .help("check the path; render templates first (`helm template … | meshctl check -`); `-v` lists what was skipped");
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
