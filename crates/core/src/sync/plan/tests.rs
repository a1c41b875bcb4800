//! The planning rules, table-driven: additions, grace bookkeeping, fail static.

use super::*;
use crate::dns::AddressFamily;
use crate::pinning::{AllowedClasses, PinError};

const GRACE: Duration = Duration::from_secs(600);

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

fn at(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).expect("time")
}

fn entry(pinned: &[&str], departed: &str) -> Managed {
    Managed::example(pinned, departed)
}

#[allow(clippy::unnecessary_wraps)] // `plan` takes the lookup's result
fn answer(ips: &[&str]) -> Result<Lookup, DnsError> {
    Ok(Lookup::builder("db.example.com").addresses(ips, 2).build())
}

fn settings() -> Settings {
    Settings {
        grace: GRACE,
        allow_empty: false,
        ..Settings::default()
    }
}

const T0: &str = "2026-01-01T00:00:00Z";

#[test]
fn an_answer_equal_to_the_pins_is_in_sync() {
    let p = plan(
        &entry(&["203.0.113.7/32"], ""),
        &answer(&["203.0.113.7"]),
        at(T0),
        settings(),
    );
    assert_eq!(p.status, Status::InSync);
    assert_eq!(p.items, [Item::Existing(0)]);
    assert!(!p.changes_addresses());
    assert_eq!(p.ttl, Some(2));
}

#[test]
fn new_addresses_merge_into_sorted_lists_and_append_to_others() {
    let e = entry(&["203.0.113.7/32", "2001:db8::7/128"], "");
    let p = plan(
        &e,
        &answer(&["2001:db8::7", "203.0.113.8", "203.0.113.7"]),
        at(T0),
        settings(),
    );
    assert_eq!(p.status, Status::Drift);
    assert_eq!(p.added, [ip("203.0.113.8")]);
    assert_eq!(
        p.items,
        [
            Item::Existing(0),
            Item::New("203.0.113.8/32".into()),
            Item::Existing(1)
        ]
    );
    let unsorted = entry(&["203.0.113.9/32", "203.0.113.7/32"], "");
    let p = plan(
        &unsorted,
        &answer(&["203.0.113.7", "203.0.113.8", "203.0.113.9"]),
        at(T0),
        settings(),
    );
    assert_eq!(
        p.items,
        [
            Item::Existing(0),
            Item::Existing(1),
            Item::New("203.0.113.8/32".into())
        ]
    );
    let mut bare = entry(&["203.0.113.7"], "");
    bare.bare = true;
    let p = plan(
        &bare,
        &answer(&["203.0.113.7", "203.0.113.8"]),
        at(T0),
        settings(),
    );
    assert_eq!(p.items[1], Item::New("203.0.113.8".into()));
}

#[test]
fn a_departed_address_drains_for_the_grace_period_then_goes() {
    struct Case {
        name: &'static str,
        departed: &'static str,
        now: &'static str,
        want_status: Status,
        want_items: Vec<Item>,
        want_departed: &'static str,
        want_removed: Vec<IpAddr>,
    }
    let cases = [
        Case {
            name: "first seen missing: recorded, kept",
            departed: "",
            now: T0,
            want_status: Status::Drift,
            want_items: vec![Item::Existing(0), Item::Existing(1)],
            want_departed: "203.0.113.7=2026-01-01T00:00:00Z",
            want_removed: vec![],
        },
        Case {
            name: "still missing within grace: nothing to write",
            departed: "203.0.113.7=2026-01-01T00:00:00Z",
            now: "2026-01-01T00:09:59Z",
            want_status: Status::InSync,
            want_items: vec![Item::Existing(0), Item::Existing(1)],
            want_departed: "203.0.113.7=2026-01-01T00:00:00Z",
            want_removed: vec![],
        },
        Case {
            name: "grace over: removed and forgotten",
            departed: "203.0.113.7=2026-01-01T00:00:00Z",
            now: "2026-01-01T00:10:00Z",
            want_status: Status::Drift,
            want_items: vec![Item::Existing(1)],
            want_departed: "",
            want_removed: vec![ip("203.0.113.7")],
        },
    ];
    for case in cases {
        let e = entry(&["203.0.113.7/32", "203.0.113.8/32"], case.departed);
        let p = plan(&e, &answer(&["203.0.113.8"]), at(case.now), settings());
        assert_eq!(p.status, case.want_status, "{}", case.name);
        assert_eq!(p.items, case.want_items, "{}", case.name);
        assert_eq!(p.departed.to_string(), case.want_departed, "{}", case.name);
        assert_eq!(p.removed, case.want_removed, "{}", case.name);
    }
    let e = entry(&["203.0.113.7/32", "203.0.113.8/32"], "");
    let p = plan(&e, &answer(&["203.0.113.8"]), at(T0), settings());
    assert_eq!(
        p.draining,
        [(ip("203.0.113.7"), at("2026-01-01T00:10:00Z"))]
    );
    assert_eq!(p.next_deadline(), Some(at("2026-01-01T00:10:00Z")));
}

