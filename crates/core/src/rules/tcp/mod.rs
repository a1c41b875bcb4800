//! MSH2xx: the TCP semantics of one entry — the mistakes the blog post warns about. A TCP
//! connection carries no name, so the sidecar matches it by destination address and port only:
//! for a TCP port Istio builds no SNI or Host match (istio/istio
//! `pilot/pkg/networking/core/tls.go`, `buildSidecarOutboundTCPFilterChainOpts`), and an entry
//! without addresses becomes the match-all default chain of `0.0.0.0_<port>`
//! (`pilot/pkg/networking/core/listener.go`, `buildListenerFromEntry`). Everything here follows
//! from that, plus protocol sniffing on ports without `protocol`; MSH211–MSH215 flag addresses
//! of special classes (loopback, link-local, multicast, broadcast, unspecified) that no egress
//! entry should match or forward to.

// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_tcp.rs"));
mod gateway_routes;
mod special_address;
