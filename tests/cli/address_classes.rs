//! Special address classes and the answer limit in `gen serviceentry` and `sync`, against the
//! in-process DNS server: an answer of `0.0.0.0`/`::` (a DNS filter's NULL mode), the metadata
//! service (also IPv4-mapped), loopback, a public→private switch and 500 records is refused
//! with one line, and a file `sync` manages stays byte for byte as it was.

use super::common::{meshctl, outcome};
use super::dns_server::TestDns;

fn generate(dns: &TestDns, args: &[&str]) -> String {
    outcome(
        meshctl()
            .args(["gen", "serviceentry"])
            .args(args)
            .args(["--timeout", "5s", "--nameserver"])
            .arg(dns.nameserver_arg()),
        &[],
    )
}

#[test]
fn gen_refuses_answers_in_refused_classes_with_one_line() {
    let dns = TestDns::start();
    for (host, answer, class) in [
        (
            "metadata.example.com",
            "169.254.169.254",
            "a link-local address (cloud metadata)",
        ),
        (
            "mapped.example.com",
            "::ffff:169.254.169.254",
            "a link-local address (cloud metadata)",
        ),
        ("null.example.com", "0.0.0.0", "an unspecified address"),
        ("loop.example.com", "127.0.0.1", "a loopback address"),
    ] {
        let got = generate(&dns, &[host]);
        let flag = class.split(' ').nth(1).expect("class word");
        let want = format!(
            "exit: 2\n--- stdout\n--- stderr\nerror: `{host}` answered `{answer}`, {class}; refusing to pin it (allow with --allow-address-class {flag})\n"
        );
        assert_eq!(got, want);
    }
}

#[test]
fn gen_refuses_localhost_and_given_addresses_of_refused_classes() {
    let dns = TestDns::start();
    let got = generate(&dns, &["localhost"]);
    assert!(
        got.starts_with("exit: 2\n--- stdout\n--- stderr\nerror: `localhost` answered `127.0.0.1`, a loopback address; refusing to pin it"),
        "{got}"
    );
    for (address, class) in [
        ("169.254.169.254", "link-local"),
        ("::ffff:127.0.0.1/128", "loopback"),
        ("127.0.0.0/8", "loopback"),
        ("::", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("ff02::1", "multicast"),
    ] {
        let got = generate(
            &dns,
            &["db.example.com", "--no-resolve", "--address", address],
        );
        assert!(
            got.starts_with(
                "exit: 2\n--- stdout\n--- stderr\nerror: `db.example.com`: --address `"
            ) && got.contains(&format!("(allow with --allow-address-class {class})\n"))
                && got.lines().count() == 4,
            "{address}: {got}"
        );
    }
}

#[test]
fn gen_pins_an_allowed_class_and_records_it() {
    let dns = TestDns::start();
    let got = generate(
        &dns,
        &[
            "metadata.example.com",
            "--allow-address-class",
            "link-local",
        ],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    assert!(
        got.contains("meshctl.dev/allowed-address-classes: link-local\n")
            && got.contains("- 169.254.169.254/32\n"),
        "{got}"
    );
    let got = generate(
        &dns,
        &[
            "db.example.com",
            "--no-resolve",
            "--address",
            "127.0.0.1",
            "--allow-address-class",
            "multicast,loopback",
        ],
    );
    assert!(got.starts_with("exit: 0"), "{got}");
    assert!(
        got.contains("meshctl.dev/allowed-address-classes: loopback\n"),
        "{got}"
    );
    // A public answer needs no allowance and records none.
    let got = generate(
        &dns,
        &["db.example.com", "--allow-address-class", "loopback"],
    );
    assert!(
        got.starts_with("exit: 0") && !got.contains("allowed-address-classes"),
        "{got}"
    );
}

#[test]
fn gen_refuses_more_addresses_than_an_entry_holds() {
    let dns = TestDns::start();
    let got = generate(&dns, &["pool.example.com"]);
    assert_eq!(
        got,
        "exit: 2\n--- stdout\n--- stderr\nerror: `pool.example.com` answered 500 addresses, more than the 256 a ServiceEntry's `addresses` may hold; refusing to pin a partial list (pin the provider's CIDR ranges with --address instead)\n"
    );
}
