//! `diff`: what a change to the configuration does to every connection, exactly. For each mesh
//! and each workload view ([`views`]), both sides are compiled once and the destination space is
//! cut into the common refinement of their partitions ([`space`]): every cell holds connections
//! that both registries decide alike, so one representative connection per cell, decided by the
//! engine's own [`decide`], answers for all of it. Cells whose decision differs are merged into
//! the most compact regions ([`compact`]), classed ([`class`]) and attributed to the resources
//! whose change caused them ([`resources`]). [`list`] prints one side's partition the same way:
//! the connectivity matrix.
//!
//! Pure: the callers load both sides and render the result.

mod class;
mod compact;
mod outcome;
mod resources;
mod space;
mod views;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ipnet::IpNet;
use rayon::prelude::*;
use serde::Serialize;

pub use class::ChangeClass;
pub use compact::PortRange;
pub use outcome::Outcome;
pub use resources::{ChangeKind, FieldChange, Location, ResourceChange};
pub use views::View;

use crate::engine::{Registry, decide};
use crate::load::Inputs;
use crate::meshes::Mesh;
use crate::workspace::Workspace;
use space::{PortCells, SniClass, Span};

/// A region of the destination space whose decision changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Destination addresses, as the fewest CIDRs.
    pub addresses: Vec<IpNet>,
    /// Addresses of `addresses` that are not in the region (used when that is shorter).
    pub except: Vec<IpNet>,
    /// Destination ports.
    pub ports: Vec<PortRange>,
    /// Server-name classes: `any`, `no SNI (…)`, `SNI name`, `SNI *.suffix (other names)`,
    /// `other SNI`.
    pub sni: Vec<String>,
    /// One connection of the region, to try.
    pub example: Example,
    /// What OLD does.
    pub before: Outcome,
    /// What NEW does.
    pub after: Outcome,
    /// The classes, ranked; the first is the one reports group by.
    pub classes: Vec<ChangeClass>,
    /// The changed resources that caused it.
    pub causes: Vec<ResourceChange>,
    /// Unchanged entries that now win or lose because of them.
    pub notes: Vec<String>,
}

/// A connection inside a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Destination address.
    pub address: std::net::IpAddr,
    /// Destination port.
    pub port: u16,
    /// The TLS server name it sends; absent: plain TCP.
    pub sni: Option<String>,
}

impl Example {
    /// The connection, for `decide`.
    #[must_use]
    pub fn connection(&self) -> crate::engine::Connection<'_> {
        match &self.sni {
            Some(name) => crate::engine::Connection::tls(self.address, self.port, Some(name)),
            None => crate::engine::Connection::tcp(self.address, self.port),
        }
    }
}

/// The changed regions one workload view sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewDiff {
    /// The workload.
    pub view: View,
    /// Its changed regions.
    pub regions: Vec<Region>,
}

/// The changes of one mesh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeshDiff {
    /// The mesh (scope) name.
    pub mesh: String,
    /// Views with changed regions, in view order.
    pub views: Vec<ViewDiff>,
}

/// One region of a single version's partition and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// Destination addresses.
    pub addresses: Vec<IpNet>,
    /// Addresses of `addresses` that are not in the region.
    pub except: Vec<IpNet>,
    /// Destination ports.
    pub ports: Vec<PortRange>,
    /// Server-name classes.
    pub sni: Vec<String>,
    /// The decision.
    pub outcome: Outcome,
}

/// A view's whole partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewListing {
    /// The workload.
    pub view: View,
    /// Every region.
    pub regions: Vec<Listed>,
}

/// One mesh's connectivity matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeshListing {
    /// The mesh name.
    pub mesh: String,
    /// Every view.
    pub views: Vec<ViewListing>,
}

/// Diffs the meshes of two sides, matched by name; a mesh on one side only is diffed against
/// an empty one. Meshes without changes are left out.
#[must_use]
pub fn diff(old: &[Mesh], new: &[Mesh]) -> Vec<MeshDiff> {
    let names: BTreeSet<&str> = old
        .iter()
        .chain(new)
        .map(|m| m.scope.name.as_str())
        .collect();
    let Ok(empty) = Workspace::from_inputs(Inputs::default(), None) else {
        return Vec::new();
    };
    names
        .into_iter()
        .map(|name| {
            let before = find(old, name).unwrap_or(&empty);
            let after = find(new, name).unwrap_or(&empty);
            diff_mesh(name, before, after)
        })
        .filter(|m| !m.views.is_empty())
        .collect()
}

/// The workspace of the mesh named `name` on one side.
fn find<'a>(side: &'a [Mesh], name: &str) -> Option<&'a Workspace> {
    side.iter()
        .find(|m| m.scope.name == name)
        .map(|m| &m.workspace)
}

