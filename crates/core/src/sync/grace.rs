//! Grace bookkeeping: which pinned addresses have left DNS, and since when.
//!
//! Pooled connections to an address outlive its DNS record, so `sync` keeps a departed address
//! in `addresses` for a grace period before removing it. The state has to survive restarts and
//! travel with the file through GitOps, so it lives in the entry itself, in the annotation
//! [`DEPARTED_ANNOTATION`]: `203.0.113.7=2026-11-27T13:40:50Z,2001:db8::7=…` (address, then
//! the RFC 3339 time it was first seen missing). This module only parses and prints that value
//! and answers "has the grace period run out"; deciding what to record is `plan`'s job.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

/// The annotation holding the departed addresses and when each left DNS.
pub const DEPARTED_ANNOTATION: &str = "meshctl.dev/departed";

/// Departed addresses and the time each was first missing from DNS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Departed {
    since: BTreeMap<IpAddr, SystemTime>,
}

/// Why an annotation value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{item}` is not ADDRESS=RFC3339-TIME ({reason})")]
pub struct DepartedError {
    /// The offending comma-separated item.
    pub item: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Departed {
    /// Reads the annotation value; an empty value means nothing departed.
    ///
    /// # Errors
    /// [`DepartedError`] naming the first item that is not `ADDRESS=TIME`.
    pub fn parse(value: &str) -> Result<Self, DepartedError> {
        let mut since = BTreeMap::new();
        for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let error = |reason: &str| DepartedError {
                item: item.to_owned(),
                reason: reason.to_owned(),
            };
            let (addr, time) = item.split_once('=').ok_or_else(|| error("no `=`"))?;
            // Accept the host-route spelling too: people copy addresses from `spec.addresses`.
            let addr = addr.trim();
            let addr = addr
                .strip_suffix("/32")
                .or_else(|| addr.strip_suffix("/128"))
                .unwrap_or(addr);
            let ip: IpAddr = addr.parse().map_err(|_| error("not an IP address"))?;
            let time =
                humantime::parse_rfc3339(time.trim()).map_err(|_| error("not an RFC 3339 time"))?;
            since.insert(ip, time);
        }
        Ok(Self { since })
    }

    /// True when nothing is recorded (the annotation should then be absent).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.since.is_empty()
    }

    /// When `ip` was first missing from DNS, if it is recorded.
    #[must_use]
    pub fn since(&self, ip: IpAddr) -> Option<SystemTime> {
        self.since.get(&ip).copied()
    }

    /// Records `ip` as missing since `time`, keeping an earlier record if there is one: the
    /// grace period runs from the first answer without the address, not the latest. The time
    /// is rounded up to a whole second, the annotation's precision, so the grace period read
    /// back from the file is never shorter than asked.
    pub fn record(&mut self, ip: IpAddr, time: SystemTime) {
        self.since.entry(ip).or_insert_with(|| ceil_seconds(time));
    }

    /// Forgets `ip` (it came back, or it was removed).
    pub fn forget(&mut self, ip: IpAddr) {
        self.since.remove(&ip);
    }

    /// Keeps only the records for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(IpAddr) -> bool) {
        self.since.retain(|ip, _| keep(*ip));
    }

    /// The recorded addresses, sorted (IPv4 first).
    pub fn iter(&self) -> impl Iterator<Item = (IpAddr, SystemTime)> + '_ {
        self.since.iter().map(|(ip, t)| (*ip, *t))
    }

    /// When the grace period of `ip` ends, if it is recorded.
    #[must_use]
    pub fn deadline(&self, ip: IpAddr, grace: Duration) -> Option<SystemTime> {
        self.since(ip).map(|t| t + grace)
    }

    /// True when `ip` is recorded and its grace period has run out at `now`.
    #[must_use]
    pub fn expired(&self, ip: IpAddr, grace: Duration, now: SystemTime) -> bool {
        self.deadline(ip, grace).is_some_and(|end| end <= now)
    }
}

fn ceil_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) if d.subsec_nanos() > 0 => {
            SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs() + 1)
        }
        _ => time,
    }
}

impl fmt::Display for Departed {
    /// The annotation value: sorted, comma-separated, times to the second, so it is
    /// byte-stable for the same state.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (ip, time)) in self.since.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{ip}={}", humantime::format_rfc3339_seconds(*time))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        humantime::parse_rfc3339(text).expect("time")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn round_trips_sorted_and_accepts_host_routes() {
        let d = Departed::parse(
            " 2001:db8::7=2026-01-01T00:00:10Z, 203.0.113.7/32=2026-01-01T00:00:00Z ",
        )
        .expect("valid");
        assert_eq!(
            d.to_string(),
            "203.0.113.7=2026-01-01T00:00:00Z,2001:db8::7=2026-01-01T00:00:10Z"
        );
        assert_eq!(Departed::parse("").expect("empty"), Departed::default());
    }

    #[test]
    fn junk_is_named() {
        let err = Departed::parse("203.0.113.7=yesterday").expect_err("bad time");
        assert_eq!(
            err.to_string(),
            "`203.0.113.7=yesterday` is not ADDRESS=RFC3339-TIME (not an RFC 3339 time)"
        );
        assert!(Departed::parse("db.example.com=2026-01-01T00:00:00Z").is_err());
        assert!(Departed::parse("203.0.113.7").is_err());
    }

    #[test]
    fn the_first_record_wins_and_expiry_is_inclusive() {
        let mut d = Departed::default();
        let grace = Duration::from_secs(600);
        d.record(ip("203.0.113.7"), at("2026-01-01T00:00:00Z"));
        d.record(ip("203.0.113.7"), at("2026-01-01T00:05:00Z"));
        assert_eq!(d.since(ip("203.0.113.7")), Some(at("2026-01-01T00:00:00Z")));
        assert!(!d.expired(ip("203.0.113.7"), grace, at("2026-01-01T00:09:59Z")));
        assert!(d.expired(ip("203.0.113.7"), grace, at("2026-01-01T00:10:00Z")));
        assert!(!d.expired(ip("203.0.113.8"), grace, at("2027-01-01T00:00:00Z")));
        d.forget(ip("203.0.113.7"));
        assert!(d.is_empty());
        d.record(
            ip("203.0.113.7"),
            at("2026-01-01T00:00:00Z") + Duration::from_millis(1),
        );
        assert_eq!(
            d.to_string(),
            "203.0.113.7=2026-01-01T00:00:01Z",
            "rounded up"
        );
    }
}
