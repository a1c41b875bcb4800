//! Bytes → YAML documents, under budgets that make hostile input fail fast.
//!
//! The limits are checked before and during parsing by serde-saphyr's budget, so an alias bomb,
//! a gigabyte file or ten thousand nested levels is rejected in milliseconds with bounded memory.

use serde::de::DeserializeOwned;

use super::budget::{self, Limits};
use super::node::{Node, Pos, Value};
use super::peek::Document;

/// A file that could not be parsed: where and why, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParseFailure {
    /// Position of the problem (1:1 when unknown).
    pub pos: Pos,
    /// One-line description.
    pub message: String,
}

/// Stack for the parsing thread. The deserializer recurses once per nesting level and a debug
/// build needs tens of kilobytes per level, so the default 2 MiB thread stack overflows before
/// the depth budget can reject hostile nesting. Untouched stack pages cost no memory.
pub(super) const PARSER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `work` on a thread with [`PARSER_STACK_BYTES`] of stack (one file outside a load).
///
/// # Errors
/// The OS error when no thread can be created.
pub(super) fn with_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("meshctl-parse".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, work)?;
        Ok(handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Runs `work` on rayon threads with [`PARSER_STACK_BYTES`] of stack, one per core, so files
/// are parsed in parallel (the caller keeps the input order with rayon's indexed `collect`).
///
/// The first load configures rayon's global pool this way, so parsing and the rules after it
/// (which use the global pool) share their threads, and with them the allocator's per-thread
/// arenas: memory the parser freed is reused by the rules instead of a second pair of arenas
/// growing. A process whose global pool was already configured elsewhere gets a dedicated pool
/// for each load.
///
/// # Errors
/// The OS error when no thread can be created.
pub(super) fn on_parser_threads<T: Send>(work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    static GLOBAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let global = *GLOBAL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(PARSER_STACK_BYTES)
            .build_global()
            .is_ok()
    });
    if global {
        // `scope` runs `work` itself on a pool thread: a parallel iterator over one file
        // would otherwise parse it on the calling thread, whatever that thread's stack.
        return Ok(rayon::scope(|_| work()));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("meshctl-parse-{i}"))
        .stack_size(PARSER_STACK_BYTES)
        .build()
        .map_err(std::io::Error::other)?;
    Ok(pool.install(work))
}

/// Parses all documents of a source, building documents of other kinds only as far as their
/// head ([`Document`]). Empty documents (`---` alone) are dropped.
///
/// # Errors
/// A [`ParseFailure`] for invalid UTF-8, YAML syntax errors, duplicate keys or a breached budget.
pub(super) fn documents(bytes: &[u8], limits: &Limits) -> Result<Vec<Document>, ParseFailure> {
    let docs: Vec<Document> = parse_all(bytes, limits)?;
    Ok(docs.into_iter().filter(|d| !d.is_empty()).collect())
}

/// [`documents`], every one built whole (embedded YAML, whose kind does not decide its use).
///
/// # Errors
/// As [`documents`].
pub(super) fn nodes(bytes: &[u8], limits: &Limits) -> Result<Vec<Node>, ParseFailure> {
    let docs: Vec<Node> = parse_all(bytes, limits)?;
    Ok(docs
        .into_iter()
        .filter(|d| !matches!(d.value, Value::Null))
        .collect())
}

fn parse_all<T: DeserializeOwned>(bytes: &[u8], limits: &Limits) -> Result<Vec<T>, ParseFailure> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseFailure {
            pos: Pos { line: 1, column: 1 },
            message: budget::too_large(bytes.len() as u64, limits.max_bytes),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let lines: Vec<&[u8]> = valid.split(|b| *b == b'\n').collect();
        let line = lines.len();
        let column = lines
            .last()
            .map_or(0, |l| String::from_utf8_lossy(l).chars().count())
            + 1;
        ParseFailure {
            pos: Pos {
                line: line as u64,
                column: column as u64,
            },
            message: format!(
                "input is not valid UTF-8 (byte 0x{:02x} at offset {})",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget::saphyr(limits));
    options.strict_booleans = true;
    options.with_snippet = false;
    options.alias_limits.max_total_replayed_events = limits.max_alias_events;

    serde_saphyr::from_multiple_with_options(text, options).map_err(|e| failure(&e, limits))
}

fn failure(error: &serde_saphyr::Error, limits: &Limits) -> ParseFailure {
    let pos = error
        .location()
        .map_or(Pos { line: 1, column: 1 }, |l| Pos {
            line: l.line().max(1),
            column: l.column().max(1),
        });
    let rendered = error.to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid YAML");
    // serde-saphyr may prefix its own "line N column M" — we print positions ourselves.
    let message = strip_position_suffix(first.trim());
    ParseFailure {
        pos,
        message: budget::explain(error, limits)
            .or_else(|| explain_duplicate(message))
            .unwrap_or_else(|| message.to_owned()),
    }
}

/// serde-saphyr's duplicate-key message ends with advice for the programmer embedding it
/// (`set DuplicateKeyPolicy in Options if acceptable`); the user editing the file needs the key.
fn explain_duplicate(message: &str) -> Option<String> {
    let rest = message.strip_prefix("duplicate mapping key: ")?;
    let key = rest.split(", set ").next().unwrap_or(rest).trim();
    Some(format!(
        "duplicate key `{key}`: a mapping may name it once (Kubernetes would keep only one value)"
    ))
}

fn strip_position_suffix(message: &str) -> &str {
    message
        .find(" at line ")
        .map_or(message, |i| &message[..i])
        .trim_end_matches(['.', ':'])
}
