//! The order in which a proxy considers services, which decides every "who wins" conflict
//! (istio/istio pilot/pkg/model/push_context.go `servicesExportedToNamespace` and
//! `SortServicesByCreationTime`): services exported explicitly to the proxy's namespace first, then
//! public ones; within each group the oldest `creationTimestamp` first, then the host string, then
//! the namespace. Input order breaks any remaining tie, so compiling the same files twice gives the
//! same registry.
//!
//! Timestamps are parsed (RFC 3339, second resolution as Kubernetes stores them). A missing or
//! unreadable timestamp is the zero time, as in Istio (a Go zero `time.Time`): all such entries
//! compare equal to each other, fall through to the host name, and sort before dated ones. That
//! keeps the order total, which sorting needs.

use std::cmp::Ordering;
use std::fmt;

/// The key istiod sorts one kind of config by (pilot/pkg/model/push_context.go
/// `sortConfigByCreationTime`, for VirtualServices and Gateways): the oldest `creationTimestamp`
/// first (a missing one is the zero time, before every dated one), then the name, then the
/// namespace.
pub(crate) fn config_order(meta: &crate::model::ObjectMeta) -> (i64, String, String) {
    (
        meta.creation_timestamp
            .as_deref()
            .and_then(parse_timestamp)
            .unwrap_or(i64::MIN),
        meta.name.clone(),
        meta.namespace().to_owned(),
    )
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp such as `2024-05-01T12:00:00Z` or
/// `2024-05-01T14:00:00.5+02:00`; `None` when it is not one.
#[must_use]
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, want: &[u8]| b.get(at).is_some_and(|c| want.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut at = 19;
    if sep(at, b".") {
        at += 1;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let offset = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() && sep(at + 3, b":") => {
            let minutes = num(at + 1..at + 3)? * 60 + num(at + 4..at + 6)?;
            if sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second.min(60) - offset * 60)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Where a service stands in the proxy's processing order; smaller is first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderKey {
    /// The Sidecar egress listener it was imported through (port-specific ones come first).
    pub(crate) egress: usize,
    /// False when exported explicitly to the proxy's namespace (sorts first).
    pub(crate) public: bool,
    /// Seconds since the epoch; the zero time (`i64::MIN`) when unknown.
    pub(crate) created: i64,
    /// The host string (Istio's service name for a `ServiceEntry`).
    pub(crate) host: std::sync::Arc<str>,
    /// The entry's namespace.
    pub(crate) namespace: std::sync::Arc<str>,
    /// Position of the entry in the input, then of the address within the entry.
    pub(crate) input: (usize, usize),
}

impl OrderKey {
    /// Compares everything but the egress listener (used when sorting within one listener).
    pub(crate) fn cmp_service(&self, other: &Self) -> Ordering {
        self.public
            .cmp(&other.public)
            .then(self.created.cmp(&other.created))
            .then_with(|| self.host.cmp(&other.host))
            .then_with(|| self.namespace.cmp(&other.namespace))
            .then(self.input.cmp(&other.input))
    }

    /// Why `self` came before `later`: the first key that differs.
    pub(crate) fn precedence(&self, later: &Self) -> Precedence {
        if self.egress != later.egress {
            Precedence::EgressListener
        } else if self.public != later.public {
            Precedence::ExportedExplicitly
        } else if self.created != later.created {
            Precedence::Older
        } else if self.host != later.host {
            Precedence::HostName
        } else if self.namespace != later.namespace {
            Precedence::Namespace
        } else if self.input.0 != later.input.0 {
            Precedence::InputOrder
        } else {
            Precedence::SameEntry
        }
    }
}

/// Why one service was processed before another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// Imported through an earlier (port-specific) Sidecar egress listener.
    EgressListener,
    /// Exported explicitly to the proxy's namespace, the other only publicly.
    ExportedExplicitly,
    /// Older `metadata.creationTimestamp`.
    Older,
    /// Same creation time; host name sorts first.
    HostName,
    /// Same creation time and host; namespace sorts first.
    Namespace,
    /// Identical keys; earlier in the input.
    InputOrder,
    /// Another host or address of the same entry, earlier in its own lists.
    SameEntry,
}

impl fmt::Display for Precedence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precedence::EgressListener => "imported by an earlier port-specific egress listener",
            Precedence::ExportedExplicitly => "exported explicitly to this namespace",
            Precedence::Older => "older creationTimestamp",
            Precedence::HostName => "same creation time, host name sorts first",
            Precedence::Namespace => "same creation time and host, namespace sorts first",
            Precedence::InputOrder => "same creation time, host and namespace, earlier in input",
            Precedence::SameEntry => "earlier host or address of the same entry",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2024-05-01T12:00:00Z", Some(1_714_564_800)),
            ("2024-05-01T14:00:00.250+02:00", Some(1_714_564_800)),
            ("2024-05-01t12:00:00z", Some(1_714_564_800)),
            ("2000-02-29T00:00:01-00:30", Some(951_784_201)),
            ("2024-05-01", None),
            ("2024-13-01T00:00:00Z", None),
            ("2024-05-01T12:00:00", None),
            ("2024-05-01T12:00:00Zjunk", None),
            ("yesterday", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_timestamp(text), want, "{text}");
        }
    }

    #[test]
    fn order_explains_itself() {
        let key = |created, host: &str| OrderKey {
            egress: 0,
            public: true,
            created,
            host: host.into(),
            namespace: "default".into(),
            input: (0, 0),
        };
        let a = key(i64::MIN, "b.example.com");
        let b = key(5, "a.example.com");
        assert_eq!(a.cmp_service(&b), Ordering::Less);
        assert_eq!(a.precedence(&b), Precedence::Older);
        let c = key(5, "c.example.com");
        assert_eq!(b.precedence(&c), Precedence::HostName);
    }
}
