//! # MSH004 nothing-checked
//!
//! ## What it does
//! Reports a run that found no Istio resource meshctl reads (ServiceEntry, Sidecar, VirtualService,
//! DestinationRule, Gateway, AuthorizationPolicy) and no mesh configuration: an empty file or
//! directory, a wrong path, only Helm templates (skipped until rendered), only other kinds, or a
//! misspelled Istio kind. The message counts the files read and the documents skipped; `check -v`
//! lists each skipped file and why.
//!
//! ## Why it matters
//! "All checks passed" for zero resources reads as success. In CI a typo in the path, a chart that
//! was never rendered or a renamed directory would keep the build green while nothing is checked.
//!
//! Severity: warning, so a local `meshctl check` on a directory without Istio resources still exits 0;
//! every CI example in the README runs with `--fail-on warning`, which turns this into a failed build.
//!
//! ## Example
//! ```console
//! $ meshctl check deploy/chart/templates
//! deploy/chart/templates:1:1: MSH004 [warning] nothing-checked: no Istio resource found: read 3 files, …
//! ```
//!
//! ## Use instead
//! Point `check` at the manifests, or render the chart first:
//! ```console
//! $ helm template deploy/chart | meshctl check -
//! ```

use crate::load::{Origin, Pos};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH004 nothing-checked: the run found no ServiceEntry, Sidecar, VirtualService,
/// DestinationRule, Gateway, AuthorizationPolicy or mesh configuration at all.
/// A wrong path, an empty directory, a chart that was never rendered or a misspelled kind all
/// end here; reporting it as a finding (not "all checks passed") lets `--fail-on warning` turn
/// a CI job that checked nothing red.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "No ServiceEntry, Sidecar, VirtualService, DestinationRule, Gateway, AuthorizationPolicy or mesh configuration was found in the inputs.",
};

/// Fires once when no Istio resource was read and no document failed to load (a document that
/// failed is already an error of its own).
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let inputs = cx.inputs;
    let found = !inputs.service_entries.is_empty()
        || !inputs.sidecars.is_empty()
        || !inputs.virtual_services.is_empty()
        || !inputs.destination_rules.is_empty()
        || !inputs.gateways.is_empty()
        || !inputs.authorization_policies.is_empty()
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
