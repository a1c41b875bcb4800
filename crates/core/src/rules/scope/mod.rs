//! MSH5xx: configuration that makes entries pointless for the workloads in scope — a mesh that
//! lets every destination through anyway (MSH501), an entry no namespace in the inputs can use
//! (MSH502, from the engine's visibility and import decisions).

pub(super) mod msh501_registry_only_disabled;
pub(super) mod msh502_entry_not_visible;
