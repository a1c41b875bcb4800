//! `meshctl proxy`: a small TCP egress proxy that enforces, connection by connection, exactly what
//! `meshctl simulate` explains (one engine serves both). It never matches anything itself: every
//! accepted connection is decided by `engine::decide` on the [`Policy`] currently in the watch
//! channel.
//!
//! The binary hands [`Proxy`] one [`Settings`] value and a shutdown future; `app` assembles the
//! rest (linkerd2-proxy's `linkerd/app`): `workers` runs the data plane, where `listener`
//! accepts (bounded by `--max-connections`) and `conn` finds the destination (`orig_dst` in
//! transparent mode, the forward target's addresses otherwise), peeks SNI where the listener
//! needs it (`sni`), decides through `route`, dials (`upstream`) and copies (`pipe`),
//! re-deciding on every reload to revoke what the new configuration no longer allows. `reload`
//! turns file changes (`watcher`), a periodic rescan and SIGHUP into new policies (`policy`),
//! refusing what must not replace the one in force, and logs `diff`'s lines; `status` tracks
//! whether memory matches the disk; `admin` serves metrics, health, readiness and the config
//! dump through `http`, the hardened server `sync --watch` uses too; `iptables` prints and
//! installs the capture rules for transparent mode (IPv4 and IPv6); `limits` raises the
//! open-files limit at start; `drift` resolves the source hosts of pinned entries and reports
//! DNS drift without changing any decision.
//!
//! Shutdown: when the `shutdown` future resolves the listeners take what their accept queues
//! hold and close, established connections get `--drain-timeout` to finish, and the rest are
//! aborted and counted. `takeover` starts a proxy beside a running one on the same ports, so
//! that shutting the old one down hands its traffic over.
//!
//! This file only declares modules and names the public surface: no module imports it.

mod access_log;
pub mod admin;
mod app;
mod conn;
mod diff;
pub mod drift;
pub mod http;
pub mod iptables;
mod limits;
mod listener;
pub mod log_line;
mod metrics;
mod mode;
mod orig_dst;
mod pipe;
pub mod policy;
mod pool;
mod record;
pub mod reload;
mod report;
mod route;
mod settings;
mod shared;
pub mod sni;
mod socket;
pub mod splice;
mod stability;
mod status;
mod takeover;
mod traffic;
mod trigger;
mod upstream;
mod wait;
mod watcher;
pub mod workers;

pub use access_log::AccessLogTo;
pub use access_log::LogFormat;
pub use app::{Bound, Handle, Proxy};
pub use listener::{Drained, serve};
pub use metrics::Metrics;
pub use mode::{ForwardTarget, Mode};
pub use policy::Policy;
pub use report::PolicyMode;
pub use settings::Settings;
pub use shared::{Options, Shared};
pub use socket::bind;
pub use upstream::Resolver;
