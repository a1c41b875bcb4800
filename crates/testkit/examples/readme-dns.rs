//! Serves the test zone (`meshctl_testkit::dns`) on `127.0.0.1:5353`, or the address given as
//! the first argument, until interrupted: the nameserver the README's `--nameserver
//! 127.0.0.1:5353` examples name, so they run as written outside the tests.
//!
//! `cargo run -p meshctl-testkit --example readme-dns [ADDR]`

use std::net::SocketAddr;

fn main() {
    let addr: SocketAddr = match std::env::args().nth(1) {
        None => SocketAddr::from(([127, 0, 0, 1], 5353)),
        Some(text) => text.parse().unwrap_or_else(|e| {
            // A usage error, said once on stderr as any command-line tool would.
            #[allow(clippy::print_stderr, reason = "the example's only output channel")]
            {
                eprintln!("readme-dns: {text:?} is not IP:PORT: {e}");
            }
            std::process::exit(2)
        }),
    };
    let dns = meshctl_testkit::dns::TestDns::start_on(addr);
    #[allow(clippy::print_stderr, reason = "the example's only output channel")]
    {
        eprintln!(
            "readme-dns: serving example.com. on {} (UDP and TCP); Ctrl-C stops it",
            dns.addr()
        );
    }
    // The server runs on its own thread; this one only keeps the process (and `dns`) alive.
    loop {
        std::thread::park();
    }
}
