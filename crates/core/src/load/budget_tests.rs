use super::super::parse;
use super::Limits;

/// The one-line message for `text` parsed under `limits`.
fn message(text: &str, limits: Limits) -> String {
    let failure = parse::documents(text.as_bytes(), &limits).expect_err("over budget");
    failure.message
}

/// Every budget a file can exceed, with the message that names it and its value.
#[test]
fn every_breached_budget_is_one_sentence_with_its_value() {
    let small = Limits {
        max_bytes: 1_000,
        max_depth: 3,
        max_aliases: 2,
        max_alias_events: 8,
        max_nodes: 12,
        max_documents: 2,
    };
    let cases = [
        (
            "size",
            "x".repeat(1_001),
            "the file is `1001` bytes, more than the parse budget of `1000` bytes",
        ),
        (
            "depth",
            "a: {b: {c: {d: 1}}}\n".to_owned(),
            "nesting reaches `4` levels, more than the parse budget of `3` levels",
        ),
        (
            "aliases",
            "a: &x 1\nb: *x\nc: *x\nd: *x\n".to_owned(),
            "the file uses `3` aliases, more than the parse budget of `2` aliases",
        ),
        (
            "documents",
            "a: 1\n---\nb: 2\n---\nc: 3\n".to_owned(),
            "the file holds `3` documents, more than the parse budget of `2` documents",
        ),
        (
            "nodes",
            "a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n".to_owned(),
            "the file holds `13` nodes, more than the parse budget of `12` nodes",
        ),
    ];
    let roomy = Limits {
        max_nodes: 1_000,
        ..small
    };
    let alias_events = (
        "alias events",
        "a: &x [1, 2, 3, 4, 5]\nb: *x\nc: *x\n".to_owned(),
        "aliases expand to `9` events, more than the parse budget of `8` events (an alias bomb?)",
    );
    for (name, text, want) in cases.into_iter().chain([alias_events]) {
        let limits = if name == "alias events" { roomy } else { small };
        let got = message(&text, limits);
        assert_eq!(got, want, "{name}");
        assert!(
            !got.contains('\n') && !got.contains('{') && !got.contains('='),
            "{name}: {got}"
        );
    }
}

/// The path and position come first, as for every load problem.
#[test]
fn a_breach_names_the_file() {
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let inputs = crate::load::load_bytes(
        "deep.yaml",
        deep.as_bytes(),
        &crate::load::LoadOptions::default(),
    )
    .expect("parser thread");
    let problem = inputs.problems[0].to_string();
    assert_eq!(
        problem,
        "deep.yaml:1:65: nesting reaches `65` levels, more than the parse budget of `64` levels"
    );
}

/// `1234567` → `1,234,567`, as the docs write numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The budget table in docs/reading-configuration.md names the values in force.
#[test]
fn the_docs_list_every_budget_with_its_value() {
    let docs = include_str!("../../../../docs/reading-configuration.md");
    let limits = Limits::default();
    let budget = super::saphyr(&limits);
    let rows = [
        (
            "| size | 64 MiB (",
            format!("{} bytes)", thousands(limits.max_bytes)),
        ),
        (
            "| nesting depth",
            format!("| {} levels |", budget.max_depth),
        ),
        (
            "| documents |",
            format!("| {} |", thousands(budget.max_documents)),
        ),
        (
            "| YAML nodes",
            format!("| {} |", thousands(budget.max_nodes)),
        ),
        (
            "| parser events |",
            format!("| {} (two per node)", thousands(budget.max_events)),
        ),
        (
            "| alias uses",
            format!("| {} |", thousands(budget.max_aliases)),
        ),
        (
            "| events expanded through aliases |",
            format!("| {} |", thousands(budget.max_recorded_anchor_events)),
        ),
        (
            "| anchors (`&name`) |",
            format!("| {} |", thousands(budget.max_anchors)),
        ),
        (
            "| merge keys",
            format!("| {} |", thousands(budget.max_merge_keys)),
        ),
        (
            "| aliases per anchor (from ",
            format!(
                "{} aliases on) | {} |",
                budget.alias_anchor_min_aliases, budget.alias_anchor_ratio_multiplier
            ),
        ),
    ];
    for (row, value) in rows {
        let line = docs
            .lines()
            .find(|l| l.trim_start().starts_with(row))
            .unwrap_or_else(|| panic!("docs/reading-configuration.md has no budget row `{row}`"));
        assert!(line.contains(&value), "`{line}` should say `{value}`");
    }
    assert_eq!(limits.max_bytes, 64 * 1024 * 1024, "the docs say 64 MiB");
}
