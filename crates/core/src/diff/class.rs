//! The classes of a connectivity change, with the stable names reports print and `--fail-on`
//! takes. A region can belong to several (a match-all chain that takes a port and allows what
//! was denied is both `port-hijacked` and `newly-allowed`); the first in [`ChangeClass::ALL`]'s
//! order is the one reports group it under.

use serde::Serialize;

use super::outcome::Outcome;
use crate::engine::Verdict;

/// A class of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeClass {
    /// Connections that were allowed (or passed through) are now denied.
    NewlyDenied,
    /// The match-all chain of a `0.0.0.0` listener now takes connections another chain or the
    /// outbound policy had.
    PortHijacked,
    /// Connections that were not allowed by an entry now are.
    NewlyAllowed,
    /// Connections now leave through `PassthroughCluster`.
    PassthroughOpened,
    /// An entry now decides in a workload view it did not reach before.
    ScopeWidened,
    /// Same verdict, another cluster, chain, entry or upstream.
    Rerouted,
}

impl ChangeClass {
    /// Every class, in the order reports rank them.
    pub const ALL: [ChangeClass; 6] = [
        ChangeClass::NewlyDenied,
        ChangeClass::PortHijacked,
        ChangeClass::NewlyAllowed,
        ChangeClass::PassthroughOpened,
        ChangeClass::ScopeWidened,
        ChangeClass::Rerouted,
    ];

    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeClass::NewlyDenied => "newly-denied",
            ChangeClass::PortHijacked => "port-hijacked",
            ChangeClass::NewlyAllowed => "newly-allowed",
            ChangeClass::PassthroughOpened => "passthrough-opened",
            ChangeClass::ScopeWidened => "scope-widened",
            ChangeClass::Rerouted => "rerouted",
        }
    }

    /// The class a stable name names.
    #[must_use]
    pub fn parse(name: &str) -> Option<ChangeClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The classes of a change from `before` to `after`, ranked; `widened` says the deciding entry
/// after the change did not reach this view before.
pub(crate) fn classify(before: &Outcome, after: &Outcome, widened: bool) -> Vec<ChangeClass> {
    let mut classes = Vec::new();
    if before.verdict == after.verdict {
        classes.push(ChangeClass::Rerouted);
    } else {
        classes.push(match after.verdict {
            Verdict::Allow => ChangeClass::NewlyAllowed,
            Verdict::Passthrough => ChangeClass::PassthroughOpened,
            Verdict::Deny => ChangeClass::NewlyDenied,
            Verdict::Bypass => ChangeClass::Rerouted,
        });
    }
    if after.match_all && (before.chain != after.chain || before.listener != after.listener) {
        classes.push(ChangeClass::PortHijacked);
    }
    if widened {
        classes.push(ChangeClass::ScopeWidened);
    }
    classes.sort_unstable();
    classes.dedup();
    // `rerouted` says nothing a more specific class does not.
    if classes.len() > 1 {
        classes.retain(|c| *c != ChangeClass::Rerouted);
    }
    classes
}
