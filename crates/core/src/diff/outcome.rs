//! What one side does with a cell's connections, as a diff compares it: the verdict, Envoy's
//! listener → chain → cluster, the deciding `ServiceEntry` and where the cluster sends the
//! connection. Two decisions are compared on borrowed data first ([`same`]), so unchanged
//! cells, nearly all of them, allocate nothing.

use serde::Serialize;

use crate::engine::{Decision, UpstreamSpec, Verdict};

/// One side's decision for a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Outcome {
    /// `ALLOW`, `PASSTHROUGH`, `BYPASS` or `DENY`.
    pub verdict: Verdict,
    /// `203.0.113.7_3306`, `0.0.0.0_3306`, `virtualOutbound`; empty for bypass.
    pub listener: String,
    /// The filter chain; empty for bypass.
    pub chain: String,
    /// `outbound|3306||db.example.com`, `PassthroughCluster`, `BlackHoleCluster`.
    pub cluster: String,
    /// `namespace/name` of the deciding `ServiceEntry`, for `ALLOW`.
    pub entry: Option<String>,
    /// Where the cluster sends the connection, for `ALLOW` (`original destination`,
    /// `DNS db.example.com:3306`, …).
    pub upstream: Option<String>,
    /// True when the chain is the match-all chain of a `0.0.0.0` listener: it takes every
    /// destination on the port that no other chain claims.
    pub match_all: bool,
}

impl Outcome {
    pub(crate) fn of(decision: &Decision<'_>) -> Outcome {
        let (entry, upstream, match_all) = match decision {
            Decision::Allow {
                entry,
                listener,
                chain,
                ..
            } => (
                Some(entry.to_string()),
                Some(upstream_text(&chain.upstream)),
                listener.bind.is_none() && chain.is_match_all(),
            ),
            _ => (None, None, false),
        };
        Outcome {
            verdict: decision.verdict(),
            listener: decision.listener().to_owned(),
            chain: decision.chain().to_owned(),
            cluster: decision.cluster().to_owned(),
            entry,
            upstream,
            match_all,
        }
    }

    /// `ALLOW via 0.0.0.0_3306 → outbound|3306||db.example.com (default/db)`.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut text = self.verdict.to_string();
        if !self.listener.is_empty() {
            text = format!("{text} via {} → {}", self.listener, self.cluster);
        }
        if let Some(entry) = &self.entry {
            text = match &self.upstream {
                Some(upstream) => format!("{text} ({entry}, {upstream})"),
                None => format!("{text} ({entry})"),
            };
        }
        text
    }
}

/// True when two decisions agree on everything a diff compares.
pub(crate) fn same(a: &Decision<'_>, b: &Decision<'_>) -> bool {
    if a.verdict() != b.verdict()
        || a.listener() != b.listener()
        || a.chain() != b.chain()
        || a.cluster() != b.cluster()
    {
        return false;
    }
    match (a, b) {
        // Whether the chain is a listener's match-all one only classes a change (a port taken
        // over); the same chain taking a connection either way is no change to it.
        (
            Decision::Allow {
                entry: ea,
                chain: ca,
                ..
            },
            Decision::Allow {
                entry: eb,
                chain: cb,
                ..
            },
        ) => ea.namespace == eb.namespace && ea.name == eb.name && ca.upstream == cb.upstream,
        _ => true,
    }
}

fn upstream_text(spec: &UpstreamSpec) -> String {
    let list = |endpoints: &[crate::engine::Endpoint]| {
        endpoints
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match spec {
        UpstreamSpec::OriginalDst { target_port: None } => "original destination".into(),
        UpstreamSpec::OriginalDst {
            target_port: Some(port),
        } => format!("original destination, port {port}"),
        UpstreamSpec::Resolve { endpoints, .. } | UpstreamSpec::Static { endpoints }
            if endpoints.is_empty() =>
        {
            "no upstream".into()
        }
        UpstreamSpec::Resolve {
            endpoints,
            round_robin: true,
        } => format!("DNS (first answer) {}", list(endpoints)),
        UpstreamSpec::Resolve { endpoints, .. } => format!("DNS {}", list(endpoints)),
        UpstreamSpec::Static { endpoints } => format!("static {}", list(endpoints)),
        UpstreamSpec::FromSni { port } => format!("the SNI's name, port {port}"),
        UpstreamSpec::ServiceEndpoints { endpoints } if endpoints.is_empty() => {
            "the Service's endpoints".into()
        }
        UpstreamSpec::ServiceEndpoints { endpoints } => {
            format!("the Service's endpoints {}", list(endpoints))
        }
    }
}
