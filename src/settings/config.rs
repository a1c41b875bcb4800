//! `meshctl.toml` (or `.meshctl.toml`): the settings a repository keeps for `check`, found the
//! way ruff finds `ruff.toml` — in the current directory or the nearest ancestor — unless
//! `--config FILE` names one or `--isolated` ignores them all. Flags beat the file; list flags
//! (`--ignore`, `--exclude`) add to it, `--select` replaces it.
//!
//! The file is strict: an unknown key or a bad value is an error naming `file:line:column`, so a
//! typo cannot silently turn a rule back on. Paths in it are relative to the file's directory.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use toml::Spanned;

use crate::cli::FailOn;
use crate::settings::parse::{parse_duration, parse_nameserver};
use meshctl_core::model::OutboundPolicy;

/// The names searched for, in order, in each directory.
pub(crate) const FILE_NAMES: [&str; 2] = ["meshctl.toml", ".meshctl.toml"];

/// The file as written (kebab-case keys, unknown keys refused).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    per_file_ignores: BTreeMap<String, Vec<String>>,
    mesh_config: Option<PathBuf>,
    outbound_policy: Option<Spanned<String>>,
    min_ttl: Option<u32>,
    #[serde(default)]
    dns: RawDns,
    #[serde(default)]
    mesh: Vec<RawMesh>,
}

/// One `[[mesh]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMesh {
    name: Spanned<String>,
    paths: Vec<Spanned<String>>,
    mesh_config: Option<PathBuf>,
    namespace: Option<String>,
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDns {
    #[serde(default)]
    nameservers: Vec<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    tcp: Option<bool>,
}

/// `meshctl.toml`'s settings, checked and with paths made relative to the current directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigFile {
    /// The file they came from.
    pub path: PathBuf,
    /// `select`: only these rules (codes, prefixes, names).
    pub select: Option<Vec<String>>,
    /// `ignore`: skip these rules.
    pub ignore: Vec<String>,
    /// `fail-on`.
    pub fail_on: Option<FailOn>,
    /// `exclude`: gitignore-style globs pruned from directory walks.
    pub exclude: Vec<String>,
    /// `per-file-ignores`: glob → rules not reported for files that match it.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// `mesh-config`, relative to the current directory.
    pub mesh_config: Option<PathBuf>,
    /// `outbound-policy`.
    pub outbound_policy: Option<OutboundPolicy>,
    /// `min-ttl` (MSH303).
    pub min_ttl: Option<u32>,
    /// `[dns] nameservers`.
    pub nameservers: Vec<SocketAddr>,
    /// `[dns] timeout`.
    pub timeout: Option<Duration>,
    /// `[dns] tcp`.
    pub tcp: Option<bool>,
    /// `[[mesh]]` tables: the meshes of a repository, when discovery should not decide.
    pub meshes: Vec<MeshTable>,
}

/// One `[[mesh]]` table, with its globs relative to the configuration file's directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct MeshTable {
    /// `name`: how output and `--mesh` call it.
    pub name: String,
    /// `paths`: gitignore-style globs (relative to the file's directory) of its files.
    pub paths: Vec<String>,
    /// `mesh-config`, relative to the current directory.
    pub mesh_config: Option<PathBuf>,
    /// `namespace`: for resources that name none.
    pub namespace: Option<String>,
    /// `select`: replaces the file's `select` for this mesh.
    pub select: Option<Vec<String>>,
    /// `ignore`: added to the file's `ignore` for this mesh.
    pub ignore: Vec<String>,
}

impl ConfigFile {
    /// The directory the file's relative paths and globs start from.
    pub(crate) fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// The file's `exclude` globs, anchored at its directory (ruff's reading), for the walker.
    pub(crate) fn walk_exclude(&self) -> Option<meshctl_core::load::ConfigExclude> {
        (!self.exclude.is_empty()).then(|| meshctl_core::load::ConfigExclude {
            base: self.base_dir().to_path_buf(),
            globs: self.exclude.clone(),
        })
    }

