//! Table-driven engine tests: YAML in, `decide` out, with `explain` checked against it.
//!
//! Each case builds its config with the real loader (`load::load_bytes`), so the tests also pin
//! that loaded documents mean what istiod would make of them. Addresses come from the documentation
//! ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, `2001:db8::/32`), names from example.com.

mod capture;
mod gateway;
mod kube;
mod matching;
mod outcomes;
mod routes;
mod scope;
mod views;

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::*;
use crate::load::{LoadOptions, load_bytes};
use crate::model::OutboundPolicy;

/// A `ServiceEntry` document; `id` is `namespace/name`, `spec` a YAML flow-mapping body.
fn se(id: &str, spec: &str) -> String {
    se_at(id, None, spec)
}

/// A `ServiceEntry` with a creation timestamp.
fn se_at(id: &str, created: Option<&str>, spec: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    let created = created.map_or(String::new(), |t| format!(", creationTimestamp: '{t}'"));
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: {ns}{created}}}\nspec: {{{spec}}}\n"
    )
}

/// A Sidecar document; `spec` is a YAML flow-mapping body.
fn sidecar(id: &str, spec: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{{spec}}}\n"
    )
}

/// The connection of a case (owned, so cases can be built in tables).
#[derive(Debug, Clone, Copy)]
struct Conn {
    dst: &'static str,
    port: u16,
    tls: bool,
    sni: Option<&'static str>,
}

fn tcp(dst: &'static str, port: u16) -> Conn {
    Conn {
        dst,
        port,
        tls: false,
        sni: None,
    }
}

fn tls(dst: &'static str, port: u16, sni: Option<&'static str>) -> Conn {
    Conn {
        dst,
        port,
        tls: true,
        sni,
    }
}

/// What a case expects.
#[derive(Debug, Clone)]
enum Want {
    /// Allowed on this listener by this cluster (meshctl names the chain after the cluster).
    Allow {
        listener: &'static str,
        cluster: &'static str,
    },
    /// Passthrough on this listener and chain.
    Pass {
        listener: &'static str,
        chain: &'static str,
    },
    /// Denied on this listener and chain.
    Deny {
        listener: &'static str,
        chain: &'static str,
    },
    /// Bypassed; the summary contains this text.
    Bypass(&'static str),
}

fn allow(listener: &'static str, cluster: &'static str) -> Want {
    Want::Allow { listener, cluster }
}

fn pass(listener: &'static str, chain: &'static str) -> Want {
    Want::Pass { listener, chain }
}

fn deny(listener: &'static str, chain: &'static str) -> Want {
    Want::Deny { listener, chain }
}

/// One table row.
struct Case {
    name: &'static str,
    config_yaml: String,
    mesh: MeshSettings,
    workload: Workload,
    conn: Conn,
    want: Want,
    /// Substrings the upstream description must contain.
    upstream: Option<&'static str>,
    /// Substrings some near miss must contain, one per entry.
    near: Vec<&'static str>,
}

fn case(name: &'static str, config_yaml: impl Into<String>, conn: Conn, want: Want) -> Case {
    Case {
        name,
        config_yaml: config_yaml.into(),
        // The worked outcomes assume Istio's shipped default, `ALLOW_ANY` (istio/istio
        // pkg/config/mesh/mesh.go `DefaultMeshConfig`).
        mesh: MeshSettings {
            outbound_policy: OutboundPolicy::AllowAny,
            policy_source: "test mesh".into(),
            ..MeshSettings::default()
        },
        workload: Workload::default(),
        conn,
        want,
        upstream: None,
        near: Vec::new(),
    }
}

impl Case {
    fn registry_only(mut self) -> Self {
        self.mesh.outbound_policy = OutboundPolicy::RegistryOnly;
        self
    }

    fn namespace(mut self, ns: &str) -> Self {
        ns.clone_into(&mut self.workload.namespace);
        self
    }

    fn labels(mut self, pairs: &[(&str, &str)]) -> Self {
        self.workload.labels = map(pairs);
        self
    }

