//! The access log: one line per connection, written when it closes, in the spirit of Envoy's
//! TCP access log so lines can be compared with a sidecar's (`upstream_cluster` values
//! `outbound|3306||db.example.com`, `PassthroughCluster`, `BlackHoleCluster`, response flags).
//!
//! Two formats: `text` (space-separated `key=value`, values with spaces quoted) for people and
//! `json` (one object per line) for machines. Both keep a record on one line whatever its values
//! hold: text quotes and escapes a value with control characters, JSON escapes them anyway. The sink is any `Write`, so tests read it back
//! from memory; lines are written whole under a mutex so concurrent connections never
//! interleave. The decision log (stderr, `tracing`) is separate and says *why*; this log says
//! *what happened*.
//!
//! In JSON the lines are the canonical records of `record` (schema `meshctl.proxy.v1`): a
//! `decision` line when a connection is decided and a `close` line when it ends. Text keeps one
//! line per closed connection, with `decision=would_deny` appended only to connections report
//! mode let through, so every other text line reads as it always has.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;

use crate::record::{AccessRecord, Decided, Line, Outcome};
use meshctl_core::escape::escape;

/// Where the access log goes and in which format.
#[derive(Debug, Clone)]
pub struct AccessLogTo {
    /// A file appended to, or `-` for standard error.
    pub path: PathBuf,
    /// One line per connection: text or JSON.
    pub format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `key=value` pairs.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where access log lines go.
pub struct AccessLog {
    format: LogFormat,
    sink: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl AccessLog {
    /// The log the settings ask for (a file appended to, or standard error for `-`), or
    /// `sink` instead when one is given (tests read it back from memory; the format is the
    /// settings', text when they name none).
    pub(crate) fn open(
        to: Option<&AccessLogTo>,
        sink: Option<Box<dyn Write + Send>>,
    ) -> anyhow::Result<Option<Self>> {
        let format = to.map_or(LogFormat::Text, |to| to.format);
        if let Some(sink) = sink {
            return Ok(Some(Self::new(format, sink)));
        }
        let Some(to) = to else {
            return Ok(None);
        };
        let sink: Box<dyn Write + Send> = if to.path.as_os_str() == "-" {
            Box::new(std::io::stderr())
        } else {
            Box::new(
                open_file(&to.path)
                    .with_context(|| format!("opening the access log `{}`", to.path.display()))?,
            )
        };
        Ok(Some(Self::new(to.format, sink)))
    }

    /// A log writing `format` lines to `sink`.
    #[must_use]
    pub fn new(format: LogFormat, sink: Box<dyn Write + Send>) -> Self {
        Self {
            format,
            sink: Mutex::new(sink),
        }
    }

    /// Writes one `close` record; a failing sink is reported once per record by `tracing`,
    /// never fatal.
    pub(crate) fn write(&self, record: &AccessRecord) {
        self.write_line(&render(record, self.format));
    }

    /// Whether `decision` records are written (JSON only: the text log has one line per
    /// connection), so callers build them only then.
    pub(crate) fn records_decisions(&self) -> bool {
        self.format == LogFormat::Json
    }

    /// Writes one `decision` record when the format has them.
    pub(crate) fn decided(&self, decided: &Decided) {
        if self.records_decisions() {
            self.write_line(&json_line(&Line::now("decision", decided)));
        }
    }

    fn write_line(&self, line: &str) {
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        if let Err(e) = sink.write_all(line.as_bytes()).and_then(|()| sink.flush()) {
            tracing::warn!("access log write failed: {e}");
        }
    }
}

/// Opens the access log file `path` for appending, creating it with mode 0640 (the log names
/// clients and destinations; it is not for every local user). The proxy usually runs as root,
/// so a symbolic link at `path` is followed only when root or this process's user owns it: a
/// link another user planted (in `/tmp`, in a shared volume) cannot make the proxy append to a
/// file of its choosing, while `/dev/stdout` and links an administrator made keep working.
/// Linux's `fs.protected_symlinks` draws the same line, but only in sticky directories.
///
/// # Errors
/// A link owned by another user, or any I/O error.
pub(crate) fn open_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.file_type().is_symlink()
    {
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != 0 && meta.uid() != me {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "a symbolic link owned by uid `{}`; the access log follows only links owned by root or by uid `{me}`",
                    meta.uid()
                ),
            ));
        }
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
}

/// A record as one JSON line (with its newline); serde_json escapes every value.
fn json_line(line: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string(line).unwrap_or_default();
    text.push('\n');
    text
}

