//! The upstreams, in a child process of their own (`soak --upstreams`) so their descriptors
//! do not count against the client's open-files limit and the two sides share no runtime.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use meshctl_testkit::echo::{self, BlackHole};

/// Loopback addresses of the upstreams, one per role.
pub(crate) struct Hosts {
    pub(crate) a: &'static str,
    pub(crate) b: &'static str,
    pub(crate) refuse: &'static str,
    pub(crate) hole: &'static str,
    pub(crate) reset: &'static str,
}

/// A always allowed (and echoing), B toggled, then the three faults: nothing listens on
/// `refuse`, `hole` never accepts, `reset` resets after the first byte.
pub(crate) const HOSTS: Hosts = Hosts {
    a: "127.0.0.2",
    b: "127.0.0.3",
    refuse: "127.0.0.4",
    hole: "127.0.0.5",
    reset: "127.0.0.6",
};
pub(crate) const UPSTREAM_PORT: u16 = 3306;

fn at(host: &str) -> SocketAddr {
    SocketAddr::new(host.parse().expect("static address"), UPSTREAM_PORT)
}

/// Starts `exe --upstreams` and waits for its `ready` line.
pub(crate) fn spawn(exe: &std::path::Path) -> io::Result<Child> {
    let mut child = Command::new(exe)
        .arg("--upstreams")
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "ready" {
        let _ = child.kill();
        return Err(io::Error::other("upstreams did not start"));
    }
    Ok(child)
}

/// The child's side: serves until killed, calling `ready` once every upstream listens.
pub(crate) fn serve(ready: impl FnOnce()) -> io::Result<()> {
    crate::rlimit::raise_nofile(65536);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        for host in [HOSTS.a, HOSTS.b] {
            tokio::spawn(echo::serve_echo_digest(echo::listen(at(host), 8192)?));
        }
        tokio::spawn(echo::serve_resetter(echo::listen(at(HOSTS.reset), 1024)?));
        let _hole = BlackHole::start(at(HOSTS.hole)).await?;
        ready();
        std::future::pending::<io::Result<()>>().await
    })
}
