//! `meshctl diff` for people: text grouped by mesh, workload view and class (nothing at all when
//! nothing changed), markdown sized for one pull-request comment, and the JSON document programs
//! read.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use meshctl_core::diff::{ChangeClass, MeshDiff, Region, View};

/// The regions of one (mesh, view, class) group, in the order reports print them.
pub(crate) struct Group<'a> {
    pub mesh: &'a str,
    pub view: &'a View,
    pub class: ChangeClass,
    pub regions: Vec<&'a Region>,
}

/// Every group, meshes and views in report order, classes in their rank.
pub(crate) fn groups(meshes: &[MeshDiff]) -> Vec<Group<'_>> {
    let mut out = Vec::new();
    for mesh in meshes {
        for view in &mesh.views {
            for class in ChangeClass::ALL {
                let regions: Vec<&Region> = view
                    .regions
                    .iter()
                    .filter(|r| r.classes.first() == Some(&class))
                    .collect();
                if !regions.is_empty() {
                    out.push(Group {
                        mesh: &mesh.mesh,
                        view: &view.view,
                        class,
                        regions,
                    });
                }
            }
        }
    }
    out
}

/// `203.0.113.7/32 port 3306` with the SNI classes when the port distinguishes them.
pub(crate) fn region_title(region: &Region) -> String {
    let addresses: Vec<String> = region.addresses.iter().map(ToString::to_string).collect();
    let mut addresses = addresses.join(", ");
    if !region.except.is_empty() {
        let except: Vec<String> = region.except.iter().map(ToString::to_string).collect();
        addresses = format!("{addresses} except {}", except.join(", "));
    }
    let ports: Vec<String> = region.ports.iter().map(ToString::to_string).collect();
    let mut title = format!(
        "{} port {}",
        shorten(&addresses, 200),
        shorten(&ports.join(","), 120)
    );
    if region.sni.iter().any(|s| s != "any") {
        let _ = write!(title, " [{}]", region.sni.join("; "));
    }
    title
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// The region's lines after its title: before, after, classes, why.
fn details(region: &Region) -> Vec<String> {
    let mut lines = vec![
        format!("before: {}", region.before.summary()),
        format!("after:  {}", region.after.summary()),
    ];
    let classes: Vec<&str> = region.classes.iter().map(|c| c.as_str()).collect();
    lines.push(format!("classes: {}", classes.join(", ")));
    for cause in &region.causes {
        lines.push(format!(
            "why: {} {} at {}",
            cause.resource,
            cause.change.as_str(),
            cause.location
        ));
        for field in &cause.fields {
            lines.push(format!("  {field} ({})", field.location));
        }
    }
    for note in &region.notes {
        lines.push(format!("note: {note}"));
    }
    lines
}

pub(crate) fn text(meshes: &[MeshDiff], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut last: Option<(&str, &View)> = None;
    for group in groups(meshes) {
        if last.map(|(m, _)| m) != Some(group.mesh) {
            writeln!(out, "mesh {}", group.mesh)?;
        }
        if last != Some((group.mesh, group.view)) {
            writeln!(out, "  {}", group.view.label())?;
        }
        last = Some((group.mesh, group.view));
        writeln!(out, "    {} ({})", group.class, group.regions.len())?;
        for region in group.regions {
            writeln!(out, "      {}", region_title(region))?;
            for line in details(region) {
                writeln!(out, "        {line}")?;
            }
        }
    }
    Ok(())
}

/// GitHub's limit for one comment is 65,536 characters; this leaves room for a header a
/// workflow adds.
const MARKDOWN_BUDGET: usize = 60_000;

pub(crate) fn markdown(meshes: &[MeshDiff], out: &mut dyn Write) -> anyhow::Result<()> {
    let groups = groups(meshes);
    let total: usize = groups.iter().map(|g| g.regions.len()).sum();
    let mut doc = String::from("## meshctl diff\n\n");
    if total == 0 {
        doc.push_str("No connection changes.\n");
        out.write_all(doc.as_bytes())?;
        return Ok(());
    }
    let _ = writeln!(
        doc,
        "{total} changed region{}.\n\n| mesh | workload view | class | regions |\n| --- | --- | --- | ---: |",
        if total == 1 { "" } else { "s" }
    );
    for group in &groups {
        let _ = writeln!(
            doc,
            "| {} | {} | `{}` | {} |",
            cell(group.mesh),
            cell(&group.view.label()),
            group.class,
            group.regions.len()
        );
    }
    doc.push('\n');
    let mut shown = 0;
    'groups: for group in &groups {
        let mut section = format!(
            "<details><summary>{} · {} · <code>{}</code> ({})</summary>\n\n",
            html(group.mesh),
            html(&group.view.label()),
            group.class,
            group.regions.len()
        );
        for region in &group.regions {
            let mut item = format!("- **{}**\n", cell(&region_title(region)));
            for line in details(region) {
                let _ = writeln!(item, "  - {}", cell(line.trim()));
            }
            // Room for the closing tags and the "and N more" line.
            if doc.len() + section.len() + item.len() + 200 > MARKDOWN_BUDGET {
                section.push_str("\n</details>\n");
                doc.push_str(&section);
                break 'groups;
            }
            section.push_str(&item);
            shown += 1;
        }
        section.push_str("\n</details>\n");
        doc.push_str(&section);
    }
    if shown < total {
        let _ = writeln!(
            doc,
            "\n…and {} more region{} (run `meshctl diff` for all of them).",
            total - shown,
            if total - shown == 1 { "" } else { "s" }
        );
    }
    out.write_all(doc.as_bytes())?;
    Ok(())
}

