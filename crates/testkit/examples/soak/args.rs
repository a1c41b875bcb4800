//! The suite's flags, spelled as soak.py spelled them.

use std::path::PathBuf;

/// The suite's knobs, with soak.py's defaults.
pub(crate) struct Args {
    pub(crate) meshctl: PathBuf,
    pub(crate) connections: usize,
    pub(crate) max_bytes: usize,
    /// Seconds each connection spends sending once all are open.
    pub(crate) lifetime: f64,
    pub(crate) chunks: usize,
    /// Seconds over which connections start.
    pub(crate) spread: f64,
    pub(crate) drain_connections: usize,
    /// Proxy processes (0: as few as the open-files limit allows).
    pub(crate) proxies: usize,
    /// The README's reload promise.
    pub(crate) max_p99_ms: f64,
}

/// The flags of this run; `None` for the upstreams child (`--upstreams`).
pub(crate) fn parse() -> Result<Option<Args>, String> {
    let mut args = Args {
        meshctl: std::env::var_os("MESHCTL")
            .map_or_else(|| "target/release/meshctl".into(), PathBuf::from),
        connections: 10_000,
        max_bytes: 16_384,
        lifetime: 6.0,
        chunks: 6,
        spread: 8.0,
        drain_connections: 200,
        proxies: 0,
        max_p99_ms: 2000.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--upstreams" {
            return Ok(None);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("{flag}: `{value}` is not a number");
        match flag.as_str() {
            "--meshctl" => args.meshctl = value.clone().into(),
            "--connections" => args.connections = value.parse().map_err(|_| bad())?,
            "--max-bytes" => args.max_bytes = value.parse().map_err(|_| bad())?,
            "--lifetime" => args.lifetime = value.parse().map_err(|_| bad())?,
            "--chunks" => args.chunks = value.parse().map_err(|_| bad())?,
            "--spread" => args.spread = value.parse().map_err(|_| bad())?,
            "--drain-connections" => args.drain_connections = value.parse().map_err(|_| bad())?,
            "--proxies" => args.proxies = value.parse().map_err(|_| bad())?,
            "--max-p99-ms" => args.max_p99_ms = value.parse().map_err(|_| bad())?,
            _ => return Err(format!("unknown flag `{flag}`")),
        }
    }
    Ok(Some(args))
}
