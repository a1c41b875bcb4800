//! The parse budgets ([`Limits`]), as serde-saphyr enforces them, and what a breach says to
//! the person whose file it is.
//!
//! serde-saphyr names a breached budget by its Rust variant (`budget breached: Depth { depth:
//! 65 }`) and its alias limits by field names (`total_replayed_events=100001 > 100000`); a user
//! needs to know which limit the file hit, how far it went and what the limit is. So every
//! breach is matched here, by the error's structure rather than its text, and said as one line:
//! what the file does, the value it reached and the budget it exceeds, both in backticks. The
//! path and position come from the caller (`file:line:column:` before the message).

use serde_saphyr::budget::BudgetBreach;

/// Parse budgets. The defaults comfortably fit real Kubernetes manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file or stdin accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most alias (`*ref`) uses in one file.
    pub max_aliases: usize,
    /// Most events replayed or recorded through anchors and aliases in one file.
    pub max_alias_events: usize,
    /// Most YAML nodes in one file (after alias expansion).
    pub max_nodes: usize,
    /// Most documents in one file.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 64,
            max_aliases: 10_000,
            max_alias_events: 100_000,
            max_nodes: 4_000_000,
            max_documents: 100_000,
        }
    }
}

/// The serde-saphyr budget for `limits`. Budgets meshctl does not set keep serde-saphyr's
/// defaults, and the messages below read them from here, so they always name the value in
/// force.
pub(super) fn saphyr(limits: &Limits) -> serde_saphyr::Budget {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_aliases = limits.max_aliases;
    budget.max_nodes = limits.max_nodes;
    budget.max_documents = limits.max_documents;
    budget.max_total_scalar_bytes = limits.max_bytes;
    budget.max_events = events(limits);
    budget.max_recorded_anchor_events = limits.max_alias_events;
    budget.max_recorded_anchor_bytes = limits.max_bytes;
    budget
}

/// Most parser events: two per node (a collection's start and end).
fn events(limits: &Limits) -> usize {
    limits.max_nodes.saturating_mul(2)
}

/// One breach: `{what} `{got}`{unit}, more than the parse budget of `{limit}`{unit}`.
fn over(what: &str, got: usize, limit: usize, unit: &str) -> String {
    format!("{what} `{got}`{unit}, more than the parse budget of `{limit}`{unit}")
}

/// The message for a file larger than [`Limits::max_bytes`].
pub(super) fn too_large(size: u64, limit: usize) -> String {
    format!("the file is `{size}` bytes, more than the parse budget of `{limit}` bytes")
}

/// What a breached budget means for the file, or `None` when `error` is not a breach.
pub(super) fn explain(error: &serde_saphyr::Error, limits: &Limits) -> Option<String> {
    use serde_saphyr::Error;
    let mut error = error;
    while let Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } =
        error
    {
        error = inner;
    }
    let budget = saphyr(limits);
    let bomb = " (an alias bomb?)";
    Some(match error {
        Error::Budget { breach, .. } => breach_message(breach, &budget),
        Error::AliasReplayLimitExceeded {
            total_replayed_events,
            max_total_replayed_events,
            ..
        } => {
            over(
                "aliases expand to",
                *total_replayed_events,
                *max_total_replayed_events,
                " events",
            ) + bomb
        }
        Error::AliasExpansionLimitExceeded {
            expansions,
            max_expansions_per_anchor,
            ..
        } => {
            over(
                "one anchor is expanded",
                *expansions,
                *max_expansions_per_anchor,
                " times",
            ) + bomb
        }
        Error::AliasReplayStackDepthExceeded {
            depth, max_depth, ..
        } => over("aliases nest", *depth, *max_depth, " levels deep") + bomb,
        Error::AliasReplayCounterOverflow { .. } => {
            format!("aliases replay more events than can be counted{bomb}")
        }
        _ => return None,
    })
}

fn breach_message(breach: &BudgetBreach, budget: &serde_saphyr::Budget) -> String {
    let bomb = " (an alias bomb?)";
    match breach {
        BudgetBreach::Depth { depth } => {
            over("nesting reaches", *depth, budget.max_depth, " levels")
        }
        BudgetBreach::Aliases { aliases } => {
            over("the file uses", *aliases, budget.max_aliases, " aliases")
        }
        BudgetBreach::Anchors { anchors } => {
            over("the file defines", *anchors, budget.max_anchors, " anchors")
        }
        BudgetBreach::Documents { documents } => over(
            "the file holds",
            *documents,
            budget.max_documents,
            " documents",
        ),
        BudgetBreach::Nodes { nodes } => over("the file holds", *nodes, budget.max_nodes, " nodes"),
        BudgetBreach::Events { events } => over(
            "the file holds",
            *events,
            budget.max_events,
            " parser events",
        ),
        BudgetBreach::ScalarBytes { total_scalar_bytes } => over(
            "its values add up to",
            *total_scalar_bytes,
            budget.max_total_scalar_bytes,
            " bytes",
        ),
        BudgetBreach::InputBytes { input_bytes } => over(
            "the input is",
            *input_bytes,
            budget.max_reader_input_bytes.unwrap_or(usize::MAX),
            " bytes",
        ),
        BudgetBreach::RecordedAnchorEvents {
            recorded_anchor_events,
        } => {
            over(
                "aliases expand to",
                *recorded_anchor_events,
                budget.max_recorded_anchor_events,
                " events",
            ) + bomb
        }
        BudgetBreach::RecordedAnchorBytes {
            recorded_anchor_bytes,
        } => {
            over(
                "anchored values expand to",
                *recorded_anchor_bytes,
                budget.max_recorded_anchor_bytes,
                " bytes",
            ) + bomb
        }
        BudgetBreach::MergeKeys { merge_keys } => over(
            "the file uses",
            *merge_keys,
            budget.max_merge_keys,
            " merge keys",
        ),
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
            "the file uses `{aliases}` aliases for `{anchors}` anchors, more than the parse budget of `{}` aliases per anchor{bomb}",
            budget.alias_anchor_ratio_multiplier
        ),
        BudgetBreach::SequenceUnbalanced => {
            "the file closes more mappings or sequences than it opens".to_owned()
        }
        // Budgets meshctl does not use (includes, properties) cannot be breached by its input;
        // should one be, say so without serde-saphyr's Rust spelling.
        _ => "the file is larger or more complex than the parse budget allows".to_owned(),
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
