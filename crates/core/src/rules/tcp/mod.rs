//! MSH2xx: the TCP semantics of one entry — the mistakes the blog post warns about. A TCP
//! connection carries no name, so the sidecar matches it by destination address and port only:
//! for a TCP port Istio builds no SNI or Host match (istio/istio
//! `pilot/pkg/networking/core/tls.go`, `buildSidecarOutboundTCPFilterChainOpts`), and an entry
//! without addresses becomes the match-all default chain of `0.0.0.0_<port>`
//! (`pilot/pkg/networking/core/listener.go`, `buildListenerFromEntry`). Everything here follows
//! from that, plus protocol sniffing on ports without `protocol`; MSH211–MSH215 flag addresses
//! of special classes (loopback, link-local, multicast, broadcast, unspecified) that no egress
//! entry should match or forward to.

pub(super) mod msh201_hosts_ignored_for_tcp;
pub(super) mod msh202_missing_cidr;
pub(super) mod msh203_cidr_host_bits_set;
pub(super) mod msh204_broad_cidr;
pub(super) mod msh205_unspecified_protocol;
pub(super) mod msh206_port_name_protocol_mismatch;
pub(super) mod msh207_tls_entry_with_ip;
pub(super) mod msh208_static_without_endpoints;
pub(super) mod msh209_reserved_port;
pub(super) mod msh210_external_host_mesh_internal;
pub(super) mod msh211_loopback_address;
pub(super) mod msh212_link_local_address;
pub(super) mod msh213_multicast_address;
pub(super) mod msh214_broadcast_address;
pub(super) mod msh215_unspecified_endpoint;
mod special_address;
