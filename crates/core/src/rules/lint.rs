//! `check`: every selected rule — admission and lint — over one context, then the
//! `--select`/`--ignore` selection and per-resource suppression annotations, sorted. Rules only
//! run when selected and when what they read is there: DNS rules need the context's DNS facts,
//! and the engine's per-namespace views are compiled once, only if a selected rule reads them.
//! Selected rules run in parallel; findings keep registry order before the final sort.

use rayon::prelude::*;

use super::annotation::{Listed, Status};
use super::context::Context;
use super::diagnostic::{self, Diagnostic};
use super::findings::Findings;
use super::gate;
use super::row::CheckFn;
use super::rule::Rule;
use super::selection::{RuleSelection, annotation_entries, is_istio_code, suppressed_by};
use super::views::Views;
use crate::load::{Loaded, Origin};
use crate::model::Resource;

/// Runs the selected rules and drops findings a resource's annotations suppress.
/// Pure: DNS answers come in through the context. The result is sorted.
#[must_use]
pub fn check(cx: &Context<'_>, selection: &RuleSelection) -> Vec<Diagnostic> {
    let enabled = |rule: Rule| selection.enabled(rule);
    let mut found: Vec<Diagnostic> = gate::findings(cx.inputs, enabled)
        .into_iter()
        .map(|(rule, finding)| Diagnostic::new(rule, finding))
        .collect();
    let rules: Vec<Rule> = Rule::ALL.iter().copied().filter(|r| enabled(*r)).collect();
    let (view_rules, other_rules): (Vec<Rule>, Vec<Rule>) = rules
        .into_iter()
        .partition(|r| matches!(r.check_fn(), CheckFn::Views(_)));
    // Rules are pure functions of the context, so they run in parallel, and the engine's views
    // (only if a selected rule reads them) compile while the other rules run. Their findings
    // are collected in registry order, as when they ran one after another.
    let (views, mut by_rule) = rayon::join(
        || (!view_rules.is_empty()).then(|| Views::new(cx.inputs, &cx.mesh, cx.dns_capture)),
        || run(cx, None, &other_rules),
    );
    if let Some(views) = &views {
        by_rule.extend(run(cx, Some(views), &view_rules));
    }
    by_rule.sort_by_key(|(rule, _)| *rule);
    found.extend(by_rule.into_iter().flat_map(|(_, found)| found));
    // Named only for the few resources that suppress anything.
    let suppressions: Vec<(String, Vec<Rule>)> = cx
        .inputs
        .service_entries
        .iter()
        .filter_map(|l| suppressing(&l.resource))
        .chain(
            cx.inputs
                .sidecars
                .iter()
                .filter_map(|l| suppressing(&l.resource)),
        )
        .collect();
    // Rules that judge the suppressions see every finding before any is dropped.
    let mut hygiene = Vec::new();
    for &rule in Rule::ALL.iter().filter(|r| enabled(**r)) {
        if let CheckFn::Suppressions(check) = rule.check_fn() {
            let mut out = Findings::new(rule.default_severity());
            check(&listed(cx, &found, &enabled), &mut out);
            hygiene.extend(
                out.into_vec()
                    .into_iter()
                    .map(|finding| Diagnostic::new(rule, finding)),
            );
        }
    }
    found.retain(|d| {
        !suppressions.iter().any(|(resource, rules)| {
            d.resource.as_deref() == Some(resource) && rules.contains(&d.rule)
        })
    });
    found.extend(hygiene);
    diagnostic::sort(&mut found);
    found
}

/// The findings of each of `rules`, in parallel; `views` for the rules that read them.
fn run(
    cx: &Context<'_>,
    views: Option<&Views<'_>>,
    rules: &[Rule],
) -> Vec<(Rule, Vec<Diagnostic>)> {
    rules
        .par_iter()
        .map(|&rule| {
            let mut out = Findings::new(rule.default_severity());
            match (rule.check_fn(), views) {
                (CheckFn::Lint(check), _) => check(cx, &mut out),
                (CheckFn::Views(check), Some(views)) => check(cx, views, &mut out),
                (CheckFn::Dns(check), _) => match cx.dns {
                    Some(facts) => check(cx, facts, &mut out),
                    None => return (rule, Vec::new()),
                },
                // Admission rules ran in the gate; reported rules belong to another command.
                _ => return (rule, Vec::new()),
            }
            let found = out
                .into_vec()
                .into_iter()
                .map(|finding| Diagnostic::new(rule, finding))
                .collect();
            (rule, found)
        })
        .collect()
}

/// Every code in every resource's suppression annotations, classified against `found` (all
/// findings before suppression) for MSH005.
fn listed(cx: &Context<'_>, found: &[Diagnostic], enabled: &dyn Fn(Rule) -> bool) -> Vec<Listed> {
    let ran = |rule: Rule| {
        enabled(rule)
            && match rule.check_fn() {
                CheckFn::Reported(_) | CheckFn::Suppressions(_) => false,
                CheckFn::Dns(_) => cx.dns.is_some(),
                CheckFn::Admission(_) | CheckFn::Lint(_) | CheckFn::Views(_) => true,
            }
    };
    let resources = cx
        .inputs
        .service_entries
        .iter()
        .filter_map(|l| annotated(l))
        .chain(cx.inputs.sidecars.iter().filter_map(|l| annotated(l)));
    let mut listed = Vec::new();
    for (origin, resource, entries) in resources {
        for (annotation, code, rule) in entries {
            let status = match rule {
                None if is_istio_code(&code) => Status::IstioOnly,
                None => Status::Unknown,
                Some(rule) if !ran(rule) => Status::NotRun,
                Some(rule)
                    if found.iter().any(|d| {
                        d.rule == rule && d.resource.as_deref() == Some(resource.as_str())
                    }) =>
                {
                    Status::Used
                }
                Some(rule) => Status::Unused { rule: rule.code() },
            };
            listed.push(Listed {
                origin: origin.clone(),
                resource: resource.clone(),
                annotation,
                code,
                status,
            });
        }
    }
    listed
}

/// `Kind namespace/name` and the rules a resource's annotations suppress, when there are any.
fn suppressing<T: Resource>(resource: &T) -> Option<(String, Vec<Rule>)> {
    let rules = suppressed_by(&resource.metadata().annotations);
    (!rules.is_empty()).then(|| (resource.describe(), rules))
}

/// An (annotation, code, rule) a suppression annotation lists.
type AnnotationEntry = (&'static str, String, Option<Rule>);

/// Where a resource's annotations are, its name, and the codes they list, when they list any:
/// located and named only for the few resources that suppress something.
fn annotated<T: Resource>(loaded: &Loaded<T>) -> Option<(Origin, String, Vec<AnnotationEntry>)> {
    let entries = annotation_entries(&loaded.resource.metadata().annotations);
    (!entries.is_empty()).then(|| {
        (
            loaded.locate("metadata.annotations"),
            loaded.resource.describe(),
            entries,
        )
    })
}