/// Diffs one mesh's two workspaces.
#[must_use]
pub fn diff_mesh(name: &str, old: &Workspace, new: &Workspace) -> MeshDiff {
    let changes = resources::changes(old, new);
    let views = views::views(&[old, new]);
    let compiled: Vec<(Registry, Registry)> = compile_views(old, &views)
        .into_iter()
        .zip(compile_views(new, &views))
        .collect();
    let reach_old = Reach::of(compiled.iter().map(|(o, _)| o));
    let reach_new = Reach::of(compiled.iter().map(|(_, n)| n));
    let known_old: BTreeSet<String> = old
        .admitted()
        .service_entries
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e.resource.metadata.namespace(),
                e.resource.metadata.name
            )
        })
        .collect();
    let context = Context {
        changes: &changes,
        reach_old: &reach_old,
        reach_new: &reach_new,
        known_old: &known_old,
    };
    let views = views
        .into_par_iter()
        .zip(compiled.par_iter())
        .enumerate()
        .map(|(index, (view, (before, after)))| ViewDiff {
            regions: diff_view(index, before, after, &context),
            view,
        })
        .filter(|v| !v.regions.is_empty())
        .collect();
    MeshDiff {
        mesh: name.to_owned(),
        views,
    }
}

/// Lists every region of one mesh's partition with its decision.
#[must_use]
pub fn list(name: &str, workspace: &Workspace) -> MeshListing {
    let views = views::views(&[workspace]);
    let registries = compile_views(workspace, &views);
    let views = views
        .into_par_iter()
        .zip(registries.par_iter())
        .map(|(view, registry)| {
            let mut cells = Vec::new();
            let mut interned: HashMap<Outcome, usize> = HashMap::new();
            let mut outcomes = Vec::new();
            let partition = space::partition(&[registry]);
            for (class, port) in partition.iter().enumerate() {
                for span in &port.spans {
                    for case in &port.sni {
                        let outcome = Outcome::of(&decide(registry, &port.connection(span, case)));
                        let next = outcomes.len();
                        let id = *interned.entry(outcome.clone()).or_insert(next);
                        if id == next {
                            outcomes.push(outcome);
                        }
                        cells.push((id, class, case.class.clone(), *span));
                    }
                }
            }
            let regions = compact_cells(cells, &partition)
                .into_iter()
                .filter_map(|(id, (addresses, except), ports, sni, _)| {
                    Some(Listed {
                        addresses,
                        except,
                        ports,
                        sni,
                        outcome: outcomes.get(id)?.clone(),
                    })
                })
                .collect();
            ViewListing { view, regions }
        })
        .collect();
    MeshListing {
        mesh: name.to_owned(),
        views,
    }
}

/// Every view's registry, compiled from one shared preparation of the entries.
fn compile_views(workspace: &Workspace, views: &[View]) -> Vec<Registry> {
    let workloads: Vec<_> = views.iter().map(|v| v.workload(workspace)).collect();
    crate::engine::compile_each(
        &crate::engine::Resources::from_inputs(workspace.admitted(), workspace.mesh().clone()),
        &workloads,
    )
}

/// Which views each entry reaches (some service of it is in effect there), found by
/// `namespace/name`. The registries of one side share their entry table, so the walk over
/// records stays on integers.
struct Reach {
    ids: HashMap<String, usize>,
    views: Vec<BTreeSet<usize>>,
}

impl Reach {
    fn of<'a>(mut registries: impl Iterator<Item = &'a Registry>) -> Reach {
        let mut reach = Reach {
            ids: HashMap::new(),
            views: Vec::new(),
        };
        let Some(first) = registries.next() else {
            return reach;
        };
        reach.ids = first
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.to_string(), i))
            .collect();
        reach.views = vec![BTreeSet::new(); first.entries().len()];
        for (index, registry) in std::iter::once(first).chain(registries).enumerate() {
            for record in registry.records().iter().filter(|r| r.is_active()) {
                if let Some(views) = reach.views.get_mut(record.entry.0 as usize) {
                    views.insert(index);
                }
            }
        }
        reach
    }

    fn reaches(&self, entry: &str, view: usize) -> bool {
        self.ids
            .get(entry)
            .and_then(|i| self.views.get(*i))
            .is_some_and(|v| v.contains(&view))
    }
}

struct Context<'a> {
    changes: &'a BTreeMap<String, ResourceChange>,
    reach_old: &'a Reach,
    reach_new: &'a Reach,
    known_old: &'a BTreeSet<String>,
}

fn diff_view(index: usize, old: &Registry, new: &Registry, cx: &Context<'_>) -> Vec<Region> {
    let partition = space::partition(&[old, new]);
    let mut pairs: Vec<(Outcome, Outcome)> = Vec::new();
    let mut interned: HashMap<(Outcome, Outcome), usize> = HashMap::new();
    let mut cells = Vec::new();
    for (class, port) in partition.iter().enumerate() {
        for span in &port.spans {
            for case in &port.sni {
                let conn = port.connection(span, case);
                let (a, b) = (decide(old, &conn), decide(new, &conn));
                if outcome::same(&a, &b) {
                    continue;
                }
                let pair = (Outcome::of(&a), Outcome::of(&b));
                let next = pairs.len();
                let id = *interned.entry(pair.clone()).or_insert(next);
                if id == next {
                    pairs.push(pair);
                }
                cells.push((id, class, case.class.clone(), *span));
            }
        }
    }
    compact_cells(cells, &partition)
        .into_iter()
        .filter_map(|(id, (addresses, except), ports, sni, example)| {
            let (before, after) = pairs.get(id)?.clone();
            let widened = after.entry.as_ref().is_some_and(|entry| {
                cx.known_old.contains(entry)
                    && !cx.reach_old.reaches(entry, index)
                    && cx.reach_new.reaches(entry, index)
            });
            let classes = class::classify(&before, &after, widened);
            let (causes, notes) = attribute(&before, &after, &ports, old, new, cx);
            Some(Region {
                addresses,
                except,
                ports,
                sni,
                example,
                before,
                after,
                classes,
                causes,
                notes,
            })
        })
        .collect()
}