    fn annotations(mut self, pairs: &[(&str, &str)]) -> Self {
        self.workload.annotations = map(pairs);
        self
    }

    fn dns_vips(mut self) -> Self {
        self.workload.dns_capture = true;
        self
    }

    fn upstream(mut self, text: &'static str) -> Self {
        self.upstream = Some(text);
        self
    }

    fn near(mut self, text: &'static str) -> Self {
        self.near.push(text);
        self
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loads YAML that must be free of problems.
fn load(yaml: &str) -> crate::load::Inputs {
    let inputs =
        load_bytes("case.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("parser thread");
    assert!(inputs.problems.is_empty(), "{:#?}\n{yaml}", inputs.problems);
    inputs
}

/// The registry of `yaml` for `workload` under meshctl's default mesh settings.
fn compiled(yaml: &str, workload: &Workload) -> Registry {
    let inputs = load(yaml);
    compile(
        &Resources::from_inputs(&inputs, MeshSettings::default()),
        workload,
    )
}

fn registry_for(c: &Case) -> Registry {
    let inputs = load(&c.config_yaml);
    compile(
        &Resources::from_inputs(&inputs, c.mesh.clone()),
        &c.workload,
    )
}

fn run(cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        if let Err(message) = check(c) {
            failures.push(format!("case `{}`: {message}", c.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

fn check(c: &Case) -> Result<(), String> {
    let registry = registry_for(c);
    let dst: IpAddr = c
        .conn
        .dst
        .parse()
        .map_err(|e| format!("bad test address: {e}"))?;
    let conn = Connection {
        dst,
        port: c.conn.port,
        tls: c.conn.tls,
        sni: c.conn.sni,
    };
    let decision = decide(&registry, &conn);
    let explanation = explain(&registry, &conn);
    let context = || {
        format!(
            "decision: {decision}\ntrace:\n  {}\nnear misses:\n  {}\nnotes:\n  {}",
            explanation.trace.join("\n  "),
            explanation.near_misses.join("\n  "),
            explanation.notes.join("\n  ")
        )
    };
    let (verdict, listener, chain, cluster) = match c.want {
        Want::Allow { listener, cluster } => (Verdict::Allow, listener, cluster, cluster),
        Want::Pass { listener, chain } => {
            (Verdict::Passthrough, listener, chain, PASSTHROUGH_CLUSTER)
        }
        Want::Deny { listener, chain } => (Verdict::Deny, listener, chain, BLACKHOLE_CLUSTER),
        Want::Bypass(_) => (Verdict::Bypass, "", "", ""),
    };
    let got = (
        decision.verdict(),
        decision.listener(),
        decision.chain(),
        decision.cluster(),
    );
    if got != (verdict, listener, chain, cluster) {
        return Err(format!(
            "want {:?}\n got {got:?}\n{}",
            (verdict, listener, chain, cluster),
            context()
        ));
    }
    if let Want::Bypass(text) = c.want
        && !decision.to_string().contains(text)
    {
        return Err(format!("summary lacks `{text}`\n{}", context()));
    }
    let mirrored = (
        explanation.verdict,
        explanation.listener.as_str(),
        explanation.filter_chain.as_str(),
        explanation.cluster.as_str(),
    );
    if mirrored != got || explanation.reason != decision.to_string() {
        return Err(format!("explain disagrees: {mirrored:?}\n{}", context()));
    }
    if let Some(text) = c.upstream {
        let upstream = explanation.upstream.clone().unwrap_or_default();
        if !upstream.contains(text) {
            return Err(format!(
                "upstream `{upstream}` lacks `{text}`\n{}",
                context()
            ));
        }
    }
    for text in &c.near {
        if !explanation
            .near_misses
            .iter()
            .chain(&explanation.notes)
            .any(|n| n.contains(text))
        {
            return Err(format!("no near miss contains `{text}`\n{}", context()));
        }
    }
    Ok(())
}
