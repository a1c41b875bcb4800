//! Which ServiceEntries `sync` manages, and what each one pins today.
//!
//! An entry is managed when `gen serviceentry` wrote it from DNS (it carries
//! [`RESOLVE_ANNOTATION`] naming the source host, `HOST` or `HOST:PORT`), or when the user opts
//! in with `--all-static`: resolution NONE or STATIC, one DNS-looking host, and at least one
//! pinned host route. Entries without addresses are never adopted: giving them addresses would
//! turn "every IP on the port" into "these IPs", a change of meaning, not a refresh.

use std::net::IpAddr;
use std::sync::Arc;

use crate::load::{Inputs, Loaded, Origin};
use crate::model::{Resolution, Resource, ServiceEntry};
use crate::pinning::{ALLOWED_ANNOTATION, AllowedClasses};

use super::grace::{DEPARTED_ANNOTATION, Departed};

/// The annotation `gen serviceentry` writes: the host (and port) the addresses came from.
pub const RESOLVE_ANNOTATION: &str = "meshctl.dev/resolve";

/// Why an entry is managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// It carries [`RESOLVE_ANNOTATION`].
    Annotation,
    /// `--all-static` adopted it.
    AllStatic,
}

/// One `spec.addresses` item as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// A single address: a bare IP or a `/32`/`/128` host route.
    Host(IpAddr),
    /// Anything else (a CIDR block): kept as written, never added to or removed.
    Other(String),
}

impl Pinned {
    /// Reads one item.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match crate::ip::parse_net(text) {
            Some(net) if net.prefix_len() == net.max_prefix_len() => Pinned::Host(net.addr()),
            _ => Pinned::Other(text.to_owned()),
        }
    }

    /// True when this item admits `ip` (a CIDR block covers the addresses inside it).
    #[must_use]
    pub fn covers(&self, ip: IpAddr) -> bool {
        match self {
            Pinned::Host(own) => *own == ip,
            Pinned::Other(text) => crate::ip::parse_cidr(text).is_some_and(|n| n.contains(&ip)),
        }
    }
}

/// A managed entry: where it is, which host feeds it, what it pins now.
#[derive(Debug, Clone)]
pub struct Managed {
    /// Position in [`Inputs::service_entries`].
    pub index: usize,
    /// `ServiceEntry ns/name`.
    pub resource: String,
    /// `ns/name`, the metric label.
    pub key: String,
    /// The file it was read from.
    pub path: Arc<str>,
    /// Where `spec.addresses` is written (or the entry, when it has none).
    pub origin: Origin,
    /// The host to resolve.
    pub host: String,
    /// The port named in the annotation, when it names one.
    pub port: Option<u16>,
    /// Annotation or `--all-static`.
    pub why: Why,
    /// `spec.addresses`, item by item.
    pub pinned: Vec<Pinned>,
    /// Addresses recorded as gone from DNS, from [`DEPARTED_ANNOTATION`].
    pub departed: Departed,
    /// Refused address classes the entry pins on purpose, from
    /// [`ALLOWED_ANNOTATION`](crate::pinning::ALLOWED_ANNOTATION).
    pub allowed: AllowedClasses,
    /// New addresses are written bare (resolution DNS, or every existing item is bare)
    /// rather than as host routes.
    pub bare: bool,
}

/// An annotation meshctl owns that cannot be read: bad input, reported with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: `metadata.annotations[{key}]`: {message}")]
pub struct AnnotationError {
    /// Where the annotation is written.
    pub origin: Origin,
    /// The annotation key.
    pub key: &'static str,
    /// What is wrong with its value.
    pub message: String,
}

