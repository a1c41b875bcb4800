//! `check`: every selected rule — admission and lint — over one context, then the
//! `--select`/`--ignore` selection and per-resource suppression annotations, sorted. Rules only
//! run when selected and when what they read is there: DNS rules need the context's DNS facts,
//! and the engine's per-namespace views are compiled once, only if a selected rule reads them.
//! Selected rules run in parallel; findings keep registry order before the final sort.

use rayon::prelude::*;

use super::context::Context;
use super::diagnostic::{self, Diagnostic};
use super::findings::Findings;
use super::gate;
use super::input::msh005_unused_suppression::{Listed, Status};
use super::registry::{CheckFn, Rule};
use super::selection::{RuleSelection, annotation_entries, is_istio_code, suppressed_by};
use super::views::Views;
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
    // Compiled before the rules start, and only if a selected rule reads them: compiling lazily
    // from inside a parallel rule could re-enter its own initialisation while rayon's join
    // runs another rule on the waiting thread.
    let views = rules
        .iter()
        .any(|r| matches!(r.check_fn(), CheckFn::Views(_)))
        .then(|| Views::new(cx.inputs, &cx.mesh, cx.dns_capture));
    // Rules are pure functions of the context, so they run in parallel; their findings are
    // collected in registry order, as when they ran one after another.
    let by_rule: Vec<Vec<Diagnostic>> = rules
        .into_par_iter()
        .map(|rule| {
            let mut out = Findings::new(rule.default_severity());
            match rule.check_fn() {
                // Admission rules ran above, in the gate; reported rules belong to another
                // command.
                CheckFn::Admission(_) | CheckFn::Reported(_) | CheckFn::Suppressions(_) => {
                    return Vec::new();
                }
                CheckFn::Lint(check) => check(cx, &mut out),
                CheckFn::Views(check) => match &views {
                    Some(views) => check(cx, views, &mut out),
                    None => return Vec::new(),
                },
                CheckFn::Dns(check) => match cx.dns {
                    Some(facts) => check(cx, facts, &mut out),
                    None => return Vec::new(),
                },
            }
            out.into_vec()
                .into_iter()
                .map(|finding| Diagnostic::new(rule, finding))
                .collect()
        })
        .collect();
    found.extend(by_rule.into_iter().flatten());
    let suppressions: Vec<(String, Vec<Rule>)> = cx
        .inputs
        .service_entries
        .iter()
        .map(|l| {
            (
                l.resource.describe(),
                suppressed_by(&l.resource.metadata.annotations),
            )
        })
        .chain(cx.inputs.sidecars.iter().map(|l| {
            (
                l.resource.describe(),
                suppressed_by(&l.resource.metadata.annotations),
            )
        }))
        .filter(|(_, rules)| !rules.is_empty())
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
        .map(|l| {
            (
                l.locate("metadata.annotations"),
                l.resource.describe(),
                annotation_entries(&l.resource.metadata.annotations),
            )
        })
        .chain(cx.inputs.sidecars.iter().map(|l| {
            (
                l.locate("metadata.annotations"),
                l.resource.describe(),
                annotation_entries(&l.resource.metadata.annotations),
            )
        }));
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
