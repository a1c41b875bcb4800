//! What meshctl's tests share across crates, so no test file reaches into another crate's
//! `tests/` with `#[path]` and no test re-writes the same builder: the in-process DNS server
//! ([`dns`]) and echo upstreams on loopback ([`echo`]); answers without a server are
//! `meshctl_core::dns::Lookup::builder`. The soak suite (`examples/soak.rs`) is built on the same pieces.
//!
//! Modelled on ripgrep's `tests/util.rs` and linkerd2-proxy's `linkerd/app/test`: a dev-only
//! crate (`publish = false`) that every crate's tests depend on, and nothing else does.

pub mod dns;
pub mod echo;
