//! Writing one file's plans without replacing another writer's edit: the writer compares the
//! file with the bytes the plans were made from just before its rename, and when someone changed
//! it meanwhile (a person, a GitOps agent, a second sync) the file is read again and planned
//! again from the same DNS answers, a bounded number of times. The answers stay valid: only the
//! text they are applied to moved.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use anyhow::bail;

use meshctl_core::dns::{DnsError, Lookup};
use meshctl_core::load::LoadOptions;
use meshctl_core::sync::Settings;
use meshctl_core::sync::replace::WriteError;
use meshctl_core::sync::write::Writer;

use super::files::{self, Planned};

/// How many times one file is planned and written before sync gives up on it.
const ATTEMPTS: usize = 3;

/// What planning a file again needs besides its new text.
pub(super) struct Replan<'a> {
    pub(super) answers: &'a BTreeMap<String, Result<Lookup, DnsError>>,
    pub(super) now: SystemTime,
    pub(super) settings: Settings,
    pub(super) options: &'a LoadOptions,
    pub(super) all_static: bool,
}

/// Writes `first`'s new text, or, when the file changed since it was read, the new text planned
/// from what it holds then. `written` sees the plans that reached the disk. Returns whether the
/// file was written (false: nothing to change, or no managed entry left after a re-read).
pub(super) fn write_file(
    writer: &mut Writer,
    first: &Planned<'_>,
    replan: &Replan<'_>,
    written: &mut dyn FnMut(&Planned<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<bool> {
    let path = Path::new(&*first.file.path);
    let Some(text) = first.new_text()? else {
        return Ok(false);
    };
    match writer.write(path, first.file.text.as_bytes(), text.as_bytes()) {
        Ok(()) => {
            written(first)?;
            return Ok(true);
        }
        Err(WriteError::Changed { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    for _ in 1..ATTEMPTS {
        let Some(file) = files::read_one(&first.file.path, replan.options, replan.all_static)?
        else {
            return Ok(false);
        };
        let planned = files::plan_file(&file, replan.answers, replan.now, replan.settings);
        let Some(text) = planned.new_text()? else {
            return Ok(false);
        };
        match writer.write(path, file.text.as_bytes(), text.as_bytes()) {
            Ok(()) => {
                written(&planned)?;
                return Ok(true);
            }
            Err(WriteError::Changed { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    bail!(
        "`{}` changed {ATTEMPTS} times while sync was writing it; left as the other writer made it, run sync again",
        first.file.path
    )
}
