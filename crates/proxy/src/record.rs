//! The canonical connection records (`--access-log FILE --log-format json`), schema
//! [`SCHEMA`]: one `decision` record when a connection is decided and one `close` record when
//! it ends, each a JSON object on one line. `meshctl gen serviceentry --from-log` reads them
//! back, so the field names and meanings are a contract: within a schema version fields are
//! only added, never renamed, removed or given another meaning (docs/proxy-records.md is the
//! reference).
//!
//! The `close` record keeps every field of the access log's JSON line as it was before there
//! were decision records (`start_time` … `close_reason`, same names and meanings); what the two
//! events share is [`Decided`], flattened into both. Rendering the lines is `access_log`'s job.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// The schema every record names in its `schema` field: the one `gen serviceentry --from-log`
/// reads, so writer and reader cannot disagree.
pub(crate) const SCHEMA: &str = meshctl_core::generate_from_log::RECORD_SCHEMA;

/// What the proxy did with a connection: `allow`, `deny` or `would_deny` (denied by the policy,
/// let through by report mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Dialled because the policy allows it (`ALLOW`, `PASSTHROUGH`, `BYPASS`).
    Allow,
    /// Closed without dialling.
    Deny,
    /// Denied by the policy, dialled anyway by report mode.
    WouldDeny,
}

/// A process-wide connection number, so a connection's `decision` and `close` records can be
/// joined (and told apart from another connection between the same addresses).
pub(crate) fn next_connection_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What both events say about a connection: who, where to, and what the policy decided.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Decided {
    /// Joins a connection's records; unique within one proxy process.
    pub(crate) connection_id: u64,
    /// When the connection was accepted (RFC 3339, UTC).
    pub(crate) start_time: String,
    /// The client's address (the connection's source).
    pub(crate) client: SocketAddr,
    /// The destination decided on (original destination, or the forward target's address);
    /// `null` when there was none to decide on.
    pub(crate) destination: Option<SocketAddr>,
    /// The `--forward` target's host name when it is a name (not an IP literal).
    pub(crate) forward_host: Option<String>,
    /// The TLS server name read from the ClientHello, on ports whose listener matches SNI.
    pub(crate) sni: Option<String>,
    /// The engine's verdict: `ALLOW`, `PASSTHROUGH`, `BYPASS`, `DENY`.
    pub(crate) verdict: &'static str,
    /// What the proxy did: [`Outcome`].
    pub(crate) decision: Outcome,
    /// `enforce` or `report`.
    pub(crate) policy_mode: &'static str,
    /// `namespace/name` of the ServiceEntry that allowed it.
    pub(crate) service_entry: Option<String>,
    /// Istio's listener name (`203.0.113.7_3306`, `virtualOutbound`); empty for bypass.
    pub(crate) listener: String,
    /// Istio's filter chain name; empty for bypass.
    pub(crate) chain: String,
    /// Istio's cluster name, `-` when bypassed.
    pub(crate) upstream_cluster: String,
    /// The configuration generation that decided.
    pub(crate) generation: u64,
    /// The decision's one-line why, as `simulate` prints it.
    pub(crate) reason: String,
}

/// Everything logged about one connection when it closes: the `close` record.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AccessRecord {
    /// The decision this connection was opened under.
    #[serde(flatten)]
    pub(crate) decided: Decided,
    /// How long it lasted, in milliseconds.
    pub(crate) duration_ms: u128,
    /// The address actually dialled.
    pub(crate) upstream: Option<SocketAddr>,
    /// Bytes from the client to the upstream.
    pub(crate) bytes_sent: u64,
    /// Bytes from the upstream to the client.
    pub(crate) bytes_received: u64,
    /// Envoy response flags (see `traffic`).
    pub(crate) response_flags: &'static str,
    /// Why it ended: `closed`, `denied`, `reset`, `idle timeout`, `revoked`, …
    pub(crate) close_reason: String,
}

/// One JSON line: the envelope every record shares, around its event's body.
#[derive(Serialize)]
pub(crate) struct Line<'a, T: Serialize> {
    /// [`SCHEMA`].
    pub(crate) schema: &'static str,
    /// `decision` or `close`.
    pub(crate) event: &'static str,
    /// When the record was written (RFC 3339, UTC, milliseconds).
    pub(crate) time: String,
    #[serde(flatten)]
    pub(crate) body: &'a T,
}

impl<'a, T: Serialize> Line<'a, T> {
    /// `body` as an `event` record written now.
    pub(crate) fn now(event: &'static str, body: &'a T) -> Self {
        Line {
            schema: SCHEMA,
            event,
            time: timestamp(std::time::SystemTime::now()),
            body,
        }
    }
}

/// A time in the records' format.
#[must_use]
pub(crate) fn timestamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}
