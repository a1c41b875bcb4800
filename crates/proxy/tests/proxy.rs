//! In-process tests of `meshctl proxy` (no root, loopback only): forward-mode proxies on port 0
//! in front of echo and sink servers on port 0. Transparent mode needs iptables and is covered
//! by `scripts/system-tests.sh`; its pure parts (loop guard, original-destination errors) are
//! unit-tested in `src/orig_dst.rs`.

#[path = "proxy/support.rs"]
mod support;

#[path = "proxy/stream.rs"]
mod stream;

#[path = "proxy/enforce.rs"]
mod enforce;

#[path = "proxy/lifecycle.rs"]
mod lifecycle;

#[path = "proxy/observe.rs"]
mod observe;

#[path = "proxy/field.rs"]
mod field;

#[path = "proxy/workers.rs"]
mod workers;

#[path = "proxy/slowloris.rs"]
mod slowloris;

#[path = "proxy/stability.rs"]
mod stability;

#[path = "proxy/report.rs"]
mod report;

#[path = "proxy/takeover.rs"]
mod takeover;

#[path = "proxy/limits.rs"]
mod limits;
