//! The client side: checked connections, the barrier that holds a wave open at once, the fault
//! connections, the B probes, and the drain under SIGTERM.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meshctl_testkit::echo::expected_reply;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// A small deterministic generator (SplitMix64): payloads differ per connection, runs repeat.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Random bytes, between `min` and `max` of them.
    pub(crate) fn payload(&mut self, min: usize, max: usize) -> Vec<u8> {
        let span = (max - min + 1) as u64;
        let len = min + usize::try_from(self.next() % span).expect("fits");
        (0..len).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// Holds every long-lived connection after its first chunk until all of them are open, so
/// the wave really has all its connections open at once (or gives up after its timeout).
pub(crate) struct Barrier {
    target: AtomicUsize,
    arrived: AtomicUsize,
    open: AtomicBool,
    released: Notify,
    timeout: Duration,
    pub(crate) timed_out: AtomicBool,
}

impl Barrier {
    pub(crate) fn new(target: usize, timeout: Duration) -> Barrier {
        Barrier {
            target: AtomicUsize::new(target),
            arrived: AtomicUsize::new(0),
            open: AtomicBool::new(false),
            released: Notify::new(),
            timeout,
            timed_out: AtomicBool::new(false),
        }
    }

    fn check(&self) {
        if self.arrived.load(Ordering::SeqCst) >= self.target.load(Ordering::SeqCst) {
            self.open.store(true, Ordering::SeqCst);
            self.released.notify_waiters();
        }
    }

    /// A connection that never arrives (its connect failed): do not wait for it.
    pub(crate) fn give_up_one(&self) {
        self.target.fetch_sub(1, Ordering::SeqCst);
        self.check();
    }

    async fn wait(&self) {
        let released = self.released.notified();
        tokio::pin!(released);
        released.as_mut().enable();
        self.arrived.fetch_add(1, Ordering::SeqCst);
        self.check();
        if self.open.load(Ordering::SeqCst) {
            return;
        }
        if tokio::time::timeout(self.timeout, released).await.is_err() {
            self.timed_out.store(true, Ordering::SeqCst);
        }
    }
}

/// What came back on a connection, and the error that ended it early, if any.
pub(crate) struct Outcome {
    pub(crate) echo: Vec<u8>,
    pub(crate) error: Option<io::ErrorKind>,
}

/// Connects to `127.0.0.1:port`, sends `payload` in `chunks` writes `pause` apart, half-closes
/// and reads everything. A connect error is the `Err`; any later error ends the `Outcome` with
/// what had arrived.
pub(crate) async fn one_connection(
    port: u16,
    payload: &[u8],
    chunks: usize,
    pause: Duration,
    barrier: Option<&Barrier>,
) -> io::Result<Outcome> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut reader, mut writer) = stream.into_split();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&received);
    let mut reading = tokio::spawn(async move {
        let mut buf = vec![0; 65536];
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), io::Error>(());
            }
            sink.lock().expect("received").extend_from_slice(&buf[..n]);
        }
    });
    let step = (payload.len() / chunks).max(1);
    let sent = async {
        for (i, chunk) in payload.chunks(step).enumerate() {
            writer.write_all(chunk).await?;
            if let (Some(barrier), 0) = (barrier, i) {
                barrier.wait().await;
            }
            tokio::time::sleep(pause).await;
        }
        writer.shutdown().await?;
        match tokio::time::timeout(Duration::from_secs(60), &mut reading).await {
            Ok(Ok(read)) => read,
            Ok(Err(join)) => Err(io::Error::other(join)),
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }
    .await;
    reading.abort();
    let echo = std::mem::take(&mut *received.lock().expect("received"));
    Ok(Outcome {
        echo,
        error: sent.err().map(|e| e.kind()),
    })
}

/// Every count the line reports.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) connections: u64,
    pub(crate) bytes_lost: u64,
    pub(crate) allowed_reset: u64,
    pub(crate) denied_admitted: u64,
    pub(crate) b_ok: u64,
    pub(crate) b_denied: u64,
    pub(crate) b_revoked: u64,
    /// Refuse, hole, reset.
    pub(crate) faults: [u64; 3],
    pub(crate) fault_leaks: u64,
    pub(crate) open: u64,
    pub(crate) max_open: u64,
    pub(crate) errors: BTreeMap<String, u64>,
}

impl Stats {
    pub(crate) fn note(&mut self, kind: io::ErrorKind) {
        *self.errors.entry(format!("{kind:?}")).or_default() += 1;
    }

    /// A connection to B: allowed, denied or revoked depending on the generation; never
    /// corrupted, and never admitted when it started while a denying generation was in force.
    pub(crate) fn record_b(
        &mut self,
        payload: &[u8],
        echo: &[u8],
        started: f64,
        deny_windows: &[(f64, f64)],
    ) {
        let want = expected_reply(payload);
        let denied_window = deny_windows
            .iter()
            .any(|(lo, hi)| *lo <= started && started < *hi);
        if echo == want {
            self.b_ok += 1;
            if denied_window {
                self.denied_admitted += 1;
            }
        } else if echo.is_empty() {
            self.b_denied += 1;
        } else if want.starts_with(echo) {
            self.b_revoked += 1; // reset by a reload that denied it mid-stream: expected
            if denied_window {
                self.denied_admitted += 1;
            }
        } else {
            self.bytes_lost += want.len() as u64;
        }
    }

    /// A checked connection to A: everything sent comes back, followed by its digest.
    pub(crate) fn record_a(&mut self, payload: &[u8], outcome: &Outcome) {
        self.connections += 1;
        if let Some(kind) = outcome.error {
            self.note(kind);
        }
        let want = expected_reply(payload);
        if outcome.echo != want {
            if outcome.error.is_some() || outcome.echo.len() < want.len() {
                self.allowed_reset += 1;
            }
            let lost = want.len().abs_diff(outcome.echo.len());
            self.bytes_lost += if lost == 0 { want.len() } else { lost } as u64;
        }
    }
}