    /// Expands every `[[mesh]]` table's globs under the file's directory into its files,
    /// walking as `walk` says (ignore files, excludes).
    ///
    /// # Errors
    /// A glob that does not parse, or a directory that cannot be walked.
    pub(crate) fn mesh_specs(
        &self,
        walk: &meshctl_core::load::WalkOptions,
    ) -> anyhow::Result<Vec<meshctl_core::meshes::MeshSpec>> {
        if self.meshes.is_empty() {
            return Ok(Vec::new());
        }
        let base = if self.base_dir().as_os_str().is_empty() {
            Path::new(".")
        } else {
            self.base_dir()
        };
        let walked = meshctl_core::load::walk::expand(&[base.to_path_buf()], walk)?;
        let mut specs = Vec::new();
        for table in &self.meshes {
            let mut builder = ignore::overrides::OverrideBuilder::new(base);
            for glob in &table.paths {
                builder.add(glob).map_err(|e| {
                    anyhow::anyhow!(
                        "`{}`: mesh `{}`: `{glob}`: {e}",
                        self.path.display(),
                        table.name
                    )
                })?;
            }
            let matcher = builder.build().map_err(|e| {
                anyhow::anyhow!("`{}`: mesh `{}`: {e}", self.path.display(), table.name)
            })?;
            let files = walked
                .files
                .iter()
                .filter(|f| {
                    // A file matches when it, or a directory above it, matches a glob.
                    let relative = f.strip_prefix(base).unwrap_or(f);
                    relative
                        .ancestors()
                        .filter(|a| !a.as_os_str().is_empty())
                        .any(|a| matcher.matched(base.join(a), a != relative).is_whitelist())
                })
                .cloned()
                .collect();
            specs.push(meshctl_core::meshes::MeshSpec {
                name: table.name.clone(),
                files,
                mesh_config: table.mesh_config.clone(),
                namespace: table.namespace.clone(),
            });
        }
        Ok(specs)
    }

    /// The `[[mesh]]` table named `name`.
    pub(crate) fn mesh_table(&self, name: &str) -> Option<&MeshTable> {
        self.meshes.iter().find(|m| m.name == name)
    }
}

/// The configuration in force: `explicit` (`--config`), else the nearest file from `start`
/// upward; none with `isolated`.
///
/// # Errors
/// An unreadable file, invalid TOML, an unknown key or a bad value (with file:line:column).
pub(crate) fn discover(
    explicit: Option<&Path>,
    isolated: bool,
    start: &Path,
) -> anyhow::Result<Option<ConfigFile>> {
    if isolated {
        return Ok(None);
    }
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match find_upward(start) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading `{}`", path.display()))?;
    parse(&path, &text).map(Some)
}

