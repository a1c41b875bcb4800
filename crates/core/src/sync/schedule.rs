//! When each host is due for another lookup in `sync --watch`.
//!
//! A name is looked up again when its answer expires: the TTL, clamped to
//! `[--min-interval, --max-interval]` (a TTL of 0 must not become a busy loop, a day-long TTL
//! must not hide a move for a day), minus up to `jitter` of it so a thousand entries written
//! at once do not query in lock-step. A failed lookup is retried after `min`, doubling per
//! consecutive failure up to `max`. A host whose entry drains an address is also due when the
//! grace period ends, so the removal is not late by a TTL. Times are tokio [`Instant`]s, so
//! tests drive the schedule with a paused clock.

use std::collections::BTreeMap;
use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

use tokio::time::Instant;

/// The interval bounds and jitter of `--watch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// `--min-interval`.
    pub min: Duration,
    /// `--max-interval`.
    pub max: Duration,
    /// Largest fraction of an interval taken off at random, in `[0, 1)`.
    pub jitter: f64,
}

impl Bounds {
    /// The wait after a successful lookup with smallest TTL `ttl` (`None`: no TTL, e.g. a
    /// hosts-file answer, so `max`), `unit` being a random number in `[0, 1)`.
    #[must_use]
    pub fn after_answer(&self, ttl: Option<u32>, unit: f64) -> Duration {
        let base = ttl.map_or(self.max, |t| Duration::from_secs(u64::from(t)));
        let base = base.clamp(self.min, self.max.max(self.min));
        let cut = base.mul_f64((self.jitter * unit).clamp(0.0, 0.99));
        base.saturating_sub(cut).max(self.min)
    }

    /// The wait after `failures` consecutive failed lookups (1 for the first).
    #[must_use]
    pub fn after_failure(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.min
            .saturating_mul(1 << doublings)
            .min(self.max.max(self.min))
    }
}

/// A random number in `[0, 1)` for jitter, from the standard library's randomly keyed hasher
/// (no RNG crate for one number per lookup).
#[must_use]
pub fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x6d65_7368);
    // 53 random bits make an f64 in [0, 1) with every value equally likely.
    #[allow(clippy::cast_precision_loss)]
    let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    unit
}

/// Per host: when it is due and how many lookups in a row failed.
#[derive(Debug, Default)]
pub struct Schedule {
    hosts: BTreeMap<String, Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    due: Instant,
    failures: u32,
}

impl Schedule {
    /// Makes the schedule cover exactly `hosts`: new ones are due at `now`, vanished ones
    /// (their entries were deleted or edited) are dropped.
    pub fn track<'a>(&mut self, hosts: impl IntoIterator<Item = &'a str>, now: Instant) {
        let wanted: std::collections::BTreeSet<&str> = hosts.into_iter().collect();
        self.hosts.retain(|h, _| wanted.contains(h.as_str()));
        for host in wanted {
            self.hosts.entry(host.to_owned()).or_insert(Slot {
                due: now,
                failures: 0,
            });
        }
    }

    /// Hosts due at `now`, sorted.
    #[must_use]
    pub fn due(&self, now: Instant) -> Vec<String> {
        self.hosts
            .iter()
            .filter(|(_, s)| s.due <= now)
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// The earliest due time, if any host is tracked.
    #[must_use]
    pub fn next(&self) -> Option<Instant> {
        self.hosts.values().map(|s| s.due).min()
    }

    /// Records an answer for `host` at `now`: due again after `wait`, or at `deadline` (a grace
    /// period ending) when that is sooner.
    pub fn answered(
        &mut self,
        host: &str,
        now: Instant,
        wait: Duration,
        deadline: Option<Duration>,
    ) {
        if let Some(slot) = self.hosts.get_mut(host) {
            let wait = deadline.map_or(wait, |d| d.min(wait));
            slot.due = now + wait;
            slot.failures = 0;
        }
    }

    /// Records a failed lookup for `host` at `now` and returns the retry wait.
    pub fn failed(&mut self, host: &str, now: Instant, bounds: &Bounds) -> Duration {
        let Some(slot) = self.hosts.get_mut(host) else {
            return bounds.min;
        };
        slot.failures += 1;
        let wait = bounds.after_failure(slot.failures);
        slot.due = now + wait;
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds {
        min: Duration::from_secs(1),
        max: Duration::from_secs(300),
        jitter: 0.1,
    };

    #[test]
    fn ttl_is_clamped_and_jitter_only_shortens() {
        let s = Duration::from_secs;
        assert_eq!(BOUNDS.after_answer(Some(0), 0.0), s(1));
        assert_eq!(BOUNDS.after_answer(Some(60), 0.0), s(60));
        assert_eq!(BOUNDS.after_answer(Some(86_400), 0.0), s(300));
        assert_eq!(BOUNDS.after_answer(None, 0.0), s(300));
        assert_eq!(BOUNDS.after_answer(Some(60), 0.5), s(57));
        assert!(BOUNDS.after_answer(Some(60), 0.999_999) > s(54));
        assert_eq!(BOUNDS.after_answer(Some(1), 0.9), s(1), "never below min");
        for _ in 0..100 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }

    #[test]
    fn failures_back_off_to_max() {
        let waits: Vec<u64> = (1..=11)
            .map(|n| BOUNDS.after_failure(n).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(BOUNDS.after_failure(u32::MAX).as_secs(), 300);
    }

    #[tokio::test(start_paused = true)]
    async fn hosts_come_due_at_their_ttl_on_a_paused_clock() {
        let start = Instant::now();
        let mut schedule = Schedule::default();
        schedule.track(["a.example.com", "b.example.com"], start);
        assert_eq!(schedule.due(start), ["a.example.com", "b.example.com"]);
        schedule.answered(
            "a.example.com",
            start,
            BOUNDS.after_answer(Some(2), 0.0),
            None,
        );
        schedule.answered(
            "b.example.com",
            start,
            BOUNDS.after_answer(Some(60), 0.0),
            Some(Duration::from_secs(5)),
        );
        assert!(schedule.due(start).is_empty());

        // Sleeping until the next due time wakes exactly at a's TTL.
        tokio::time::sleep_until(schedule.next().expect("tracked")).await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(schedule.due(Instant::now()), ["a.example.com"]);
        let wait = schedule.failed("a.example.com", Instant::now(), &BOUNDS);
        assert_eq!(wait, Duration::from_secs(1));

        tokio::time::sleep_until(schedule.next().expect("tracked")).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        let wait = schedule.failed("a.example.com", Instant::now(), &BOUNDS);
        assert_eq!(wait, Duration::from_secs(2), "second failure doubles");

        // b's grace deadline (5 s) comes before its TTL (60 s).
        tokio::time::sleep_until(schedule.next().expect("tracked")).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(
            schedule.due(Instant::now()),
            ["a.example.com", "b.example.com"]
        );

        schedule.track(["b.example.com", "c.example.com"], Instant::now());
        assert_eq!(
            schedule.due(Instant::now()),
            ["b.example.com", "c.example.com"]
        );
    }
}