#[test]
fn zero_grace_removes_at_once_and_a_returning_address_is_unrecorded() {
    let e = entry(&["203.0.113.7/32", "203.0.113.8/32"], "");
    let now = Settings {
        grace: Duration::ZERO,
        allow_empty: false,
        ..Settings::default()
    };
    let p = plan(&e, &answer(&["203.0.113.8"]), at(T0), now);
    assert_eq!(p.removed, [ip("203.0.113.7")]);
    assert_eq!(p.items, [Item::Existing(1)]);

    let e = entry(
        &["203.0.113.7/32", "203.0.113.8/32"],
        "203.0.113.7=2026-01-01T00:00:00Z",
    );
    let p = plan(
        &e,
        &answer(&["203.0.113.7", "203.0.113.8"]),
        at(T0),
        settings(),
    );
    assert_eq!(p.status, Status::Drift, "the record must be cleared");
    assert_eq!(p.returned, [ip("203.0.113.7")]);
    assert!(p.departed.is_empty());
    assert!(!p.changes_addresses());
}

#[test]
fn fail_static_failures_and_empty_answers_change_nothing() {
    let e = entry(&["203.0.113.7/32"], "203.0.113.7=2025-01-01T00:00:00Z");
    let timeout = Err(DnsError::Timeout {
        name: "db.example.com".into(),
        timeout: Duration::from_secs(2),
        server: "127.0.0.1:53 (udp)".into(),
    });
    let servfail = Err(DnsError::Server {
        name: "db.example.com".into(),
        server: "127.0.0.1:53 (udp)".into(),
        reason: "SERVFAIL".into(),
    });
    let nxdomain = Err(DnsError::NxDomain {
        name: "db.example.com".into(),
    });
    for failure in [&timeout, &servfail] {
        let p = plan(&e, failure, at(T0), settings());
        assert!(matches!(p.status, Status::Unverified(_)), "{:?}", p.status);
        assert_eq!(p.items, [Item::Existing(0)]);
        assert_eq!(p.departed, e.departed);
    }
    let p = plan(&e, &nxdomain, at(T0), settings());
    assert!(matches!(p.status, Status::HeldEmpty(_)), "{:?}", p.status);
    assert_eq!(p.items, [Item::Existing(0)]);
    // --allow-empty lets the grace period run, but never down to an empty list.
    let allow = Settings {
        grace: GRACE,
        allow_empty: true,
        ..Settings::default()
    };
    let p = plan(&e, &nxdomain, at(T0), allow);
    assert_eq!(p.status, Status::HeldLast);
    assert_eq!(p.items, [Item::Existing(0)]);
    let two = entry(
        &["203.0.113.7/32", "198.51.100.0/24"],
        "203.0.113.7=2025-01-01T00:00:00Z",
    );
    let p = plan(&two, &nxdomain, at(T0), allow);
    assert_eq!(p.status, Status::Drift);
    assert_eq!(p.items, [Item::Existing(1)]);
}

#[test]
fn cidr_blocks_are_kept_and_cover_answers() {
    let e = entry(&["198.51.100.0/24", "203.0.113.7/32"], "");
    let p = plan(&e, &answer(&["198.51.100.5"]), at(T0), settings());
    assert!(p.added.is_empty());
    assert_eq!(p.items, [Item::Existing(0), Item::Existing(1)]);
    assert_eq!(p.departed.to_string(), "203.0.113.7=2026-01-01T00:00:00Z");
}

#[test]
fn a_failed_family_is_not_read_as_gone() {
    // The A query answered; the AAAA query timed out. The pinned IPv6 address was not seen
    // gone, so nothing may start draining it.
    let entry = entry(&["203.0.113.7/32", "2001:db8::7/128"], "");
    let mut partial = answer(&["203.0.113.7"]);
    if let Ok(lookup) = &mut partial {
        lookup.incomplete = Some((AddressFamily::IPv6, "timed out".into()));
    }
    let plan = plan_of(&entry, &partial);
    assert!(
        plan.draining.is_empty() && plan.removed.is_empty(),
        "{plan:?}"
    );
    // The family that answered is still kept true: a new IPv4 address is added.
    let mut moved = answer(&["203.0.113.8"]);
    if let Ok(lookup) = &mut moved {
        lookup.incomplete = Some((AddressFamily::IPv6, "timed out".into()));
    }
    let plan = plan_of(&entry, &moved);
    assert_eq!(plan.added, [ip("203.0.113.8")], "{plan:?}");
    assert!(
        plan.draining.iter().all(|(ip, _)| ip.is_ipv4()),
        "only the answered family drains: {plan:?}"
    );
    // The same answer, complete, would start the IPv6 address's grace period.
    let whole = plan_of(&entry, &answer(&["203.0.113.7"]));
    assert_eq!(whole.draining.len(), 1, "{:?}", whole.draining);
}

