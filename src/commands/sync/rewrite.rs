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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    const ENTRY: &str = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: db\n  annotations:\n    meshctl.dev/resolve: db.example.com\nspec:\n  hosts: [db.example.com]\n  addresses:\n  - 203.0.113.7/32\n  ports:\n  - {number: 3306, name: tcp, protocol: TCP}\n  resolution: NONE\n";

    fn answers() -> BTreeMap<String, Result<Lookup, DnsError>> {
        let answer = meshctl_core::dns::Lookup::builder("db.example.com")
            .address("203.0.113.8", 60)
            .build();
        BTreeMap::from([("db.example.com".to_owned(), Ok(answer))])
    }

    /// Writes the file, plans it once, and runs `write_file` with `hook` before each rename.
    fn run(name: &str, hook: impl FnMut(&Path) + 'static) -> (anyhow::Result<bool>, String) {
        let dir =
            std::env::temp_dir().join(format!("meshctl-rewrite-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("db.yaml");
        std::fs::write(&path, ENTRY).expect("write");
        let options = LoadOptions::default();
        let name: Arc<str> = path.display().to_string().into();
        let file = files::read_one(&name, &options, false)
            .expect("read")
            .expect("managed");
        let answers = answers();
        let replan = Replan {
            answers: &answers,
            now: SystemTime::now(),
            settings: Settings {
                grace: Duration::from_secs(600),
                allow_empty: false,
                allowed: meshctl_core::pinning::AllowedClasses::default(),
                allow_class_change: false,
            },
            options: &options,
            all_static: false,
        };
        let planned = files::plan_file(&file, &answers, replan.now, replan.settings);
        let mut writer = Writer::new(false).before_rename(hook);
        let result = write_file(&mut writer, &planned, &replan, &mut |_| Ok(()));
        let text = std::fs::read_to_string(&path).expect("read back");
        std::fs::remove_dir_all(&dir).expect("cleanup");
        (result, text)
    }

    #[test]
    fn an_edit_before_the_rename_is_kept_and_the_change_made_on_top() {
        let edits = Arc::new(AtomicUsize::new(0));
        let seen = edits.clone();
        let (result, text) = run("once", move |path| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                let text = std::fs::read_to_string(path).expect("read");
                let edited = text.replace("  name: db\n", "  name: db\n  labels: {team: dba}\n");
                std::fs::write(path, edited).expect("edit");
            }
        });
        assert!(result.expect("written"));
        assert_eq!(edits.load(Ordering::SeqCst), 2, "planned and written twice");
        assert!(text.contains("labels: {team: dba}"), "{text}");
        assert!(text.contains("- 203.0.113.8/32"), "{text}");
    }

    #[test]
    fn a_file_that_keeps_changing_is_left_to_the_other_writer_after_three_attempts() {
        let edits = Arc::new(AtomicUsize::new(0));
        let seen = edits.clone();
        let (result, text) = run("always", move |path| {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let text = std::fs::read_to_string(path).expect("read");
            std::fs::write(path, format!("{text}# edit {n}\n")).expect("edit");
        });
        let err = result.expect_err("gives up").to_string();
        assert!(
            err.contains("changed 3 times while sync was writing it"),
            "{err}"
        );
        assert_eq!(edits.load(Ordering::SeqCst), 3);
        assert!(
            text.ends_with("# edit 2\n") && text.contains("- 203.0.113.7/32"),
            "{text}"
        );
    }
}
