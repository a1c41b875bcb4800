//! What meshctl agrees to pin: the screen between a DNS answer (or `--address`) and the
//! `spec.addresses` of an entry that `gen serviceentry` writes and `sync` keeps true.
//!
//! A pinned address opens the entry's ports to it, so an answer is refused whole when it holds
//! an address of a class no egress entry should pin ([`AddressClass::refused_by_default`]:
//! the pod itself, the metadata service, group addresses, a DNS filter's `0.0.0.0` "blocked"
//! answer), unless that class is allowed — by flag, or by the entry's own
//! [`ALLOWED_ANNOTATION`], which records the choice where a reviewer sees it. An answer longer
//! than the CRD's `maxItems` is refused too: a partial list would silently drop addresses, and
//! the full one is a file the API server rejects. `sync` adds one more guard
//! ([`class_change`]): it never moves an entry between private and public space on its own,
//! the shape of a DNS rebinding attack.

use std::fmt;
use std::net::IpAddr;

use crate::address_class::{AddressClass, UnknownClass, describe};
use crate::schema::MAX_ADDRESSES;

/// The annotation that records which refused classes an entry pins on purpose:
/// `meshctl.dev/allowed-address-classes: link-local`.
pub const ALLOWED_ANNOTATION: &str = "meshctl.dev/allowed-address-classes";

/// Most addresses one entry may pin (the ServiceEntry CRD's `maxItems` for `addresses`).
pub const ADDRESS_LIMIT: usize = MAX_ADDRESSES;

/// A set of address classes, e.g. the ones `--allow-address-class` allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AllowedClasses(u8);

impl AllowedClasses {
    /// No class.
    pub const NONE: AllowedClasses = AllowedClasses(0);

    fn bit(class: AddressClass) -> u8 {
        1 << (class as u8)
    }

    /// True when `class` is in the set.
    #[must_use]
    pub fn contains(self, class: AddressClass) -> bool {
        self.0 & Self::bit(class) != 0
    }

    /// Adds `class`.
    pub fn insert(&mut self, class: AddressClass) {
        self.0 |= Self::bit(class);
    }

    /// Both sets together.
    #[must_use]
    pub fn union(self, other: AllowedClasses) -> AllowedClasses {
        AllowedClasses(self.0 | other.0)
    }

    /// True when the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The classes, in [`AddressClass::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = AddressClass> {
        AddressClass::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }

    /// Reads a comma (or space) separated list: `link-local, loopback`.
    ///
    /// # Errors
    /// [`UnknownClass`] for the first name that is not a class.
    pub fn parse_list(text: &str) -> Result<AllowedClasses, UnknownClass> {
        let mut set = AllowedClasses::NONE;
        for name in text.split([',', ' ']).filter(|n| !n.trim().is_empty()) {
            set.insert(name.parse()?);
        }
        Ok(set)
    }

    /// The refused classes among `ips` that this set lets through: what an entry pinning
    /// `ips` should record in [`ALLOWED_ANNOTATION`].
    #[must_use]
    pub fn used_by(self, ips: impl IntoIterator<Item = IpAddr>) -> AllowedClasses {
        let mut used = AllowedClasses::NONE;
        for class in ips.into_iter().map(AddressClass::of) {
            if class.refused_by_default() && self.contains(class) {
                used.insert(class);
            }
        }
        used
    }
}

impl fmt::Display for AllowedClasses {
    /// `link-local, loopback`: the annotation's value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(AddressClass::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

/// Why an answer (or a given address) is not pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// DNS answered an address of a refused class.
    #[error(
        "`{host}` answered `{ip}`, {}; refusing to pin it (allow with --allow-address-class {class})",
        describe(*ip)
    )]
    Answered {
        /// The name looked up.
        host: String,
        /// The first refused address.
        ip: IpAddr,
        /// Its class.
        class: AddressClass,
    },
    /// `--address` named an address (or a block) of a refused class.
    #[error(
        "`{host}`: --address `{address}` is {}; refusing to pin it (allow with --allow-address-class {class})",
        article(*class)
    )]
    Given {
        /// The entry's host.
        host: String,
        /// The address as given.
        address: String,
        /// Its class.
        class: AddressClass,
    },
    /// More addresses than `spec.addresses` may hold.
    #[error(
        "`{host}` answered {count} addresses, more than the {ADDRESS_LIMIT} a ServiceEntry's `addresses` may hold; refusing to pin a partial list (pin the provider's CIDR ranges with --address instead)"
    )]
    TooMany {
        /// The name looked up.
        host: String,
        /// How many addresses it answered (or the entry would pin).
        count: usize,
    },
    /// The answer moves the entry between private and public address space.
    #[error(
        "`{host}` moved from {from} to {to} address space (`{ip}` is {}); not followed without --allow-class-change (DNS rebinding guard)",
        describe(*ip)
    )]
    ClassChange {
        /// The name looked up.
        host: String,
        /// The space the entry pins now.
        from: AddressClass,
        /// The space of the new address.
        to: AddressClass,
        /// The first address in the new space.
        ip: IpAddr,
    },
}