fn find_upward(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Parses and checks one file's text.
///
/// # Errors
/// As [`discover`].
pub(crate) fn parse(path: &Path, text: &str) -> anyhow::Result<ConfigFile> {
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = line_column(text, span.start);
        format!("{}:{line}:{column}", path.display())
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let place = e.span().map_or_else(|| path.display().to_string(), at);
        anyhow::anyhow!("{place}: {}", e.message().trim_end())
    })?;
    let fail_on = match raw.fail_on {
        Some(value) => Some(
            <FailOn as clap::ValueEnum>::from_str(value.get_ref(), true).map_err(|_| {
                anyhow::anyhow!(
                    "{}: `fail-on`: `{}` is not one of error, warning, info, none",
                    at(value.span()),
                    value.get_ref()
                )
            })?,
        ),
        None => None,
    };
    let outbound_policy = match raw.outbound_policy {
        Some(value) => Some(match value.get_ref().as_str() {
            "REGISTRY_ONLY" => OutboundPolicy::RegistryOnly,
            "ALLOW_ANY" => OutboundPolicy::AllowAny,
            other => bail!(
                "{}: `outbound-policy`: `{other}` is not REGISTRY_ONLY or ALLOW_ANY",
                at(value.span())
            ),
        }),
        None => None,
    };
    let mut nameservers = Vec::new();
    for value in raw.dns.nameservers {
        let addr = parse_nameserver(value.get_ref())
            .map_err(|e| anyhow::anyhow!("{}: `dns.nameservers`: {e}", at(value.span())))?;
        nameservers.push(addr);
    }
    let timeout = match raw.dns.timeout {
        Some(value) => Some(
            parse_duration(value.get_ref())
                .map_err(|e| anyhow::anyhow!("{}: `dns.timeout`: {e}", at(value.span())))?,
        ),
        None => None,
    };
    let base = path.parent().unwrap_or(Path::new(""));
    let mut meshes: Vec<MeshTable> = Vec::new();
    for raw in raw.mesh {
        let name = raw.name.get_ref().trim().to_owned();
        if name.is_empty() || meshes.iter().any(|m| m.name == name) {
            bail!(
                "{}: `mesh.name`: `{name}` is empty or names another [[mesh]] too",
                at(raw.name.span())
            );
        }
        if raw.paths.is_empty() {
            bail!(
                "{}: mesh `{name}`: `paths` lists no globs",
                at(raw.name.span())
            );
        }
        meshes.push(MeshTable {
            name,
            paths: raw.paths.into_iter().map(Spanned::into_inner).collect(),
            mesh_config: raw.mesh_config.map(|p| base.join(p)),
            namespace: raw.namespace,
            select: raw.select,
            ignore: raw.ignore,
        });
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        select: raw.select,
        ignore: raw.ignore,
        fail_on,
        exclude: raw.exclude,
        per_file_ignores: raw.per_file_ignores.into_iter().collect(),
        mesh_config: raw.mesh_config.map(|p| base.join(p)),
        outbound_policy,
        min_ttl: raw.min_ttl,
        nameservers,
        timeout,
        tcp: raw.dns.tcp,
        meshes,
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(Path::new("meshctl.toml"), text)
            .expect_err("invalid")
            .to_string()
    }

    #[test]
    fn every_documented_key_is_read() {
        let config = parse(
            Path::new("repo/meshctl.toml"),
            r#"
select = ["MSH2", "MSH4"]
ignore = ["MSH205"]
fail-on = "warning"
exclude = ["charts/**"]
mesh-config = "mesh.yaml"
outbound-policy = "ALLOW_ANY"
min-ttl = 60

[per-file-ignores]
"legacy/*.yaml" = ["MSH201"]

[dns]
nameservers = ["192.0.2.53", "192.0.2.54:5353"]
timeout = "2s"
tcp = true
"#,
        )
        .expect("valid");
        assert_eq!(
            config.select.as_deref(),
            Some(&["MSH2".to_owned(), "MSH4".to_owned()][..])
        );
        assert_eq!(config.ignore, ["MSH205"]);
        assert_eq!(config.fail_on, Some(FailOn::Warning));
        assert_eq!(config.exclude, ["charts/**"]);
        assert_eq!(config.mesh_config, Some(PathBuf::from("repo/mesh.yaml")));
        assert_eq!(config.outbound_policy, Some(OutboundPolicy::AllowAny));
        assert_eq!(config.min_ttl, Some(60));
        assert_eq!(
            config.per_file_ignores,
            [("legacy/*.yaml".to_owned(), vec!["MSH201".to_owned()])]
        );
        assert_eq!(config.nameservers.len(), 2);
        assert_eq!(config.nameservers[1].port(), 5353);
        assert_eq!(config.timeout, Some(Duration::from_secs(2)));
        assert_eq!(config.tcp, Some(true));
    }

    #[test]
    fn mistakes_name_the_file_line_and_key() {
        struct Case {
            input: &'static str,
            want: &'static str,
        }
        let cases = [
            Case {
                input: "ignore = []\nselekt = [\"MSH2\"]\n",
                want: "meshctl.toml:2:1: unknown field `selekt`",
            },
            Case {
                input: "[dns]\ntimeout = \"soon\"\n",
                want: "meshctl.toml:2:11: `dns.timeout`: `soon` is not a duration",
            },
            Case {
                input: "fail-on = \"warnings\"\n",
                want: "meshctl.toml:1:11: `fail-on`: `warnings` is not one of",
            },
            Case {
                input: "outbound-policy = \"allow\"\n",
                want: "meshctl.toml:1:19: `outbound-policy`: `allow` is not",
            },
            Case {
                input: "[dns]\nnameserver = []\n",
                want: "meshctl.toml:2:1: unknown field `nameserver`",
            },
        ];
        for case in cases {
            let got = error(case.input);
            assert!(got.starts_with(case.want), "{}: {got}", case.input);
        }
    }

    #[test]
    fn discovery_walks_up_and_isolated_or_explicit_win() {
        let root = std::env::temp_dir().join(format!("meshctl-config-{}", std::process::id()));
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(root.join(".meshctl.toml"), "min-ttl = 7\n").expect("write");
        let found = discover(None, false, &deep).expect("valid").expect("found");
        assert_eq!(found.min_ttl, Some(7));
        assert!(discover(None, true, &deep).expect("valid").is_none());
        std::fs::write(root.join("other.toml"), "min-ttl = 9\n").expect("write");
        let explicit = discover(Some(&root.join("other.toml")), false, &deep)
            .expect("valid")
            .expect("found");
        assert_eq!(explicit.min_ttl, Some(9));
        let _ = std::fs::remove_dir_all(&root);
    }
}
