//! `meshctl resolve` against the in-process DNS server on 127.0.0.1.

use super::common::{meshctl, outcome};
use meshctl_testkit::dns::{TestDns, unresponsive_server};

fn resolve(dns: &TestDns, args: &[&str]) -> String {
    let port = format!(":{}", dns.addr().port());
    outcome(
        meshctl()
            .arg("resolve")
            .args(args)
            .arg("--nameserver")
            .arg(dns.nameserver_arg()),
        &[(&port, ":[PORT]")],
    )
}

#[test]
fn table_shows_every_address_with_family_and_ttl() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["db.example.com:3306", "-o", "table"]));
}

#[test]
fn table_shows_the_cname_chain() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["alias.example.com", "-o", "table"]));
}

#[test]
fn json_is_the_default_off_a_terminal() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["alias.example.com"]));
}

#[test]
fn yaml_output() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["db.example.com", "-o", "yaml"]));
}

#[test]
fn dsn_password_is_never_printed() {
    let dns = TestDns::start();
    let text = resolve(
        &dns,
        &[
            "mysql://bookinfo:hunter2@db.example.com:3306/test",
            "-o",
            "table",
        ],
    );
    assert!(!text.contains("hunter2"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn samples_report_changing_answers() {
    let dns = TestDns::start();
    let text = resolve(
        &dns,
        &[
            "rotate.example.com",
            "--samples",
            "3",
            "--interval",
            "10ms",
            "-o",
            "table",
        ],
    );
    assert!(text.contains("answers changed between samples"), "{text}");
    insta::assert_snapshot!(text);
    let stable = resolve(
        &dns,
        &["db.example.com", "--samples", "2", "--interval", "10ms"],
    );
    assert!(stable.contains("\"changed\": false"), "{stable}");
}

#[test]
fn tcp_queries_work() {
    let dns = TestDns::start();
    let text = resolve(&dns, &["v4only.example.com", "--tcp", "-o", "table"]);
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(text.contains("(tcp)"), "{text}");
}

#[test]
fn nxdomain_exits_1() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["nope.example.com"]));
}

#[test]
fn no_address_records_exits_1_and_says_so() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["empty.example.com"]));
}

#[test]
fn servfail_exits_2() {
    let dns = TestDns::start();
    insta::assert_snapshot!(resolve(&dns, &["fail.example.com"]));
}

#[test]
fn unreachable_nameserver_exits_2_after_the_timeout() {
    let (_socket, addr) = unresponsive_server();
    let started = std::time::Instant::now();
    let text = outcome(
        meshctl()
            .args([
                "resolve",
                "db.example.com",
                "--timeout",
                "300ms",
                "--nameserver",
            ])
            .arg(addr.to_string()),
        &[(&format!(":{}", addr.port()), ":[PORT]")],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    insta::assert_snapshot!(text);
}

#[test]
fn bad_host_is_a_usage_error() {
    insta::assert_snapshot!(outcome(meshctl().args(["resolve", "db example.com"]), &[]));
}

#[test]
fn environment_supplies_the_default_host() {
    let dns = TestDns::start();
    let port = format!(":{}", dns.addr().port());
    let text = outcome(
        meshctl()
            .args(["resolve", "-o", "table", "--nameserver"])
            .arg(dns.nameserver_arg())
            .env("MYSQL_DB_HOST", "v6only.example.com")
            .env("MYSQL_DB_PORT", "3307"),
        &[(&port, ":[PORT]")],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(text.contains("v6only.example.com:3307 via"), "{text}");
    assert!(text.contains("2001:db8::10"), "{text}");
}

#[test]
fn localhost_comes_from_the_hosts_file_without_dns() {
    let text = outcome(meshctl().args(["resolve", "-o", "table"]), &[]);
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}

#[test]
fn a_dsn_reports_its_scheme_port() {
    let dns = TestDns::start();
    for (dsn, port) in [
        ("postgres://u:secret@db.example.com/app", "5432"),
        ("mongodb+srv://db.example.com/app", "27017"),
        ("redis://db.example.com", "6379"),
        ("mysql://u@db.example.com:3307/app", "3307"),
    ] {
        let text = resolve(&dns, &[dsn, "-o", "json"]);
        assert!(text.contains(&format!("\"port\": {port}")), "{dsn}: {text}");
        assert!(!text.contains("secret"), "{dsn}: {text}");
    }
}
