//! Span edits: the planned change and nothing else, whatever the file's style.

use std::time::{Duration, SystemTime};

use super::*;
use crate::dns::{DnsError, Lookup};
use crate::load::{LoadOptions, Pos, load_bytes};
use crate::sync::{DEPARTED_ANNOTATION, Settings, find, plan};

fn at(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).expect("time")
}

#[allow(clippy::unnecessary_wraps)] // `plan` takes the lookup's result
fn answer(ips: &[&str]) -> Result<Lookup, DnsError> {
    Ok(Lookup::builder("db.example.com").addresses(ips, 2).build())
}

/// Loads `text`, plans every managed entry against `ips` at `now`, applies the edits.
fn sync(name: &str, text: &str, ips: &[&str], now: &str) -> Result<String, EditError> {
    let settings = Settings {
        grace: Duration::from_secs(600),
        allow_empty: false,
        ..Settings::default()
    };
    sync_with(name, text, ips, now, settings)
}

/// [`sync`] with explicit settings.
fn sync_with(
    name: &str,
    text: &str,
    ips: &[&str],
    now: &str,
    settings: Settings,
) -> Result<String, EditError> {
    let inputs = load_bytes(name, text.as_bytes(), &LoadOptions::default()).expect("load");
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let lines = Lines::new(text);
    let path: Arc<str> = Arc::from(name);
    let mut edits = Vec::new();
    for entry in find(&inputs, true).expect("managed") {
        let loaded = &inputs.service_entries[entry.index];
        let p = plan(&entry, &answer(ips), at(now), settings);
        let old = loaded
            .resource
            .metadata
            .annotations
            .get(DEPARTED_ANNOTATION)
            .map(String::as_str);
        edits.extend(entry_edits(&lines, &path, &loaded.node, &p, old)?);
    }
    Ok(apply(text, edits))
}

const BLOCK: &str = "# Managed by meshctl: keep the comments.
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db   # the name
  annotations:
    meshctl.dev/resolve: db.example.com
    team: data
spec:
  hosts:
  - db.example.com
  addresses:
  # primary
  - 203.0.113.7/32   # today
  - \"2001:db8::7/128\"
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
  resolution: NONE
";

#[test]
fn block_lists_keep_comments_quotes_and_everything_else() {
    let out = sync(
        "db.yaml",
        BLOCK,
        &["203.0.113.7", "203.0.113.8", "2001:db8::7"],
        "2026-01-01T00:00:00Z",
    )
    .expect("edit");
    let want = BLOCK.replace(
        "  - \"2001:db8::7/128\"\n",
        "  - 203.0.113.8/32\n  - \"2001:db8::7/128\"\n",
    );
    assert_eq!(out, want);
}

#[test]
fn departure_is_recorded_then_the_address_and_its_comment_go() {
    let t0 = "2026-01-01T00:00:00Z";
    let recorded = sync("db.yaml", BLOCK, &["2001:db8::7"], t0).expect("record");
    let want = BLOCK.replace(
        "  annotations:\n",
        "  annotations:\n    meshctl.dev/departed: \"203.0.113.7=2026-01-01T00:00:00Z\"\n",
    );
    assert_eq!(recorded, want);
    // Within grace: nothing to do, byte for byte.
    let again = sync(
        "db.yaml",
        &recorded,
        &["2001:db8::7"],
        "2026-01-01T00:05:00Z",
    )
    .expect("noop");
    assert_eq!(again, recorded);
    let removed = sync(
        "db.yaml",
        &recorded,
        &["2001:db8::7"],
        "2026-01-01T00:10:00Z",
    )
    .expect("remove");
    assert_eq!(
        removed,
        BLOCK.replace("  # primary\n  - 203.0.113.7/32   # today\n", "")
    );
}

#[test]
fn flow_lists_and_json_keep_their_spelling() {
    let flow = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: db\n  annotations: {meshctl.dev/resolve: db.example.com}\nspec:\n  hosts: [db.example.com]\n  addresses: ['203.0.113.7/32',   203.0.113.9/32] # pinned\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n";
    let out = sync(
        "db.yaml",
        flow,
        &["203.0.113.7", "203.0.113.8", "203.0.113.9"],
        "2026-01-01T00:00:00Z",
    )
    .expect("edit");
    assert_eq!(
        out,
        flow.replace(
            "['203.0.113.7/32',   203.0.113.9/32]",
            "['203.0.113.7/32', '203.0.113.8/32', 203.0.113.9/32]"
        )
    );
    let json = r#"{"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
 "metadata": {"name": "db", "annotations": {"meshctl.dev/resolve": "db.example.com"}},
 "spec": {"hosts": ["db.example.com"], "addresses": ["203.0.113.7/32"],
          "ports": [{"number": 3306, "name": "tcp", "protocol": "TCP"}]}}