/// Finds the managed entries among `inputs`, in input order.
///
/// # Errors
/// The first [`AnnotationError`]: a managed entry whose annotations meshctl cannot read must
/// not be rewritten on a guess.
pub fn find(inputs: &Inputs, all_static: bool) -> Result<Vec<Managed>, AnnotationError> {
    let mut out = Vec::new();
    for (index, loaded) in inputs.service_entries.iter().enumerate() {
        let se = &loaded.resource;
        let annotations = &se.metadata.annotations;
        let (host, port, why) = match annotations.get(RESOLVE_ANNOTATION) {
            Some(value) => {
                let (host, port) = parse_source(value).map_err(|message| AnnotationError {
                    origin: annotation_origin(loaded, RESOLVE_ANNOTATION),
                    key: RESOLVE_ANNOTATION,
                    message,
                })?;
                (host, port, Why::Annotation)
            }
            None if all_static => match adoptable(se) {
                Some(host) => (host, None, Why::AllStatic),
                None => continue,
            },
            None => continue,
        };
        let departed = match annotations.get(DEPARTED_ANNOTATION) {
            Some(value) => Departed::parse(value).map_err(|e| AnnotationError {
                origin: annotation_origin(loaded, DEPARTED_ANNOTATION),
                key: DEPARTED_ANNOTATION,
                message: e.to_string(),
            })?,
            None => Departed::default(),
        };
        let allowed = match annotations.get(ALLOWED_ANNOTATION) {
            Some(value) => AllowedClasses::parse_list(value).map_err(|e| AnnotationError {
                origin: annotation_origin(loaded, ALLOWED_ANNOTATION),
                key: ALLOWED_ANNOTATION,
                message: e.to_string(),
            })?,
            None => AllowedClasses::NONE,
        };
        let pinned: Vec<Pinned> = se.spec.addresses.iter().map(|a| Pinned::parse(a)).collect();
        let dns_mode = matches!(
            se.spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        );
        let bare = dns_mode
            || (!se.spec.addresses.is_empty()
                && se.spec.addresses.iter().all(|a| !a.contains('/')));
        out.push(Managed {
            index,
            resource: se.describe(),
            key: se.key(),
            path: loaded.origin.path.clone(),
            origin: loaded.locate("spec.addresses"),
            host,
            port,
            why,
            pinned,
            departed,
            allowed,
            bare,
        });
    }
    Ok(out)
}

/// `HOST` or `HOST:PORT`, host lower-cased and without a trailing dot.
fn parse_source(value: &str) -> Result<(String, Option<u16>), String> {
    let value = value.trim();
    let (host, port) = match value.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            let port =
                port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    format!("`{port}` in `{value}` is not a port from 1 to 65535")
                })?;
            (host, Some(port))
        }
        _ => (value, None),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if !dns_looking(&host) {
        return Err(format!(
            "`{value}` is not HOST or HOST:PORT with a DNS name to resolve"
        ));
    }
    Ok((host, port))
}

/// The host `--all-static` would resolve for `se`, if it qualifies.
fn adoptable(se: &ServiceEntry) -> Option<String> {
    let spec = &se.spec;
    if !matches!(spec.resolution(), Resolution::None | Resolution::Static) {
        return None;
    }
    let [host] = spec.hosts.as_slice() else {
        return None;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pins_a_host = spec
        .addresses
        .iter()
        .any(|a| matches!(Pinned::parse(a), Pinned::Host(_)));
    (dns_looking(&host) && pins_a_host).then_some(host)
}

/// A name DNS can answer for: dotted labels of letters, digits, `-` and `_`, no wildcard,
/// not an IP literal.
fn dns_looking(host: &str) -> bool {
    host.contains('.')
        && host.parse::<IpAddr>().is_err()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Where annotation `key` is written (the annotations mapping's key itself).
fn annotation_origin(loaded: &Loaded<ServiceEntry>, key: &str) -> Origin {
    let pos = loaded
        .node
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| match &a.value {
            crate::load::node::Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, _)| k.pos),
            _ => None,
        });
    match pos {
        Some(pos) => Origin {
            path: loaded.origin.path.clone(),
            pos,
        },
        None => loaded.locate("metadata.annotations"),
    }
}

