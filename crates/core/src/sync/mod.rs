//! `meshctl sync`'s core: keep the addresses a ServiceEntry pins equal to what its source host
//! resolves to. [`managed`] finds the entries meshctl owns, [`plan`] decides per entry (grace
//! period, fail static) from a DNS answer, [`grace`] reads and writes the departed record,
//! [`edit`] applies a plan to the file's text by source span, [`schedule`] decides when each
//! host is due again, [`resolve`] asks DNS for many hosts with bounded concurrency, and
//! [`write`] turns a file's plans into new bytes and writes them atomically, [`replace`]
//! swapping one file without following planted links or losing owner, mode or others' edits.
//! Everything but `resolve` and the atomic write is pure; the command owns
//! rendering, signals and the metrics server.

pub mod edit;
pub mod grace;
pub mod managed;
pub mod plan;
pub mod replace;
pub mod resolve;
pub mod schedule;
pub mod write;

pub use grace::{DEPARTED_ANNOTATION, Departed};
pub use managed::find;
pub use managed::{Managed, Pinned, RESOLVE_ANNOTATION, Why};
pub use plan::{Item, Plan, Settings, Status, plan};
