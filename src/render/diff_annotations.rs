//! `meshctl diff -o github` and `-o sarif`: one annotation per changed region and causing
//! line, so a pull request shows what a change does to connections on the lines that did it.

use std::io::Write;

use serde_json::{Value, json};

use meshctl_core::diff::{ChangeClass, Location, MeshDiff, Region};

use super::conn_diff::{groups, region_title};

/// Every (class, message, location) to annotate.
fn annotations(meshes: &[MeshDiff]) -> Vec<(ChangeClass, String, Location)> {
    let mut out = Vec::new();
    for group in groups(meshes) {
        for region in &group.regions {
            let message = message(group.mesh, &group.view.label(), region);
            for location in places(region) {
                out.push((group.class, message.clone(), location));
            }
        }
    }
    out
}

fn message(mesh: &str, view: &str, region: &Region) -> String {
    let classes: Vec<&str> = region.classes.iter().map(|c| c.as_str()).collect();
    format!(
        "{}: {} (mesh {mesh}, {view}): {} → {}",
        classes.join(", "),
        region_title(region),
        region.before.summary(),
        region.after.summary()
    )
}

/// The changed fields of the causes, else the causing documents.
fn places(region: &Region) -> Vec<Location> {
    let mut places = Vec::new();
    for cause in &region.causes {
        if cause.fields.is_empty() {
            places.push(cause.location.clone());
        }
        places.extend(cause.fields.iter().map(|f| f.location.clone()));
    }
    places.sort();
    places.dedup();
    places
}

pub(crate) fn github(meshes: &[MeshDiff], out: &mut dyn Write) -> anyhow::Result<()> {
    for (class, message, at) in annotations(meshes) {
        writeln!(
            out,
            "::warning file={},line={},col={},title={}::{}",
            super::github::property(&at.path),
            at.line,
            at.column,
            super::github::property(&format!("meshctl diff ({class})")),
            super::github::data(&message)
        )?;
    }
    Ok(())
}

pub(crate) fn sarif(meshes: &[MeshDiff], out: &mut dyn Write) -> anyhow::Result<()> {
    let rules: Vec<Value> = ChangeClass::ALL
        .iter()
        .map(|class| {
            json!({
                "id": class.as_str(),
                "name": class.as_str(),
                "shortDescription": {"text": format!("connections {}", class.as_str().replace('-', " "))},
                "defaultConfiguration": {"level": "warning"},
            })
        })
        .collect();
    let results: Vec<Value> = annotations(meshes)
        .into_iter()
        .map(|(class, message, at)| {
            json!({
                "ruleId": class.as_str(),
                "ruleIndex": ChangeClass::ALL.iter().position(|c| *c == class).unwrap_or(0),
                "level": "warning",
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": super::sarif::uri(&at.path)},
                        "region": {"startLine": at.line.max(1), "startColumn": at.column.max(1)}
                    }
                }],
            })
        })
        .collect();
    super::sarif::write_log(&rules, &results, out)
}
