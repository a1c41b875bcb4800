//! What the lint rules read besides the documents: thresholds from the command line, DNS facts
//! gathered before the run, and the mesh settings the engine compiles with. Built from
//! [`Inputs`] alone (never from the workspace pipeline, which calls into the rules), so the
//! caller decides where the settings come from and the rules stay pure.

use super::dns::facts::DnsFacts;
use crate::engine::MeshSettings;
use crate::load::Inputs;

/// Everything the rules read: the inputs, thresholds, and DNS facts when `--dns` asked for them.
#[derive(Debug)]
pub struct Context<'a> {
    /// The loaded inputs (and their load problems, reported as MSH001/MSH002).
    pub inputs: &'a Inputs,
    /// Extra server-first ports for MSH205.
    pub server_first_ports: Vec<u16>,
    /// MSH204 thresholds.
    pub max_ipv4_prefix: u8,
    /// MSH204 thresholds.
    pub max_ipv6_prefix: u8,
    /// MSH303 threshold in seconds.
    pub min_ttl: u32,
    /// Sidecars proxy DNS (mesh `ISTIO_META_DNS_CAPTURE`), so auto-allocated VIPs are used.
    pub dns_capture: bool,
    /// DNS answers per host, with `--dns`. Rules that need them do not run without them.
    pub dns: Option<&'a DnsFacts>,
    /// Mesh settings for the engine's view (policy, root namespace, default exportTo).
    pub mesh: MeshSettings,
}

/// MSH204's default: the widest IPv4 block an entry may pin without a finding.
pub const MAX_IPV4_PREFIX: u8 = 24;
/// MSH204's default: the widest IPv6 block an entry may pin without a finding.
pub const MAX_IPV6_PREFIX: u8 = 64;

impl<'a> Context<'a> {
    /// A context with the documented defaults.
    #[must_use]
    pub fn new(inputs: &'a Inputs) -> Context<'a> {
        Context {
            inputs,
            server_first_ports: Vec::new(),
            max_ipv4_prefix: MAX_IPV4_PREFIX,
            max_ipv6_prefix: MAX_IPV6_PREFIX,
            min_ttl: 300,
            dns_capture: inputs.mesh_dns_capture(),
            dns: None,
            mesh: inputs
                .mesh_configs
                .first()
                .map(MeshSettings::from_mesh_config)
                .unwrap_or_default(),
        }
    }
}