#[cfg(test)]
impl Managed {
    /// The entry the planning and MSH308 tests start from: `ServiceEntry default/db` in
    /// `db.yaml` (its `addresses` at 9:5), managed for `db.example.com` by annotation.
    pub(crate) fn example(pinned: &[&str], departed: &str) -> Managed {
        Managed {
            index: 0,
            resource: "ServiceEntry default/db".into(),
            key: "default/db".into(),
            path: Arc::from("db.yaml"),
            origin: Origin {
                path: Arc::from("db.yaml"),
                pos: crate::load::Pos { line: 9, column: 5 },
            },
            host: "db.example.com".into(),
            port: None,
            why: Why::Annotation,
            pinned: pinned.iter().map(|p| Pinned::parse(p)).collect(),
            departed: Departed::parse(departed).expect("departed"),
            allowed: AllowedClasses::NONE,
            bare: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{LoadOptions, load_bytes};

    fn managed(yaml: &str, all_static: bool) -> Result<Vec<Managed>, AnnotationError> {
        let inputs = load_bytes("se.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("load");
        assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
        find(&inputs, all_static)
    }

    const ANNOTATED: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
  annotations:
    meshctl.dev/resolve: DB.example.com.:3306
spec:
  hosts: [db.example.com]
  addresses: [203.0.113.7/32, 198.51.100.0/24]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  resolution: NONE
";

    const PLAIN: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: plain}
spec:
  hosts: [pg.example.com]
  addresses: [198.51.100.20]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints: [{address: 198.51.100.20}]
";

    #[test]
    fn annotated_entries_are_managed_with_their_source() {
        let found = managed(ANNOTATED, false).expect("valid");
        let [m] = found.as_slice() else {
            panic!("one entry: {found:?}")
        };
        assert_eq!((m.host.as_str(), m.port), ("db.example.com", Some(3306)));
        assert_eq!(m.why, Why::Annotation);
        assert_eq!(m.key, "default/db");
        assert_eq!(
            m.pinned,
            [
                Pinned::Host("203.0.113.7".parse().expect("ip")),
                Pinned::Other("198.51.100.0/24".into())
            ]
        );
        assert!(!m.bare);
        assert_eq!(m.origin.pos.line, 9);
    }

    #[test]
    fn all_static_adopts_only_when_asked_and_only_pinned_dns_names() {
        assert!(managed(PLAIN, false).expect("valid").is_empty());
        let found = managed(PLAIN, true).expect("valid");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].why, Why::AllStatic);
        assert!(found[0].bare, "existing items are bare, new ones follow");
        for (what, yaml) in [
            (
                "wildcard",
                PLAIN.replace("pg.example.com", "\"*.example.com\""),
            ),
            (
                "no addresses",
                PLAIN.replace("  addresses: [198.51.100.20]\n", ""),
            ),
            (
                "cidr only",
                PLAIN.replace("[198.51.100.20]", "[198.51.100.0/24]"),
            ),
            (
                "dns",
                PLAIN.replace("STATIC\n  endpoints: [{address: 198.51.100.20}]", "DNS"),
            ),
        ] {
            assert!(managed(&yaml, true).expect("valid").is_empty(), "{what}");
        }
    }

    #[test]
    fn bad_annotations_name_file_line_and_key() {
        let yaml = ANNOTATED.replace("DB.example.com.:3306", "db.example.com:99999");
        let err = managed(&yaml, false).expect_err("bad port");
        assert_eq!(
            err.to_string(),
            "se.yaml:6:5: `metadata.annotations[meshctl.dev/resolve]`: `99999` in `db.example.com:99999` is not a port from 1 to 65535"
        );
        let yaml = ANNOTATED.replace(
            "    meshctl.dev/resolve",
            "    meshctl.dev/departed: 203.0.113.7=soon\n    meshctl.dev/resolve",
        );
        let err = managed(&yaml, false).expect_err("bad departed");
        assert!(
            err.to_string()
                .starts_with("se.yaml:6:5: `metadata.annotations[meshctl.dev/departed]`"),
            "{err}"
        );
        let yaml = ANNOTATED.replace("DB.example.com.:3306", "203.0.113.7");
        assert!(managed(&yaml, false).is_err());
        let yaml = ANNOTATED.replace(
            "    meshctl.dev/resolve",
            "    meshctl.dev/allowed-address-classes: metadata\n    meshctl.dev/resolve",
        );
        let err = managed(&yaml, false).expect_err("bad class");
        assert_eq!(
            err.to_string(),
            "se.yaml:6:5: `metadata.annotations[meshctl.dev/allowed-address-classes]`: `metadata` is not an address class: use unspecified, loopback, link-local, multicast, broadcast, private or public"
        );
        let yaml = ANNOTATED.replace(
            "    meshctl.dev/resolve",
            "    meshctl.dev/allowed-address-classes: link-local, loopback\n    meshctl.dev/resolve",
        );
        let found = managed(&yaml, false).expect("valid");
        assert_eq!(found[0].allowed.to_string(), "loopback, link-local");
    }
}
