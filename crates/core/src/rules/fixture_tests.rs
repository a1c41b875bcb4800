//! Every rule, alone, on its own fixture: `fixtures/check/MSHNNN-<name>.yaml` must make it fire
//! (the findings — position, severity, resource, message, help — are an insta snapshot per
//! rule), and the near miss `MSHNNN-<name>-ok.yaml` must not. Rules that need DNS read facts
//! built here, modelled on the CLI tests' in-process DNS zone, so no query leaves the process.

use std::fmt::Write as _;
use std::path::Path;

use super::context::Context;
use super::diagnostic::Diagnostic;
use super::dns::facts::DnsFacts;
use super::lint::check;
use super::rule::Rule;
use super::selection::RuleSelection;
use crate::dns::{DnsError, Lookup};
use crate::load::{self, Inputs, LoadOptions};

/// Where the fixtures live, as the snapshots name them (relative to the workspace root).
const FIXTURES: &str = "fixtures/check";

fn load(file: &str) -> Inputs {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(FIXTURES)
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    load::load_bytes(
        &format!("{FIXTURES}/{file}"),
        &bytes,
        &LoadOptions::default(),
    )
    .expect("parser thread")
}

/// One answer: `chain` is the CNAME hops `(alias, target, ttl)`, `addresses` the final records.
fn lookup(name: &str, chain: &[(&str, &str, u32)], addresses: &[(&str, u32)]) -> Lookup {
    let mut answer = Lookup::builder(name).nameserver("test facts");
    for (alias, target, ttl) in chain {
        answer = answer.cname(alias, target, *ttl);
    }
    for (ip, ttl) in addresses {
        answer = answer.address(ip, *ttl);
    }
    answer.build()
}

/// Three samples per host, as `check --dns` takes them.
fn facts() -> DnsFacts {
    let same = |l: Lookup| Ok(vec![l.clone(), l.clone(), l]);
    let mut facts = DnsFacts::default();
    let hosts = [
        (
            "db.example.com",
            same(lookup(
                "db.example.com",
                &[],
                &[
                    ("203.0.113.7", 300),
                    ("203.0.113.8", 300),
                    ("2001:db8::7", 300),
                ],
            )),
        ),
        (
            "v4only.example.com",
            same(lookup(
                "v4only.example.com",
                &[],
                &[("198.51.100.10", 3600)],
            )),
        ),
        (
            "lowttl.example.com",
            same(lookup("lowttl.example.com", &[], &[("192.0.2.20", 5)])),
        ),
        (
            "alias.example.com",
            same(lookup(
                "alias.example.com",
                &[
                    ("alias.example.com", "cdn.example.com", 60),
                    ("cdn.example.com", "edge.example.com", 30),
                ],
                &[("192.0.2.30", 20)],
            )),
        ),
        (
            "provider.example.com",
            same(lookup(
                "provider.example.com",
                &[("provider.example.com", "d111111abcdef8.cloudfront.net", 60)],
                &[("192.0.2.50", 60)],
            )),
        ),
        (
            "gone.example.com",
            Err(DnsError::NxDomain {
                name: "gone.example.com".to_owned(),
            }),
        ),
        (
            "rotate.example.com",
            Ok(["192.0.2.101", "192.0.2.102", "192.0.2.103"]
                .iter()
                .map(|ip| lookup("rotate.example.com", &[], &[(ip, 1)]))
                .collect()),
        ),
    ];
    for (host, answer) in hosts {
        facts.hosts.insert(host.to_owned(), answer);
    }
    facts
}

/// `rule`'s findings on `file`, with only that rule selected.
fn run(rule: Rule, file: &str, facts: &DnsFacts) -> Vec<Diagnostic> {
    let inputs = load(file);
    let mut cx = Context::new(&inputs);
    if rule.needs_dns() {
        cx.dns = Some(facts);
    }
    let selection = RuleSelection::new(&[rule.code().to_owned()], &[]).expect("a known code");
    check(&cx, &selection)
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for d in diagnostics {
        let resource = d.resource.as_deref().unwrap_or("-");
        let _ = writeln!(
            text,
            "{}: {} [{}] {}: {}",
            d.origin,
            d.rule.code(),
            d.severity,
            resource,
            d.message
        );
        if let Some(help) = &d.help {
            let _ = writeln!(text, "  = help: {help}");
        }
    }
    text
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_its_near_miss() {
    let facts = facts();
    let mut checked = 0;
    for &rule in Rule::ALL {
        let base = format!("{}-{}", rule.code(), rule.name());
        if let Some(by) = rule.reported_by() {
            // Its fixtures are exercised by the command that reports it (tests/cli/sync.rs);
            // `check` must stay silent on both.
            assert!(
                run(rule, &format!("{base}.yaml"), &facts).is_empty(),
                "{by}"
            );
            checked += 1;
            continue;
        }
        let found = run(rule, &format!("{base}.yaml"), &facts);
        assert!(
            !found.is_empty(),
            "{} did not fire on {FIXTURES}/{base}.yaml",
            rule.code()
        );
        assert!(
            found.iter().all(|d| d.rule == rule),
            "only {} was selected: {found:?}",
            rule.code()
        );
        insta::assert_snapshot!(base.clone(), render(&found));
        let quiet = run(rule, &format!("{base}-ok.yaml"), &facts);
        assert!(
            quiet.is_empty(),
            "{} fired on its near miss:\n{}",
            rule.code(),
            render(&quiet)
        );
        checked += 1;
    }
    assert_eq!(checked, Rule::ALL.len());
    assert!(checked > 0);
}