fn plan_of(entry: &Managed, answer: &Result<Lookup, DnsError>) -> Plan {
    plan(entry, answer, at("2026-01-01T00:00:00Z"), settings())
}

#[test]
fn answers_in_refused_classes_change_nothing() {
    let e = entry(&["203.0.113.7/32"], "");
    for answered in [
        &["0.0.0.0"][..],
        &["::"][..],
        &["169.254.169.254"][..],
        &["::ffff:169.254.169.254"][..],
        &["127.0.0.1"][..],
        &["203.0.113.7", "224.0.0.1"][..],
        &["255.255.255.255"][..],
    ] {
        let p = plan(&e, &answer(answered), at(T0), settings());
        assert!(
            matches!(&p.status, Status::Refused(PinError::Answered { .. })),
            "{answered:?}: {:?}",
            p.status
        );
        assert_eq!(p.items, [Item::Existing(0)], "{answered:?}");
        assert_eq!(p.departed, e.departed);
        assert!(!p.changes_addresses());
    }
    let allow = Settings {
        allowed: AllowedClasses::parse_list("link-local").expect("class"),
        ..settings()
    };
    let p = plan(
        &e,
        &answer(&["203.0.113.7", "169.254.169.254"]),
        at(T0),
        allow,
    );
    assert_eq!(p.status, Status::Drift);
    assert_eq!(
        p.record_allowed.map(|a| a.to_string()),
        Some("link-local".into())
    );
}

#[test]
fn a_move_between_public_and_private_space_is_held_unless_allowed() {
    let e = entry(&["203.0.113.7/32"], "");
    let p = plan(&e, &answer(&["10.0.0.7"]), at(T0), settings());
    assert!(
        matches!(&p.status, Status::Refused(PinError::ClassChange { .. })),
        "{:?}",
        p.status
    );
    assert_eq!(p.items, [Item::Existing(0)]);
    assert_eq!(p.departed, e.departed, "not even the departure is recorded");
    let allow = Settings {
        allow_class_change: true,
        ..settings()
    };
    let p = plan(&e, &answer(&["10.0.0.7"]), at(T0), allow);
    assert_eq!(p.status, Status::Drift);
    assert_eq!(p.added, [ip("10.0.0.7")]);
    let private = entry(&["10.0.0.6/32"], "");
    let p = plan(&private, &answer(&["10.0.0.7"]), at(T0), settings());
    assert_eq!(p.status, Status::Drift);
}

#[test]
fn more_addresses_than_an_entry_holds_change_nothing() {
    let e = entry(&["192.0.2.0/32"], "");
    let pool: Vec<String> = (0..500_u32)
        .map(|i| {
            let [_, _, high, low] = i.to_be_bytes();
            format!("{}.{low}", if high == 0 { "192.0.2" } else { "198.51.100" })
        })
        .collect();
    let refs: Vec<&str> = pool.iter().map(String::as_str).collect();
    let p = plan(&e, &answer(&refs), at(T0), settings());
    assert!(
        matches!(
            &p.status,
            Status::Refused(PinError::TooMany { count: 500, .. })
        ),
        "{:?}",
        p.status
    );
    assert_eq!(p.items, [Item::Existing(0)]);
    // The answer fits, but with the addresses still draining the list would not.
    let draining: Vec<String> = (0..200).map(|i| format!("198.51.100.{i}/32")).collect();
    let refs: Vec<&str> = draining.iter().map(String::as_str).collect();
    let e = entry(&refs, "");
    let fresh: Vec<String> = (0..100).map(|i| format!("192.0.2.{i}")).collect();
    let refs: Vec<&str> = fresh.iter().map(String::as_str).collect();
    let p = plan(&e, &answer(&refs), at(T0), settings());
    assert!(
        matches!(
            &p.status,
            Status::Refused(PinError::TooMany { count: 300, .. })
        ),
        "{:?}",
        p.status
    );
}
