//! The open-files limit (`RLIMIT_NOFILE`) against `--max-connections`.
//!
//! Every proxied connection holds two descriptors (client and upstream), and the default soft
//! limit on most nodes is 1024 while the hard limit is far higher — so the default
//! `--max-connections 10000` was unreachable: past ~500 connections `accept` failed with
//! EMFILE. At start the proxy raises its soft limit to the hard limit (what Envoy's and most
//! servers' launch scripts do with `ulimit -n`), then warns if the result still cannot hold
//! `--max-connections`. Raising the hard limit needs privileges the proxy should not have.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors kept for everything but proxied connections: listeners, the admin server and
/// its clients, configuration files, the watcher, DNS sockets, the access log.
pub(crate) const RESERVED_FDS: u64 = 64;

/// The soft limit before and after [`raise_nofile`], and the hard limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NofileLimit {
    /// Soft limit at start (`None`: unlimited).
    pub before: Option<u64>,
    /// Soft limit now.
    pub now: Option<u64>,
    /// Hard limit.
    pub hard: Option<u64>,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit.
///
/// # Errors
/// The OS error when `setrlimit` fails; the limit is then unchanged.
pub(crate) fn raise_nofile() -> std::io::Result<NofileLimit> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return Ok(NofileLimit {
            before: limit.current,
            now: limit.current,
            hard: limit.maximum,
        });
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )?;
    Ok(NofileLimit {
        before: limit.current,
        now: getrlimit(Resource::Nofile).current,
        hard: limit.maximum,
    })
}

/// The warning to log when `max_connections` cannot be reached with `soft` descriptors.
#[must_use]
pub(crate) fn shortfall(max_connections: u64, soft: Option<u64>) -> Option<String> {
    let soft = soft?;
    let needed = max_connections
        .saturating_mul(2)
        .saturating_add(RESERVED_FDS);
    (soft < needed).then(|| {
        let reachable = soft.saturating_sub(RESERVED_FDS) / 2;
        format!(
            "--max-connections {max_connections} needs about {needed} open files but the limit is {soft}: \
             about {reachable} connections fit; raise the hard limit (ulimit -Hn, LimitNOFILE=, the container runtime) or lower --max-connections"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortfall_counts_two_descriptors_per_connection() {
        assert_eq!(shortfall(10_000, None), None, "unlimited");
        assert_eq!(shortfall(10_000, Some(1_048_576)), None);
        assert_eq!(shortfall(480, Some(1024)), None);
        let warning = shortfall(10_000, Some(1024)).expect("too few");
        assert!(
            warning.contains("needs about 20064 open files but the limit is 1024"),
            "{warning}"
        );
        assert!(warning.contains("about 480 connections fit"), "{warning}");
    }

    #[test]
    fn raising_reaches_the_hard_limit() {
        let raised = raise_nofile().expect("raising the soft limit to the hard one is allowed");
        assert_eq!(raised.now, raised.hard);
        assert_eq!(getrlimit(Resource::Nofile).current, raised.hard);
    }
}
