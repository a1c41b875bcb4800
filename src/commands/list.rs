//! `meshctl list`: every region of one version's destination space with its decision, per mesh
//! and workload view — the partition `diff` compares, printed on its own. A command of its own
//! rather than `simulate --list`: `simulate` decides for one workload and one destination, and
//! this reads every mesh and every view with neither.

use crate::cli::{ListArgs, ListFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::list::ListSettings;
use meshctl_core::diff;
use meshctl_core::load::WalkOptions;
use meshctl_core::meshes;

pub(super) fn run(args: &ListArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let settings = ListSettings::resolve(args);
    let meshes = meshes::load(&settings.sources, &WalkOptions::default(), &settings.scope)?;
    if let Some(name) = &settings.mesh
        && !meshes.iter().any(|m| &m.scope.name == name)
    {
        let names: Vec<&str> = meshes.iter().map(|m| m.scope.name.as_str()).collect();
        anyhow::bail!(
            "--mesh `{name}` names no mesh of the inputs; they hold: {}",
            names.join(", ")
        );
    }
    let listings: Vec<_> = meshes
        .iter()
        .filter(|m| {
            settings
                .mesh
                .as_ref()
                .is_none_or(|name| &m.scope.name == name)
        })
        .filter(|m| !m.workspace.is_empty())
        .map(|m| diff::list(&m.scope.name, &m.workspace))
        .collect();
    match args.output {
        ListFormat::Text => render::listing::text(&listings, io.out)?,
        ListFormat::Json => render::listing::json(&listings, io.out)?,
        ListFormat::Markdown => render::listing::markdown(&listings, io.out)?,
    }
    Ok(ExitStatus::Success)
}
