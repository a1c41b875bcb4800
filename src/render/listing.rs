//! `meshctl list`: every region of one version's partition with its decision, the connectivity
//! matrix, as text, JSON or a markdown table per view.

use std::io::Write;

use serde::Serialize;

use meshctl_core::diff::{Listed, MeshListing};

fn place(region: &Listed) -> String {
    let addresses: Vec<String> = region.addresses.iter().map(ToString::to_string).collect();
    let mut addresses = addresses.join(", ");
    if !region.except.is_empty() {
        let except: Vec<String> = region.except.iter().map(ToString::to_string).collect();
        addresses = format!("{addresses} except {}", except.join(", "));
    }
    let ports: Vec<String> = region.ports.iter().map(ToString::to_string).collect();
    let mut text = format!("{addresses} port {}", ports.join(","));
    if region.sni.iter().any(|s| s != "any") {
        text = format!("{text} [{}]", region.sni.join("; "));
    }
    text
}

pub(crate) fn text(meshes: &[MeshListing], out: &mut dyn Write) -> anyhow::Result<()> {
    for mesh in meshes {
        writeln!(out, "mesh {}", mesh.mesh)?;
        for view in &mesh.views {
            writeln!(out, "  {}", view.view.label())?;
            for region in &view.regions {
                writeln!(out, "    {}: {}", place(region), region.outcome.summary())?;
            }
        }
    }
    Ok(())
}

pub(crate) fn markdown(meshes: &[MeshListing], out: &mut dyn Write) -> anyhow::Result<()> {
    for mesh in meshes {
        for view in &mesh.views {
            writeln!(out, "### mesh {} · {}\n", mesh.mesh, view.view.label())?;
            writeln!(out, "| destination | decision |\n| --- | --- |")?;
            for region in &view.regions {
                writeln!(
                    out,
                    "| {} | {} |",
                    place(region).replace('|', "\\|"),
                    region.outcome.summary().replace('|', "\\|")
                )?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    meshes: &'a [MeshListing],
}

pub(crate) fn json(meshes: &[MeshListing], out: &mut dyn Write) -> anyhow::Result<()> {
    super::document::write_json(&Document { version: 1, meshes }, out)
}