impl PinError {
    /// A stable short name for metrics labels: `address-class`, `too-many`, `class-change`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            PinError::Answered { .. } | PinError::Given { .. } => "address-class",
            PinError::TooMany { .. } => "too-many",
            PinError::ClassChange { .. } => "class-change",
        }
    }
}

/// "a loopback address", "an unspecified address".
fn article(class: AddressClass) -> String {
    let a = if class == AddressClass::Unspecified {
        "an"
    } else {
        "a"
    };
    format!("{a} {class} address")
}

/// Checks a DNS answer for `host` before anything pins it: too long, or holding an address of
/// a refused class that `allowed` does not allow.
///
/// # Errors
/// [`PinError::TooMany`] or [`PinError::Answered`] (the first refused address).
pub fn screen_answer(host: &str, ips: &[IpAddr], allowed: AllowedClasses) -> Result<(), PinError> {
    if ips.len() > ADDRESS_LIMIT {
        return Err(PinError::TooMany {
            host: host.to_owned(),
            count: ips.len(),
        });
    }
    match ips
        .iter()
        .map(|ip| (*ip, AddressClass::of(*ip)))
        .find(|(_, class)| class.refused_by_default() && !allowed.contains(*class))
    {
        Some((ip, class)) => Err(PinError::Answered {
            host: host.to_owned(),
            ip,
            class,
        }),
        None => Ok(()),
    }
}

/// Checks an address the user gave for `host` (an IP or a CIDR block, as text and as parsed):
/// a block is refused when all of it lies in a refused class.
///
/// # Errors
/// [`PinError::Given`].
pub fn screen_given(
    host: &str,
    address: &str,
    net: ipnet::IpNet,
    allowed: AllowedClasses,
) -> Result<(), PinError> {
    match AddressClass::of_net(net) {
        Some(class) if class.refused_by_default() && !allowed.contains(class) => {
            Err(PinError::Given {
                host: host.to_owned(),
                address: address.to_owned(),
                class,
            })
        }
        _ => Ok(()),
    }
}

