//! The proxy's log lines: stderr, one escaped line per event (`meshctl_proxy::log_line`), with
//! the verbosity flags mapped onto targets. The library only emits events; the process
//! chooses where they go.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::GlobalArgs;

/// Logs go to stderr, one escaped line per event: per-connection lines (target
/// `meshctl::conn`) at info, silenced by -q; -v adds debug detail, -vv everything.
pub(super) fn init(global: &GlobalArgs) {
    let level = match global.verbose {
        0 => LevelFilter::INFO,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let mut filter = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("meshctl", level);
    if global.quiet {
        filter = filter
            .with_target("meshctl", LevelFilter::WARN)
            .with_target("meshctl::conn", LevelFilter::OFF);
    }
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(|| meshctl_proxy::log_line::EscapedLines(std::io::stderr()))
        .with_ansi(false)
        .with_target(false);
    // A second initialisation (tests running the command twice) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init();
}
