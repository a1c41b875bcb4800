//! The open-files limit: a proxied connection holds descriptors on both sides, and 10,000 of
//! them at once need more than a login shell's default.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Raises the open-files limit to `want` (soft and hard), else the soft limit to the hard one;
/// returns the soft limit in force.
pub(crate) fn raise_nofile(want: u64) -> u64 {
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: current.map(|soft| soft.max(want)),
        maximum: maximum.map(|hard| hard.max(want)),
    };
    if setrlimit(Resource::Nofile, raised).is_err() {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: maximum,
                maximum,
            },
        );
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}
