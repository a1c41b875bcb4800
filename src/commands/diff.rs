//! `meshctl diff`: load both sides (two paths, or `--base REF` against the working tree), refuse
//! to answer when a file on either side does not parse or is not admitted, diff every mesh with
//! [`meshctl_core::diff`], keep the changes in the `--fail-on` classes (all by default), render
//! them, and exit 1 when there are any.

use crate::cli::{DiffArgs, DiffFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::diff::{DiffSettings, Sides};
use crate::settings::inputs;
use meshctl_core::diff::{self, Location, MeshDiff};
use meshctl_core::load::WalkOptions;
use meshctl_core::meshes::{self, Mesh, ScopeOptions};

pub(super) fn run(args: &DiffArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let settings = DiffSettings::resolve(args)?;
    let fail_on = &settings.fail_on;
    let options = &settings.scope;
    let mut snapshot = None;
    let (mut old, new, old_paths, new_paths) = match &settings.sides {
        Sides::Base { rev, paths } => {
            let base = super::diff_base::at_revision(rev, paths)?;
            let (old, new) = both(&base.paths, paths, options)?;
            let old_paths = base.paths.clone();
            snapshot = Some(base);
            (old, new, old_paths, paths.clone())
        }
        Sides::Pair { old, new } => {
            let (old_meshes, new_meshes) = both(
                std::slice::from_ref(old),
                std::slice::from_ref(new),
                options,
            )?;
            (old_meshes, new_meshes, vec![old.clone()], vec![new.clone()])
        }
    };
    match_names(&mut old, &old_paths, &new, &new_paths);
    let original = |path: &str| {
        snapshot
            .as_ref()
            .map_or_else(|| path.to_owned(), |s| s.original(path))
    };
    if unanswerable(&[("OLD", &old), ("NEW", &new)], &original, io)? {
        return Ok(ExitStatus::Error);
    }
    let mut report = diff::diff(&old, &new);
    if snapshot.is_some() {
        relocate(&mut report, &original);
    }
    // Only the classes asked about are reported: no change in them, no output and exit 0.
    for mesh in &mut report {
        for view in &mut mesh.views {
            view.regions
                .retain(|r| r.classes.iter().any(|c| fail_on.contains(c)));
        }
        mesh.views.retain(|v| !v.regions.is_empty());
    }
    report.retain(|m| !m.views.is_empty());
    match args.output {
        DiffFormat::Text => render::conn_diff::text(&report, io.out)?,
        DiffFormat::Json => render::conn_diff::json(&report, io.out)?,
        DiffFormat::Markdown => render::conn_diff::markdown(&report, io.out)?,
        DiffFormat::Github => render::diff_annotations::github(&report, io.out)?,
        DiffFormat::Sarif => render::diff_annotations::sarif(&report, io.out)?,
    }
    let failing = report
        .iter()
        .flat_map(|m| &m.views)
        .flat_map(|v| &v.regions)
        .any(|r| r.classes.iter().any(|c| fail_on.contains(c)));
    // The process ends with this command: freeing two parsed repositories (tens of thousands
    // of documents) costs more than a tenth of a second that nobody waits for gladly.
    std::mem::forget((old, new, report));
    Ok(if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// A mesh's name without the path it was found under: a mesh rooted at the path given is named
/// by that path, which differs between OLD and NEW.
fn relative(name: &str, paths: &[std::path::PathBuf]) -> String {
    for path in paths {
        let path = path.display().to_string();
        if name == path {
            return String::new();
        }
        if let Some(rest) = name.strip_prefix(&format!("{}/", path.trim_end_matches('/'))) {
            return rest.to_owned();
        }
    }
    name.to_owned()
}

/// Gives OLD's meshes the names of the NEW meshes they are, so both sides match by name.
fn match_names(
    old: &mut [Mesh],
    old_paths: &[std::path::PathBuf],
    new: &[Mesh],
    new_paths: &[std::path::PathBuf],
) {
    for mesh in old {
        let key = relative(&mesh.scope.name, old_paths);
        if let Some(same) = new
            .iter()
            .find(|m| relative(&m.scope.name, new_paths) == key)
        {
            mesh.scope.name.clone_from(&same.scope.name);
        }
    }
}

/// Both sides, loaded side by side: the two loads share nothing.
fn both(
    old: &[std::path::PathBuf],
    new: &[std::path::PathBuf],
    options: &ScopeOptions,
) -> anyhow::Result<(Vec<Mesh>, Vec<Mesh>)> {
    std::thread::scope(|scope| {
        let before = scope.spawn(|| side(old, options));
        let after = side(new, options);
        let before = before
            .join()
            .map_err(|_| anyhow::anyhow!("loading OLD panicked"))?;
        Ok((before?, after?))
    })
}

/// The meshes under `paths`, found as `check` finds them.
fn side(paths: &[std::path::PathBuf], options: &ScopeOptions) -> anyhow::Result<Vec<Mesh>> {
    let sources = inputs::paths_only(paths.to_vec());
    Ok(meshes::load(&sources, &WalkOptions::default(), options)?)
}

/// Names every document that does not parse or is not admitted, on either side: a diff over
/// what is left would guess what the author meant.
fn unanswerable(
    sides: &[(&str, &Vec<Mesh>)],
    original: &dyn Fn(&str) -> String,
    io: &mut Io<'_>,
) -> anyhow::Result<bool> {
    let mut any = false;
    for (side, meshes) in sides {
        for mesh in *meshes {
            let workspace = &mesh.workspace;
            for problem in &workspace.inputs().problems {
                any = true;
                writeln!(io.err, "error: {side}: {}", original(&problem.to_string()))?;
            }
            for rejected in workspace.rejected() {
                any = true;
                writeln!(
                    io.err,
                    "error: {side}: not admitted: {}",
                    original(&rejected.to_string())
                )?;
            }
        }
    }
    Ok(any)
}

fn relocate(report: &mut [MeshDiff], original: &dyn Fn(&str) -> String) {
    let fix = |location: &mut Location| location.path = original(&location.path);
    for region in report
        .iter_mut()
        .flat_map(|m| &mut m.views)
        .flat_map(|v| &mut v.regions)
    {
        for cause in &mut region.causes {
            fix(&mut cause.location);
            for field in &mut cause.fields {
                fix(&mut field.location);
            }
        }
    }
}
