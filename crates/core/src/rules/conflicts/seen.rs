//! The conflicts a rule already reported. The same conflict shows in every namespace view that
//! sees both entries; a rule keeps the first sighting and checks before it builds a finding, so
//! large inputs do not format the same message once per namespace.

use std::collections::HashSet;

use crate::load::Loaded;

/// Conflicts already reported, by (entry, what).
#[derive(Debug, Default)]
pub(crate) struct Seen(HashSet<(usize, String)>);

impl Seen {
    /// True the first time the rule fires on `se` for `what`.
    pub(crate) fn first<T>(&mut self, se: &Loaded<T>, what: String) -> bool {
        self.0.insert((std::ptr::from_ref(se) as usize, what))
    }
}
