//! The lint step every generated document passes before it is printed: `gen serviceentry` and
//! `gen serviceentry --from-log` both hand their text here, so neither hands out what `check`
//! rejects.

use anyhow::bail;

use meshctl_core::rules::{self, Diagnostic, DnsFacts, RuleSelection};
use meshctl_core::workspace::Workspace;
use meshctl_core::{dns, load};

/// Lints the generated text exactly as `meshctl check` would lint the same file (and as
/// `check --dns` would, with the answer already in hand), so gen never hands out what check
/// rejects. A load problem here is a meshctl bug, not user error.
pub(super) fn lint(
    text: &str,
    host: &str,
    lookup: Option<&dns::Lookup>,
) -> anyhow::Result<Vec<Diagnostic>> {
    let inputs = load::load_bytes(
        "<generated>",
        text.as_bytes(),
        &load::LoadOptions::default(),
    )?;
    if let Some(problem) = inputs.problems.first() {
        bail!("internal error: the generated ServiceEntry does not pass validation: {problem}");
    }
    let workspace = Workspace::from_inputs(inputs, None)?;
    let mut facts = DnsFacts::default();
    if let Some(lookup) = lookup {
        facts
            .hosts
            .insert(host.to_owned(), Ok(vec![lookup.clone()]));
    }
    let mut cx = workspace.lint_context();
    cx.dns = lookup.map(|_| &facts);
    Ok(rules::check(&cx, &RuleSelection::default()))
}
