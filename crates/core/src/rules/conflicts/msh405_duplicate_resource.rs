//! MSH405 duplicate-resource: two resources of one kind with the same namespace and name.
//! Applying both keeps only the last, so the first one's configuration silently disappears.

use std::collections::BTreeMap;

use crate::load::{Loaded, Origin};
use crate::model::Resource;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports every ServiceEntry and Sidecar after the first with its key.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    duplicates(&cx.inputs.service_entries, out);
    duplicates(&cx.inputs.sidecars, out);
}

fn duplicates<T: Resource>(resources: &[Loaded<T>], out: &mut Findings) {
    let mut first: BTreeMap<String, &Origin> = BTreeMap::new();
    for loaded in resources {
        let key = loaded.resource.key();
        match first.get(&key) {
            Some(origin) => {
                out.at(
                    loaded,
                    "metadata.name",
                    format!(
                        "{} is also defined at {origin}; applying both keeps only the last one",
                        loaded.resource.describe()
                    ),
                )
                .help("rename one of them or remove the copy");
            }
            None => {
                first.insert(key, &loaded.origin);
            }
        }
    }
}
