//! What `meshctl gen serviceentry --from-log` proposes: the proxy's `meshctl.proxy.v1` records
//! (docs/proxy-records.md) read back, and the destinations that only got through because
//! report mode (`would_deny`) or `ALLOW_ANY` (`PASSTHROUGH`) let them grouped into the fewest
//! pinned ServiceEntries that cover them. Pure: the command reads the file, screens the
//! addresses and builds, lints and prints the documents (`generate::service_entry`).
//!
//! Grouping: a destination whose connections named a host — the TLS server name, or the
//! `--forward` target's name — joins that host's group (the first name in order when several
//! named it, so one address and port is never pinned by two entries); every other destination
//! joins the group of its address. Each group pins its addresses as host routes and opens the
//! ports seen, and says which destinations it covers and how many connections each had.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use serde_json::Value;

/// The record schema this reader understands.
pub const RECORD_SCHEMA: &str = "meshctl.proxy.v1";

/// The annotation that lists what a proposed entry covers:
/// `203.0.113.9:3306 (12 connections)`.
pub const COVERS_ANNOTATION: &str = "meshctl.dev/covers";

/// Where a destination's host name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NamedBy {
    /// The TLS ClientHello's server name.
    Sni,
    /// The `--forward` target's host name (resolved by the proxy).
    Forward,
}

/// One connection the policy would deny (or only `ALLOW_ANY` let through).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Where it went.
    pub destination: SocketAddr,
    /// The host it named, if any.
    pub host: Option<(String, NamedBy)>,
    /// Identifies the connection across records and proxy restarts: start time, client and
    /// connection id.
    pub connection: String,
}

/// What a log held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The connections to cover, one per `decision` record that asks for it.
    pub observed: Vec<Observed>,
    /// `decision` records of connections enforce mode denied: not proposed (nothing shows
    /// the policy's owner wanted them), only counted for a note.
    pub denied: usize,
    /// Records read (blank lines aside).
    pub records: usize,
}

/// A line that is not a record this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}: {message}")]
pub struct RecordError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads the records of one log.
///
/// # Errors
/// The first line (blank lines aside) that is not JSON, not an object, of another schema, or a
/// `decision` record without a field this reader needs.
pub fn read_records(text: &str) -> Result<Reading, RecordError> {
    let mut reading = Reading::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| RecordError {
            line: index + 1,
            message,
        };
        let value: Value =
            serde_json::from_str(line).map_err(|e| fail(format!("not a JSON record ({e})")))?;
        let Some(record) = value.as_object() else {
            return Err(fail("not a JSON object".into()));
        };
        match record.get("schema").and_then(Value::as_str) {
            Some(RECORD_SCHEMA) => {}
            Some(other) => {
                return Err(fail(format!("schema `{other}`, not `{RECORD_SCHEMA}`")));
            }
            None => return Err(fail(format!("no `schema` (expected `{RECORD_SCHEMA}`)"))),
        }
        reading.records += 1;
        // Close records repeat what the decision said; other events may be added within the
        // schema version and are not this reader's business.
        if record.get("event").and_then(Value::as_str) != Some("decision") {
            continue;
        }
        let text_field = |name: &str| -> Result<&str, RecordError> {
            record
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| fail(format!("`{name}` is missing or not a string")))
        };
        let decision = text_field("decision")?;
        let verdict = text_field("verdict")?;
        if decision == "deny" {
            reading.denied += 1;
            continue;
        }
        if decision != "would_deny" && verdict != "PASSTHROUGH" {
            continue;
        }
        let destination = text_field("destination")?;
        let destination: SocketAddr = destination
            .parse()
            .map_err(|_| fail(format!("`destination`: `{destination}` is not IP:PORT")))?;
        let name = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_str)
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
        };
        let host = name("sni")
            .map(|h| (h, NamedBy::Sni))
            .or_else(|| name("forward_host").map(|h| (h, NamedBy::Forward)));
        let id = record
            .get("connection_id")
            .and_then(Value::as_u64)
            .ok_or_else(|| fail("`connection_id` is missing or not a number".into()))?;
        let connection = format!(
            "{} {} {id}",
            text_field("start_time")?,
            text_field("client")?
        );
        reading.observed.push(Observed {
            destination,
            host,
            connection,
        });
    }
    Ok(reading)
}