/// Text safe inside a markdown table cell or list item.
fn cell(text: &str) -> String {
    html(text).replace('|', "\\|")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `-o json`: the stable document (`version` changes only when a key changes meaning).
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    changed: bool,
    summary: Vec<Count>,
    meshes: &'a [MeshDiff],
}

#[derive(Serialize)]
struct Count {
    class: ChangeClass,
    regions: usize,
}

pub(crate) fn json(meshes: &[MeshDiff], out: &mut dyn Write) -> anyhow::Result<()> {
    let all = groups(meshes);
    let summary = ChangeClass::ALL
        .into_iter()
        .map(|class| Count {
            class,
            regions: all
                .iter()
                .filter(|g| g.class == class)
                .map(|g| g.regions.len())
                .sum(),
        })
        .collect();
    super::document::write_json(
        &Document {
            version: 1,
            changed: !all.is_empty(),
            summary,
            meshes,
        },
        out,
    )
}

#[cfg(test)]
mod tests {
    use meshctl_core::diff::{
        ChangeKind, Example, FieldChange, Location, Outcome, PortRange, ResourceChange, ViewDiff,
    };
    use meshctl_core::engine::Verdict;

    use super::*;

    fn outcome(verdict: Verdict) -> Outcome {
        Outcome {
            verdict,
            listener: "virtualOutbound".into(),
            chain: "virtualOutbound-catchall-tcp".into(),
            cluster: "BlackHoleCluster".into(),
            entry: None,
            upstream: None,
            match_all: false,
        }
    }

    fn region(i: u16) -> Region {
        let location = Location {
            path: "clusters/prod/db.yaml".into(),
            line: 10,
            column: 5,
        };
        Region {
            addresses: vec!["203.0.113.7/32".parse().expect("net")],
            except: Vec::new(),
            ports: vec![PortRange {
                first: 1000 + i,
                last: 1000 + i,
            }],
            sni: vec!["any".into()],
            example: Example {
                address: "203.0.113.7".parse().expect("ip"),
                port: 1000 + i,
                sni: None,
            },
            before: outcome(Verdict::Allow),
            after: outcome(Verdict::Deny),
            classes: vec![ChangeClass::NewlyDenied],
            causes: vec![ResourceChange {
                resource: "ServiceEntry shop/orders-db".into(),
                change: ChangeKind::Modified,
                location: location.clone(),
                fields: vec![FieldChange {
                    field: "spec.ports[0].number".into(),
                    before: Some("3306".into()),
                    after: Some("3307".into()),
                    location,
                }],
            }],
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_large_change_fits_one_comment() {
        let meshes = vec![MeshDiff {
            mesh: "clusters/prod".into(),
            views: vec![ViewDiff {
                view: View {
                    namespace: "shop".into(),
                    labels: std::collections::BTreeMap::new(),
                    also: Vec::new(),
                    other_namespaces: false,
                },
                regions: (0..2000).map(region).collect(),
            }],
        }];
        let mut out = Vec::new();
        markdown(&meshes, &mut out).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.len() < 65_000, "{} characters", text.len());
        assert!(text.contains("more regions (run `meshctl diff` for all of them)"));
        assert!(text.contains("| clusters/prod | namespace shop | `newly-denied` | 2000 |"));
        assert!(text.ends_with('\n'));
    }
}