/// The DNS rebinding guard: the first of `added` that would move an entry pinning `pinned`
/// into the other of private and public space. An entry pinning neither (or both) has no
/// space to leave.
///
/// # Errors
/// [`PinError::ClassChange`].
pub fn class_change(
    host: &str,
    pinned: impl IntoIterator<Item = AddressClass>,
    added: &[IpAddr],
) -> Result<(), PinError> {
    let space = |class: AddressClass| {
        matches!(class, AddressClass::Private | AddressClass::Public).then_some(class)
    };
    let spaces: Vec<AddressClass> = pinned.into_iter().filter_map(space).collect();
    let Some(from) = spaces.first().copied() else {
        return Ok(());
    };
    if spaces.iter().any(|s| *s != from) {
        return Ok(());
    }
    match added.iter().find_map(|ip| {
        space(AddressClass::of(*ip))
            .filter(|to| *to != from)
            .map(|to| (*ip, to))
    }) {
        Some((ip, to)) => Err(PinError::ClassChange {
            host: host.to_owned(),
            from,
            to,
            ip,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().expect("ip")).collect()
    }

    #[test]
    fn refused_classes_are_refused_unless_allowed() {
        let none = AllowedClasses::NONE;
        for (answer, refused) in [
            (&["203.0.113.7", "2001:db8::7"][..], None),
            (&["10.0.0.7"][..], None),
            (
                &["203.0.113.7", "169.254.169.254"][..],
                Some("169.254.169.254"),
            ),
            (&["0.0.0.0"][..], Some("0.0.0.0")),
            (&["::"][..], Some("::")),
            (
                &["::ffff:169.254.169.254"][..],
                Some("::ffff:169.254.169.254"),
            ),
            (&["127.0.0.1", "::1"][..], Some("127.0.0.1")),
            (&["239.1.1.1"][..], Some("239.1.1.1")),
            (&["255.255.255.255"][..], Some("255.255.255.255")),
        ] {
            let got = screen_answer("db.example.com", &ips(answer), none).err();
            let want = refused.map(|ip| ip.parse::<IpAddr>().expect("ip"));
            assert_eq!(
                got.map(|e| match e {
                    PinError::Answered { ip, .. } => ip,
                    other => panic!("{other}"),
                }),
                want,
                "{answer:?}"
            );
        }
        let link_local = AllowedClasses::parse_list("link-local").expect("class");
        assert!(screen_answer("db.example.com", &ips(&["169.254.169.254"]), link_local).is_ok());
    }

    #[test]
    fn the_message_names_host_answer_class_and_flag() {
        let err = screen_answer(
            "db.example.com",
            &ips(&["169.254.169.254"]),
            AllowedClasses::NONE,
        )
        .expect_err("metadata");
        assert_eq!(
            err.to_string(),
            "`db.example.com` answered `169.254.169.254`, a link-local address (cloud metadata); refusing to pin it (allow with --allow-address-class link-local)"
        );
        let net = "127.0.0.0/8".parse().expect("net");
        let err = screen_given("db.example.com", "127.0.0.0/8", net, AllowedClasses::NONE)
            .expect_err("loopback");
        assert_eq!(
            err.to_string(),
            "`db.example.com`: --address `127.0.0.0/8` is a loopback address; refusing to pin it (allow with --allow-address-class loopback)"
        );
        let wide = "0.0.0.0/0".parse().expect("net");
        assert!(screen_given("db.example.com", "0.0.0.0/0", wide, AllowedClasses::NONE).is_ok());
    }

    #[test]
    fn more_than_the_crd_allows_is_refused() {
        let many: Vec<IpAddr> = (0..500_u32)
            .map(|i| {
                IpAddr::from([
                    198,
                    51,
                    u8::try_from(100 + i / 256).expect("octet"),
                    u8::try_from(i % 256).expect("octet"),
                ])
            })
            .collect();
        let err = screen_answer("pool.example.com", &many, AllowedClasses::NONE).expect_err("500");
        assert_eq!(err.kind(), "too-many");
        assert!(
            err.to_string()
                .contains("answered 500 addresses, more than the 256"),
            "{err}"
        );
        assert!(screen_answer("pool.example.com", &many[..256], AllowedClasses::NONE).is_ok());
    }

    #[test]
    fn the_rebinding_guard_keeps_an_entry_in_its_space() {
        use AddressClass::{LinkLocal, Private, Public};
        let host = "db.example.com";
        let err = class_change(host, [Public], &ips(&["10.0.0.7"])).expect_err("public→private");
        assert_eq!(
            err.to_string(),
            "`db.example.com` moved from public to private address space (`10.0.0.7` is a private address); not followed without --allow-class-change (DNS rebinding guard)"
        );
        assert!(class_change(host, [Private], &ips(&["203.0.113.7"])).is_err());
        assert!(class_change(host, [Public], &ips(&["203.0.113.8"])).is_ok());
        assert!(class_change(host, [Public, Private], &ips(&["10.0.0.7"])).is_ok());
        assert!(class_change(host, [LinkLocal], &ips(&["10.0.0.7"])).is_ok());
        assert!(class_change(host, [], &ips(&["10.0.0.7"])).is_ok());
    }

    #[test]
    fn allowed_sets_parse_print_and_report_what_was_used() {
        let set = AllowedClasses::parse_list("loopback,link-local  multicast").expect("list");
        assert_eq!(set.to_string(), "loopback, link-local, multicast");
        assert_eq!(AllowedClasses::parse_list(&set.to_string()), Ok(set));
        assert!(AllowedClasses::parse_list("metadata").is_err());
        let used = set.used_by(ips(&["169.254.169.254", "203.0.113.7"]));
        assert_eq!(used.to_string(), "link-local");
        assert!(set.used_by(ips(&["203.0.113.7"])).is_empty());
    }
}
