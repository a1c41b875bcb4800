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
fn iptables_exempts_istio_uid_by_default_never_the_caller() {
    // The tests run as whatever user CI is (often root): without --proxy-uid the script must
    // still exempt Istio's 1337, not the invoking uid.
    let text = outcome(meshctl().args(["proxy", "iptables"]), &[]);
    assert!(
        text.contains("-A MESHCTL_OUTPUT -m owner --uid-owner 1337 -j RETURN"),
        "{text}"
    );
    assert_eq!(text.matches("--uid-owner").count(), 1, "{text}");
}

#[test]
fn iptables_refuses_root_uid_and_contradictory_ports() {
    let root = outcome(
        meshctl().args(["proxy", "iptables", "--proxy-uid", "0"]),
        &[],
    );
    let both = outcome(
        meshctl().args([
            "proxy",
            "iptables",
            "--include-ports",
            "3306,5432",
            "--exclude-ports",
            "22,3306",
        ]),
        &[],
    );
    insta::assert_snapshot!(format!("{root}\n{both}"));
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
            "fixtures/check/MSH101-invalid-host.yaml",
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

#[test]
fn an_unreadable_configuration_is_one_error_and_one_cause() {
    let text = outcome(
        meshctl().args([
            "proxy",
            "-f",
            "fixtures/does-not-exist.yaml",
            "--admin",
            "off",
        ]),
        &[],
    );
    assert!(text.starts_with("exit: 2\n"), "{text}");
    assert_eq!(
        text.matches("cannot read `fixtures/does-not-exist.yaml`")
            .count(),
        1,
        "{text}"
    );
}