"#;
    let out = sync(
        "db.json",
        json,
        &["203.0.113.7", "2001:db8::7"],
        "2026-01-01T00:00:00Z",
    )
    .expect("json");
    assert_eq!(
        out,
        json.replace(
            r#"["203.0.113.7/32"]"#,
            r#"["203.0.113.7/32", "2001:db8::7/128"]"#
        )
    );
    // Departures are recorded in flow mappings too, keys quoted so JSON stays JSON.
    let recorded = sync("db.yaml", flow, &["203.0.113.9"], "2026-01-01T00:00:00Z").expect("flow");
    assert_eq!(
        recorded,
        flow.replace(
            "annotations: {meshctl.dev/resolve",
            "annotations: {\"meshctl.dev/departed\": \"203.0.113.7=2026-01-01T00:00:00Z\", meshctl.dev/resolve"
        )
    );
    let back = sync(
        "db.yaml",
        &recorded,
        &["203.0.113.7", "203.0.113.9"],
        "2026-01-01T00:01:00Z",
    )
    .expect("returned");
    assert_eq!(back, flow);
    let recorded = sync("db.json", json, &["2001:db8::7"], "2026-01-01T00:00:00Z").expect("json");
    let value: serde_json::Value = serde_json::from_str(&recorded).expect("still JSON");
    assert_eq!(
        value["metadata"]["annotations"]["meshctl.dev/departed"],
        "203.0.113.7=2026-01-01T00:00:00Z"
    );
}

#[test]
fn annotations_are_created_and_removed_whole() {
    let plain = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: pg\nspec:\n  hosts: [pg.example.com]\n  addresses:\n  - 198.51.100.20/32\n  - 198.51.100.21/32\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n";
    let recorded =
        sync("pg.yaml", plain, &["198.51.100.21"], "2026-01-01T00:00:00Z").expect("record");
    assert_eq!(
        recorded,
        plain.replace(
            "metadata:\n",
            "metadata:\n  annotations:\n    meshctl.dev/departed: \"198.51.100.20=2026-01-01T00:00:00Z\"\n"
        )
    );
    let back = sync(
        "pg.yaml",
        &recorded,
        &["198.51.100.20", "198.51.100.21"],
        "2026-01-01T00:01:00Z",
    )
    .expect("returned");
    assert_eq!(back, plain);

    let flow = plain.replace("metadata:\n  name: pg\n", "metadata: {name: pg}\n");
    let recorded =
        sync("pg.yaml", &flow, &["198.51.100.21"], "2026-01-01T00:00:00Z").expect("record");
    assert!(recorded.contains("metadata: {annotations: {\"meshctl.dev/departed\": \"198.51.100.20=2026-01-01T00:00:00Z\"}, name: pg}\n"), "{recorded}");
    let back = sync(
        "pg.yaml",
        &recorded,
        &["198.51.100.20", "198.51.100.21"],
        "2026-01-01T00:01:00Z",
    )
    .expect("returned");
    // An emptied flow mapping stays as `{}`: valid, and nothing else moves.
    assert!(
        back.contains("metadata: {annotations: {}, name: pg}\n"),
        "{back}"
    );
}

#[test]
fn an_allowed_class_is_recorded_beside_the_departed_record() {
    let plain = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: pg\nspec:\n  hosts: [pg.example.com]\n  addresses:\n  - 169.254.10.1/32\n  - 169.254.10.2/32\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n";
    let settings = Settings {
        grace: Duration::from_secs(600),
        allowed: crate::pinning::AllowedClasses::parse_list("link-local").expect("class"),
        ..Settings::default()
    };
    let both = sync_with(
        "pg.yaml",
        plain,
        &["169.254.10.2", "169.254.10.3"],
        "2026-01-01T00:00:00Z",
        settings,
    )
    .expect("record both");
    assert_eq!(
        both,
        plain
            .replace(
                "metadata:\n",
                "metadata:\n  annotations:\n    meshctl.dev/departed: \"169.254.10.1=2026-01-01T00:00:00Z\"\n    meshctl.dev/allowed-address-classes: \"link-local\"\n"
            )
            .replace(
                "  - 169.254.10.2/32\n",
                "  - 169.254.10.2/32\n  - 169.254.10.3/32\n"
            )
    );
    // Recorded once, the entry allows the class itself: no flag needed, nothing to change.
    let again = sync(
        "pg.yaml",
        &both,
        &["169.254.10.2", "169.254.10.3"],
        "2026-01-01T00:01:00Z",
    )
    .expect("in sync");
    assert_eq!(again, both);
    // Without the flag or the record, the same answer changes nothing.
    let refused = sync(
        "pg.yaml",
        plain,
        &["169.254.10.2", "169.254.10.3"],
        "2026-01-01T00:00:00Z",
    )
    .expect("refused");
    assert_eq!(refused, plain);
}

#[test]
fn several_documents_in_one_file_are_edited_independently() {
    let one = BLOCK.replace("# Managed by meshctl: keep the comments.\n", "");
    let two = one.replace("name: db ", "name: db2");
    let text = format!("{one}---\n{two}");
    let out = sync(
        "db.yaml",
        &text,
        &["203.0.113.7", "203.0.113.8", "2001:db8::7"],
        "2026-01-01T00:00:00Z",
    )
    .expect("edit");
    assert_eq!(out.matches("  - 203.0.113.8/32\n").count(), 2);
    assert_eq!(out.len(), text.len() + 2 * "  - 203.0.113.8/32\n".len());
}

#[test]
fn line_index_counts_characters_not_bytes() {
    let lines = Lines::new("é: 1\nab: x\n");
    assert_eq!(lines.offset(Pos { line: 1, column: 4 }), 4);
    assert_eq!(lines.offset(Pos { line: 2, column: 5 }), 10);
    assert_eq!(lines.end(2), 12);
}
