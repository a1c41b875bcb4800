//! meshctl
pub mod engine;
// The modules below predate the `clippy::pedantic` gate used for `engine`; they are owned
// elsewhere, so the engine branch leaves their lint clean-up to their owners.
#[allow(clippy::pedantic)]
pub mod load;
#[allow(clippy::pedantic)]
pub mod model;
#[allow(clippy::pedantic)]
pub mod schema;
