//! The indices that tie the compiled registry together: entries, listeners and chains are
//! stored in vectors and refer to each other by position, so the hot path follows integers, not
//! pointers. Kept apart so the matcher can name a chain without depending on listeners.

/// Index of a `ServiceEntry` in the compiled config (its position in the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(pub(crate) u32);

/// Index of a listener in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListenerId(pub(crate) u32);

/// Index of a service filter chain in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainId(pub(crate) u32);
