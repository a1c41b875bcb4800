//! One `meshctl proxy` process under test: its forward ports, its admin address, and the
//! generations it was seen to hold (polled from `/config_dump`).

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Writer;
use crate::upstream::{HOSTS, UPSTREAM_PORT};

/// Forward ports by upstream role.
#[derive(Clone, Copy)]
pub(crate) struct Ports {
    pub(crate) a: u16,
    pub(crate) b: u16,
    pub(crate) refuse: u16,
    pub(crate) hole: u16,
    pub(crate) reset: u16,
}

/// A free loopback port (bound, read, released).
fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A write of the configuration: (seconds since the epoch of the run, version, B allowed).
pub(crate) type Write3 = (f64, u64, bool);

/// Generations observed through /config_dump: (when, version, B allowed).
pub(crate) struct Timeline {
    admin: String,
    epoch: Instant,
    pub(crate) observed: Mutex<Vec<Write3>>,
}

impl Timeline {
    /// The version of the always-allowed entry and whether B is allowed, as the proxy holds them.
    pub(crate) fn poll_once(&self) -> io::Result<(i64, bool)> {
        let mut stream = TcpStream::connect(&self.admin)?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        write!(
            stream,
            "GET /config_dump HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.admin
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let start = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| io::Error::other("no body"))?;
        let dump: serde_json::Value = serde_json::from_slice(&response[start + 4..])?;
        let (mut version, mut allow_b) = (-1, false);
        for listener in dump["listeners"].as_array().into_iter().flatten() {
            for chain in listener["chains"].as_array().into_iter().flatten() {
                let entry = chain["service_entry"].as_str().unwrap_or_default();
                let name = entry.rsplit('/').next().unwrap_or_default();
                if let Some(v) = name.strip_prefix("a-v") {
                    version = v.parse().unwrap_or(-1);
                }
                if name == "b" {
                    allow_b = true;
                }
            }
        }
        Ok((version, allow_b))
    }

    /// Polls every 20 ms on its own thread until `stop`, so a busy runtime does not delay the clock.
    pub(crate) fn poll_until(
        self: &Arc<Self>,
        stop: Arc<AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        let this = Arc::clone(self);
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if let Ok((version, allow_b)) = this.poll_once() {
                    // Stamped when the answer arrived: an upper bound on when it took effect.
                    let seen = this.epoch.elapsed().as_secs_f64();
                    let mut observed = this.observed.lock().expect("timeline");
                    let changed = observed
                        .last()
                        .is_none_or(|last| i64::try_from(last.1).ok() != Some(version));
                    if let (true, Ok(version)) = (changed, u64::try_from(version)) {
                        observed.push((seen, version, allow_b));
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    }

    /// When a generation with at least `version` was first seen.
    pub(crate) fn effective_from(&self, version: u64) -> Option<f64> {
        let observed = self.observed.lock().expect("timeline");
        observed
            .iter()
            .find(|(_, v, _)| *v >= version)
            .map(|(t, _, _)| *t)
    }
}

/// One proxy process.
pub(crate) struct Proxy {
    pub(crate) ports: Ports,
    pub(crate) child: Child,
    pub(crate) timeline: Arc<Timeline>,
    log_path: std::path::PathBuf,
}

impl Proxy {
    pub(crate) fn start(
        meshctl: &Path,
        writer: &Writer,
        tmp: &Path,
        index: usize,
        epoch: Instant,
    ) -> io::Result<Proxy> {
        let ports = Ports {
            a: free_port()?,
            b: free_port()?,
            refuse: free_port()?,
            hole: free_port()?,
            reset: free_port()?,
        };
        let admin = format!("127.0.0.1:{}", free_port()?);
        let log_path = tmp.join(format!("proxy{index}.log"));
        let log = File::create(&log_path)?;
        let mut command = Command::new(meshctl);
        command.args(["proxy", "-q", "-f"]).arg(&writer.link).args([
            "--admin",
            &admin,
            "--connect-timeout",
            "1s",
            "--drain-timeout",
            "15s",
            "--max-connections",
            "20000",
        ]);
        for (port, host) in [
            (ports.a, HOSTS.a),
            (ports.b, HOSTS.b),
            (ports.refuse, HOSTS.refuse),
            (ports.hole, HOSTS.hole),
            (ports.reset, HOSTS.reset),
        ] {
            command
                .arg("--forward")
                .arg(format!("127.0.0.1:{port}={host}:{UPSTREAM_PORT}"));
        }
        let child = command.stdout(log.try_clone()?).stderr(log).spawn()?;
        let timeline = Arc::new(Timeline {
            admin,
            epoch,
            observed: Mutex::new(Vec::new()),
        });
        Ok(Proxy {
            ports,
            child,
            timeline,
            log_path,
        })
    }

    /// Waits up to 20 s for the admin server to answer.
    pub(crate) async fn ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let timeline = Arc::clone(&self.timeline);
            if tokio::task::spawn_blocking(move || timeline.poll_once())
                .await
                .is_ok_and(|answer| answer.is_ok())
            {
                return true;
            }
            if Instant::now() > deadline || !matches!(self.child.try_wait(), Ok(None)) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The windows in which a connection to B must be denied: from the effect of the first
    /// denying write of an epoch to the next allowing write, less a margin (a connection
    /// started just before an allowing write may be accepted after the reload that allows it).
    pub(crate) fn deny_windows(&self, writes: &[Write3]) -> Vec<(f64, f64)> {
        let mut windows = Vec::new();
        for (i, &(_, version, allow_b)) in writes.iter().enumerate() {
            if allow_b || (i > 0 && !writes[i - 1].2) {
                continue;
            }
            let effect = self.timeline.effective_from(version);
            let end = writes[i + 1..]
                .iter()
                .find(|w| w.2)
                .map_or(f64::INFINITY, |w| w.0)
                - 0.5;
            if let Some(effect) = effect.filter(|effect| *effect < end) {
                windows.push((effect, end));
            }
        }
        windows
    }

    /// The last 40 lines of the proxy's log.
    pub(crate) fn tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Proxy {
    /// A proxy still running when the suite ends (early, or by a panic) is killed, never left
    /// behind holding its ports.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
