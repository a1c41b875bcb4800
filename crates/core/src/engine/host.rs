//! Host-name matching: Sidecar egress imports (istio/istio pilot/pkg/model/sidecar.go
//! `hostClassification.Matches`) and TLS server names (`FilterChainMatch.server_names` in
//! envoyproxy/envoy api/envoy/config/listener/v3/listener_components.proto).
//!
//! Both compare DNS names case-insensitively and treat a leading `*.` as "any subdomain", but
//! they rank differently: an import asks "is this service host inside the pattern" (a wildcard
//! service is only inside a wildcard pattern), while SNI lookup asks "which server name is the
//! most specific for this concrete name" (exact, then the longest wildcard). The SNI table is
//! used on the hot path, so its lookup works on borrowed bytes and never allocates.

/// A host pattern from a Sidecar egress `namespace/host` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// `*`: every host.
    Any,
    /// `*.foo.com`, stored lower-case as the suffix `.foo.com`.
    Wildcard(String),
    /// An exact name, lower-case.
    Exact(String),
}

impl HostPattern {
    pub(crate) fn parse(raw: &str) -> HostPattern {
        let raw = raw.trim().to_ascii_lowercase();
        if raw == "*" {
            HostPattern::Any
        } else if let Some(suffix) = raw.strip_prefix('*') {
            HostPattern::Wildcard(suffix.to_owned())
        } else {
            HostPattern::Exact(raw)
        }
    }

    /// True when the service host (lower-case) is a subset of this pattern: an exact pattern
    /// never imports a wildcard service, a wildcard pattern imports deeper names and narrower
    /// wildcards but not its own apex.
    pub(crate) fn imports(&self, host: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Exact(name) => host == name,
            HostPattern::Wildcard(suffix) => {
                let concrete = host.strip_prefix('*').unwrap_or(host);
                concrete.len() > suffix.len() && concrete.ends_with(suffix.as_str())
                    || concrete == suffix
            }
        }
    }
}

/// Compares a stored lower-case key with a name as sent, ignoring the name's ASCII case.
fn cmp_folded(key: &str, name: &str) -> std::cmp::Ordering {
    key.bytes()
        .cmp(name.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Server names of the TLS chains sharing one destination prefix, each pointing at a value.
#[derive(Debug, Clone)]
pub(crate) struct SniTable<V> {
    /// Exact names, lower-case, sorted.
    exact: Vec<(Box<str>, V)>,
    /// Wildcards as suffixes (`.example.com`), lower-case, sorted.
    wildcard: Vec<(Box<str>, V)>,
}

impl<V> Default for SniTable<V> {
    fn default() -> Self {
        Self {
            exact: Vec::new(),
            wildcard: Vec::new(),
        }
    }
}

/// How a server name matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SniMatch {
    /// The SNI equals a server name.
    Exact,
    /// The SNI is inside a `*.` server name (the longest such wins).
    Wildcard,
}

impl<V: Copy> SniTable<V> {
    /// Adds a server name; the first value for a name is kept (later ones are duplicates that
    /// the builder has already recorded as shadowed).
    pub(crate) fn insert(&mut self, server_name: &str, value: V) {
        let name = server_name.to_ascii_lowercase();
        let (list, key) = match name.strip_prefix('*') {
            Some(suffix) => (&mut self.wildcard, suffix.to_owned()),
            None => (&mut self.exact, name),
        };
        if let Err(at) = list.binary_search_by(|(k, _)| k.as_ref().cmp(key.as_str())) {
            list.insert(at, (key.into_boxed_str(), value));
        }
    }

    /// The most specific server name for `sni`: exact beats a longer wildcard beats a shorter
    /// one; `*.example.com` does not match `example.com`. Compared without case but otherwise
    /// as sent: `db.example.com.` matches neither `db.example.com` nor `*.example.com`, as in
    /// Envoy (envoyproxy/envoy `source/common/listener_manager/filter_chain_manager_impl.cc`
    /// `findFilterChainForServerName` looks up the exact name, then `*` + each dot suffix).
    pub(crate) fn lookup(&self, sni: &str) -> Option<(V, SniMatch)> {
        if let Ok(i) = self.exact.binary_search_by(|(k, _)| cmp_folded(k, sni)) {
            return Some((self.exact[i].1, SniMatch::Exact));
        }
        if self.wildcard.is_empty() {
            return None;
        }
        // Suffixes starting at each dot, longest first, never the whole name (that is the apex).
        sni.match_indices('.').find_map(|(at, _)| {
            let suffix = &sni[at..];
            self.wildcard
                .binary_search_by(|(k, _)| cmp_folded(k, suffix))
                .ok()
                .filter(|_| at > 0)
                .map(|i| (self.wildcard[i].1, SniMatch::Wildcard))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_follow_subset_rules() {
        let cases = [
            ("*", "db.example.com", true),
            ("*", "*.example.com", true),
            ("db.example.com", "DB.example.com", false), // hosts are lower-cased by the caller
            ("DB.Example.com", "db.example.com", true),
            ("db.example.com", "*.example.com", false),
            ("*.example.com", "db.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "*.b.example.com", true),
            ("*.example.com", "*.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.b.example.com", "*.example.com", false),
        ];
        for (pattern, host, want) in cases {
            assert_eq!(
                HostPattern::parse(pattern).imports(host),
                want,
                "{pattern} ⊇ {host}"
            );
        }
    }

    #[test]
    fn sni_prefers_exact_then_longest_wildcard() {
        let mut table = SniTable::default();
        table.insert("*.example.com", 1);
        table.insert("*.api.example.com", 2);
        table.insert("v1.api.example.com", 3);
        table.insert("*.example.com", 9); // duplicate: first kept
        let cases = [
            ("v1.api.example.com", Some((3, SniMatch::Exact))),
            ("V1.API.example.COM", Some((3, SniMatch::Exact))),
            ("v2.api.example.com", Some((2, SniMatch::Wildcard))),
            ("x.y.example.com", Some((1, SniMatch::Wildcard))),
            ("www.example.com.", None),
            ("v1.api.example.com.", None),
            ("example.com", None),
            (".example.com", None),
            ("example.org", None),
        ];
        for (sni, want) in cases {
            assert_eq!(table.lookup(sni), want, "{sni}");
        }
    }
}
