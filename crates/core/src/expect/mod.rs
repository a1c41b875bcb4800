//! `simulate --expect`: policy tests for CI. A calls file names destinations, optionally with
//! TLS/SNI and the calling workload, and the verdict (and entry) each should get. This module
//! owns the file's shape and what "passed" means; reading it is [`calls_file`], deciding is the
//! engine's, printing is the CLI's.
//!
//! ```yaml
//! calls:
//! - destination: 203.0.113.7:3306
//!   expect: ALLOW
//!   entry: default/mysql-external
//! - destination: 203.0.113.9:3306
//!   namespace: bookinfo
//!   expect: DENY
//! ```

mod call;
mod calls_file;
mod outcome;

pub use call::Call;
pub use calls_file::{CallsError, load_calls};
pub use outcome::Outcome;
