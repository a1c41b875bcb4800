//! `meshctl proxy` at the process edge: the iptables script, and the errors that stop the
//! proxy before it serves (exit 2). Serving itself is tested in-process in `tests/proxy.rs`.

use super::common::{meshctl, outcome};

#[test]
fn iptables_prints_the_capture_chain() {
    let text = outcome(
        meshctl().args([
            "proxy",
            "iptables",
            "--proxy-uid",
            "1337",
            "--exclude-ports",
            "22",
            "--exclude-cidrs",
            "192.0.2.0/24",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn iptables_prints_the_ipv6_chain() {
    let text = outcome(
        meshctl().args([
            "proxy",
            "iptables",
            "--ip6tables",
            "--proxy-uid",
            "1337",
            "--exclude-cidrs",
            "2001:db8::/32,192.0.2.0/24",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn proxy_without_configuration_exits_2() {
    let text = outcome(meshctl().args(["proxy", "--admin", "off"]), &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn invalid_configuration_exits_2_before_serving() {
    let text = outcome(
        meshctl().args([
            "proxy",
            "--admin",
            "off",
            "--forward",
            "127.0.0.1:0=db.example.com:3306",
            "-f",
            "fixtures/check/MSH401-shadowed-tcp-entry.yaml",
        ]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn bad_forward_is_a_usage_error() {
    let text = outcome(
        meshctl().args(["proxy", "--forward", "13306=db.example.com"]),
        &[],
    );
    insta::assert_snapshot!(text);
}