/// One proposed ServiceEntry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The host the connections named; `None` for an address group.
    pub host: Option<(String, NamedBy)>,
    /// The addresses to pin, sorted (IPv4 first).
    pub addresses: Vec<IpAddr>,
    /// The ports to open, sorted.
    pub ports: Vec<u16>,
    /// Each covered destination with its number of connections, sorted.
    pub covers: Vec<(SocketAddr, usize)>,
}

impl Proposal {
    /// The entry's host: the name the connections used, else one made from the address
    /// under `.invalid` (RFC 2606: never resolves), since TCP entries match by address and
    /// Istio still requires a host.
    #[must_use]
    pub fn host_name(&self) -> String {
        match (&self.host, self.addresses.first()) {
            (Some((host, _)), _) => host.clone(),
            (None, Some(ip)) => address_host(*ip),
            (None, None) => "unknown.invalid".to_owned(),
        }
    }

    /// The [`COVERS_ANNOTATION`] value: `203.0.113.9:3306 (12 connections), …`.
    #[must_use]
    pub fn covers_text(&self) -> String {
        let mut text = String::new();
        for (i, (dst, n)) in self.covers.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let plural = if *n == 1 { "" } else { "s" };
            let _ = write!(text, "{dst} ({n} connection{plural})");
        }
        text
    }
}