/// The changed resources behind a region, and the unchanged entries that win or lose by them.
fn attribute(
    before: &Outcome,
    after: &Outcome,
    ports: &[PortRange],
    old: &Registry,
    new: &Registry,
    cx: &Context<'_>,
) -> (Vec<ResourceChange>, Vec<String>) {
    let entry_key = |e: &str| format!("ServiceEntry {e}");
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut notes = Vec::new();
    for (entry, wins) in [(&before.entry, false), (&after.entry, true)] {
        let Some(entry) = entry else { continue };
        let key = entry_key(entry);
        if cx.changes.contains_key(&key) {
            keys.insert(key);
        } else if before.entry != after.entry {
            notes.push(if wins {
                format!("{key} did not change and now decides these connections")
            } else {
                format!("{key} did not change and no longer decides these connections")
            });
        }
    }
    for registry in [old, new] {
        if let Some(sidecar) = registry.sidecar() {
            let key = format!("Sidecar {}/{}", sidecar.namespace, sidecar.name);
            if cx.changes.contains_key(&key) {
                keys.insert(key);
            }
        }
    }
    if old.outbound_policy() != new.outbound_policy() {
        keys.extend(
            cx.changes
                .keys()
                .filter(|k| k.starts_with("mesh config"))
                .cloned(),
        );
    }
    if keys.is_empty() {
        let on_port = |p: u16| ports.iter().any(|r| r.first <= p && p <= r.last);
        for registry in [old, new] {
            for record in registry.records().iter().filter(|r| on_port(r.port)) {
                let key = entry_key(&registry.entry(record.entry).to_string());
                if cx.changes.contains_key(&key) {
                    keys.insert(key);
                }
            }
        }
    }
    if keys.is_empty() {
        keys.extend(cx.changes.keys().cloned());
    }
    let causes = keys
        .into_iter()
        .filter_map(|k| cx.changes.get(&k).cloned())
        .collect();
    (causes, notes)
}

type Cell = (usize, usize, SniClass, Span);
/// Cells of one decision and server-name class over the same addresses.
type SpanKey = (usize, SniClass, Vec<Span>);
type Compacted = (
    usize,
    (Vec<IpNet>, Vec<IpNet>),
    Vec<PortRange>,
    Vec<String>,
    Example,
);

/// Merges cells with the same decision: addresses first, then ports, then server-name classes.
fn compact_cells(cells: Vec<Cell>, partition: &[PortCells]) -> Vec<Compacted> {
    let mut by_port: BTreeMap<(usize, usize, SniClass), Vec<Span>> = BTreeMap::new();
    for (id, class, sni, span) in cells {
        by_port.entry((id, class, sni)).or_default().push(span);
    }
    let mut by_spans: BTreeMap<SpanKey, Vec<(u16, u16)>> = BTreeMap::new();
    for ((id, class, sni), spans) in by_port {
        let ranges = partition
            .get(class)
            .map(|p| p.ports.ranges.clone())
            .unwrap_or_default();
        by_spans
            .entry((id, sni, compact::merge_spans(spans)))
            .or_default()
            .extend(ranges);
    }
    let mut by_ports: BTreeMap<(usize, Vec<PortRange>, Vec<Span>), Vec<SniClass>> = BTreeMap::new();
    for ((id, sni, spans), ranges) in by_spans {
        by_ports
            .entry((id, compact::merge_ports(ranges), spans))
            .or_default()
            .push(sni);
    }
    let mut out: Vec<Compacted> = by_ports
        .into_iter()
        .map(|((id, ports, spans), mut sni)| {
            sni.sort();
            let example = Example {
                address: spans
                    .first()
                    .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |s| s.0.ip(s.1)),
                port: ports.first().map_or(0, |p| p.first),
                sni: sni.first().and_then(SniClass::name).map(str::to_owned),
            };
            (
                id,
                compact::addresses(&spans),
                ports,
                sni.iter().map(SniClass::label).collect(),
                example,
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.2, &a.1, &a.3).cmp(&(&b.2, &b.1, &b.3)));
    out
}

/// True when `ip:port` with `sni` lies inside `region` (the property test's containment).
#[must_use]
pub fn region_contains(region: &Region, ip: std::net::IpAddr, port: u16) -> bool {
    compact::contains(&region.addresses, &region.except, ip)
        && region
            .ports
            .iter()
            .any(|r| r.first <= port && port <= r.last)
}

#[cfg(test)]
mod tests;