/// One record as a line (with its newline).
#[must_use]
pub(crate) fn render(r: &AccessRecord, format: LogFormat) -> String {
    match format {
        LogFormat::Json => json_line(&Line::now("close", r)),
        LogFormat::Text => {
            let opt = |a: Option<SocketAddr>| a.map_or_else(|| "-".to_owned(), |a| a.to_string());
            let quote = |s: &str| {
                if s.is_empty() {
                    "-".to_owned()
                } else if s.contains(' ') || s.contains('"') || escape(s) != s {
                    // Debug quoting escapes control characters: a cluster name built from a
                    // host or an error text cannot end the line and forge the next record.
                    format!("{s:?}")
                } else {
                    s.to_owned()
                }
            };
            let d = &r.decided;
            let would_deny = if d.decision == Outcome::WouldDeny {
                " decision=would_deny"
            } else {
                ""
            };
            format!(
                "{} duration_ms={} client={} destination={} verdict={} service_entry={} upstream_cluster={} upstream={} bytes_sent={} bytes_received={} response_flags={} close_reason={}{would_deny}\n",
                d.start_time,
                r.duration_ms,
                d.client,
                opt(d.destination),
                d.verdict,
                quote(d.service_entry.as_deref().unwrap_or("")),
                quote(&d.upstream_cluster),
                opt(r.upstream),
                r.bytes_sent,
                r.bytes_received,
                r.response_flags,
                quote(&r.close_reason),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::record::timestamp;
    use std::time::SystemTime;

    fn record() -> AccessRecord {
        AccessRecord {
            decided: Decided {
                connection_id: 7,
                start_time: timestamp(SystemTime::UNIX_EPOCH),
                client: "127.0.0.1:40000".parse().expect("addr"),
                destination: Some("203.0.113.7:3306".parse().expect("addr")),
                forward_host: None,
                sni: None,
                verdict: "ALLOW",
                decision: Outcome::Allow,
                policy_mode: "enforce",
                service_entry: Some("default/db".into()),
                listener: "203.0.113.7_3306".into(),
                chain: "outbound|3306||db.example.com".into(),
                upstream_cluster: "outbound|3306||db.example.com".into(),
                generation: 1,
                reason: "ALLOW via ServiceEntry default/db".into(),
            },
            duration_ms: 12,
            upstream: Some("203.0.113.7:3306".parse().expect("addr")),
            bytes_sent: 10,
            bytes_received: 20,
            response_flags: "-",
            close_reason: "idle timeout".into(),
        }
    }

    #[test]
    fn text_line() {
        assert_eq!(
            render(&record(), LogFormat::Text),
            "1970-01-01T00:00:00.000Z duration_ms=12 client=127.0.0.1:40000 destination=203.0.113.7:3306 verdict=ALLOW service_entry=default/db upstream_cluster=outbound|3306||db.example.com upstream=203.0.113.7:3306 bytes_sent=10 bytes_received=20 response_flags=- close_reason=\"idle timeout\"\n"
        );
    }

    #[test]
    fn values_cannot_forge_a_record() {
        let mut r = record();
        r.decided.service_entry = Some("default/a\nFAKE LOG LINE".into());
        r.decided.sni = Some("a\u{2028}b\n".into());
        r.decided.upstream_cluster = "outbound|3306||\x1b[31mdb.example.com".into();
        r.close_reason = "reset\r\nverdict=ALLOW".into();
        for format in [LogFormat::Text, LogFormat::Json] {
            let line = render(&r, format);
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            assert!(line.ends_with('\n') && !line.contains('\r') && !line.contains('\x1b'));
        }
        let text = render(&r, LogFormat::Text);
        assert!(
            text.contains(r#"service_entry="default/a\nFAKE LOG LINE""#)
                && text.contains(r#"upstream_cluster="outbound|3306||\u{1b}[31mdb.example.com""#)
                && text.contains(r#"close_reason="reset\r\nverdict=ALLOW""#),
            "{text}"
        );
    }

    #[test]
    fn a_new_log_file_is_not_world_readable() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("meshctl-alog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("access.log");
        drop(open_file(&path).expect("open"));
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode & 0o007, 0, "{mode:o}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// Needs root to plant a link owned by someone else; as another user only the own-link
    /// case runs.
    #[test]
    fn a_link_planted_by_another_user_is_not_followed() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = std::env::temp_dir().join(format!("meshctl-alink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let victim = dir.join("victim");
        std::fs::write(&victim, "secret\n").expect("write");
        let link = dir.join("access.log");
        std::os::unix::fs::symlink(&victim, &link).expect("link");
        drop(open_file(&link).expect("a link of this user's is followed"));
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).expect("lchown");
            assert_eq!(std::fs::symlink_metadata(&link).expect("meta").uid(), 65534);
            let err = open_file(&link).expect_err("planted link refused");
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
            assert_eq!(std::fs::read_to_string(&victim).expect("read"), "secret\n");
        }
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn json_line() {
        let line = render(&record(), LogFormat::Json);
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(value["upstream_cluster"], "outbound|3306||db.example.com");
        assert_eq!(value["bytes_received"], 20);
        assert_eq!(value["schema"], "meshctl.proxy.v1");
        assert_eq!(value["event"], "close");
        assert_eq!(value["decision"], "allow");
        assert_eq!(value["connection_id"], 7);
        assert!(value["sni"].is_null() && value["forward_host"].is_null());
        assert!(line.ends_with("}\n"));
    }

    #[test]
    fn only_report_mode_extends_the_text_line() {
        let mut r = record();
        assert!(!render(&r, LogFormat::Text).contains("decision="));
        r.decided.decision = Outcome::WouldDeny;
        assert!(
            render(&r, LogFormat::Text)
                .ends_with(" close_reason=\"idle timeout\" decision=would_deny\n")
        );
    }
}