/// `ip-203-0-113-9.meshctl.invalid`; IPv6 written out in full (`ip-2001-db8-0-0-0-0-0-9`) so
/// the label never starts or ends with a hyphen.
#[must_use]
pub fn address_host(ip: IpAddr) -> String {
    let label = match ip.to_canonical() {
        IpAddr::V4(v4) => v4.octets().map(|o| o.to_string()).join("-"),
        IpAddr::V6(v6) => v6.segments().map(|s| format!("{s:x}")).join("-"),
    };
    format!("ip-{label}.meshctl.invalid")
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum GroupKey {
    Host(String, NamedBy),
    Address(IpAddr),
}

/// Groups the observed connections into the fewest entries that cover them: hosts first (by
/// name), then addresses (IPv4 first).
#[must_use]
pub fn propose(observed: &[Observed]) -> Vec<Proposal> {
    // Every name each destination was reached under, and its distinct connections.
    let mut names: BTreeMap<SocketAddr, BTreeSet<(String, NamedBy)>> = BTreeMap::new();
    let mut connections: BTreeMap<SocketAddr, BTreeSet<&str>> = BTreeMap::new();
    for o in observed {
        let dst = SocketAddr::new(o.destination.ip().to_canonical(), o.destination.port());
        let hosts = names.entry(dst).or_default();
        if let Some(host) = &o.host {
            hosts.insert(host.clone());
        }
        connections.entry(dst).or_default().insert(&o.connection);
    }
    let mut groups: BTreeMap<GroupKey, Vec<(SocketAddr, usize)>> = BTreeMap::new();
    for (dst, named) in &names {
        let key = match named.first() {
            Some((host, by)) => GroupKey::Host(host.clone(), *by),
            None => GroupKey::Address(dst.ip()),
        };
        let count = connections.get(dst).map_or(0, BTreeSet::len);
        groups.entry(key).or_default().push((*dst, count));
    }
    let mut proposals: Vec<Proposal> = groups
        .into_iter()
        .map(|(key, mut covers)| {
            covers.sort_by_key(|(dst, _)| (dst.is_ipv6(), *dst));
            let mut addresses: Vec<IpAddr> = covers.iter().map(|(d, _)| d.ip()).collect();
            addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
            addresses.dedup();
            let mut ports: Vec<u16> = covers.iter().map(|(d, _)| d.port()).collect();
            ports.sort_unstable();
            ports.dedup();
            Proposal {
                host: match key {
                    GroupKey::Host(host, by) => Some((host, by)),
                    GroupKey::Address(_) => None,
                },
                addresses,
                ports,
                covers,
            }
        })
        .collect();
    proposals.sort_by_key(|p| {
        (
            p.host.is_none(),
            p.host.clone(),
            p.addresses.first().map(|ip| (ip.is_ipv6(), *ip)),
        )
    });
    proposals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str, decision: &str, verdict: &str, dst: &str, extra: &str) -> String {
        format!(
            r#"{{"schema":"meshctl.proxy.v1","event":"{event}","time":"t","connection_id":1,"start_time":"s","client":"127.0.0.1:5","destination":"{dst}","verdict":"{verdict}","decision":"{decision}"{extra}}}"#
        )
    }

    #[test]
    fn reads_would_deny_and_passthrough_decisions_only() {
        let text = [
            line("decision", "would_deny", "DENY", "203.0.113.9:3306", ""),
            String::new(),
            line("close", "would_deny", "DENY", "203.0.113.9:3306", ""),
            line("decision", "allow", "PASSTHROUGH", "198.51.100.4:5432", ""),
            line("decision", "allow", "ALLOW", "192.0.2.1:443", ""),
            line("decision", "deny", "DENY", "192.0.2.2:443", ""),
            r#"{"schema":"meshctl.proxy.v1","event":"later-kind"}"#.to_owned(),
        ]
        .join("\n");
        let reading = read_records(&text).expect("valid");
        let dsts: Vec<String> = reading
            .observed
            .iter()
            .map(|o| o.destination.to_string())
            .collect();
        assert_eq!(dsts, ["203.0.113.9:3306", "198.51.100.4:5432"]);
        assert_eq!((reading.denied, reading.records), (1, 6));
    }

    #[test]
    fn a_bad_line_names_its_number() {
        struct Case {
            name: &'static str,
            line: String,
            want: &'static str,
        }
        let cases = [
            Case {
                name: "text",
                line: "2026-01-01 duration_ms=1 verdict=DENY".into(),
                want: "3: not a JSON record",
            },
            Case {
                name: "other schema",
                line: r#"{"schema":"meshctl.proxy.v2","event":"decision"}"#.into(),
                want: "3: schema `meshctl.proxy.v2`, not `meshctl.proxy.v1`",
            },
            Case {
                name: "no schema",
                line: r#"{"verdict":"DENY"}"#.into(),
                want: "3: no `schema`",
            },
            Case {
                name: "array",
                line: "[1]".into(),
                want: "3: not a JSON object",
            },
            Case {
                name: "bad destination",
                line: line("decision", "would_deny", "DENY", "nowhere", ""),
                want: "3: `destination`: `nowhere` is not IP:PORT",
            },
        ];
        for case in cases {
            let ok = line("decision", "would_deny", "DENY", "203.0.113.9:3306", "");
            let text = format!("{ok}\n\n{}\n", case.line);
            let err = read_records(&text).expect_err(case.name).to_string();
            assert!(err.starts_with(case.want), "{}: {err}", case.name);
        }
    }

    fn seen(dst: &str, host: Option<(&str, NamedBy)>, id: &str) -> Observed {
        Observed {
            destination: dst.parse().expect("addr"),
            host: host.map(|(h, by)| (h.to_owned(), by)),
            connection: id.to_owned(),
        }
    }

    #[test]
    fn groups_by_host_then_by_address() {
        let observed = [
            seen("203.0.113.9:3306", None, "a"),
            seen("203.0.113.9:3306", None, "a"), // the same connection recorded twice
            seen("203.0.113.9:3306", None, "b"),
            seen("203.0.113.9:33060", None, "c"),
            seen(
                "198.51.100.4:443",
                Some(("api.example.com", NamedBy::Sni)),
                "d",
            ),
            seen(
                "198.51.100.5:443",
                Some(("api.example.com", NamedBy::Sni)),
                "e",
            ),
            // Reached once without SNI: still covered by the named group, never pinned twice.
            seen("198.51.100.5:443", None, "f"),
            seen("[2001:db8::9]:5432", None, "g"),
            seen(
                "192.0.2.7:5432",
                Some(("pg.example.com", NamedBy::Forward)),
                "h",
            ),
        ];
        let proposals = propose(&observed);
        let summary: Vec<(String, Vec<u16>, String)> = proposals
            .iter()
            .map(|p| (p.host_name(), p.ports.clone(), p.covers_text()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "api.example.com".to_owned(),
                    vec![443],
                    "198.51.100.4:443 (1 connection), 198.51.100.5:443 (2 connections)".to_owned()
                ),
                (
                    "pg.example.com".to_owned(),
                    vec![5432],
                    "192.0.2.7:5432 (1 connection)".to_owned()
                ),
                (
                    "ip-203-0-113-9.meshctl.invalid".to_owned(),
                    vec![3306, 33060],
                    "203.0.113.9:3306 (2 connections), 203.0.113.9:33060 (1 connection)".to_owned()
                ),
                (
                    "ip-2001-db8-0-0-0-0-0-9.meshctl.invalid".to_owned(),
                    vec![5432],
                    "[2001:db8::9]:5432 (1 connection)".to_owned()
                ),
            ]
        );
        assert_eq!(proposals[0].addresses.len(), 2);
    }

    #[test]
    fn nothing_observed_proposes_nothing() {
        assert!(propose(&[]).is_empty());
    }
}
