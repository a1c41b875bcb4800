//! meshctl
pub mod load;
pub mod model;
pub mod schema;
