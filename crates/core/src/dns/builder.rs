//! [`Lookup`] answers built in one expression, for whatever consumes an answer without asking a
//! server (`sync` plans, drift, the DNS rules, and their tests):
//! `Lookup::builder("db.example.com").address("203.0.113.8", 60).build()`.

use std::net::IpAddr;

use super::records::{Address, AddressFamily, CnameLink, Lookup};

impl Lookup {
    /// Starts an answer for `name`: no CNAME chain, no addresses, nameserver `test`.
    pub fn builder(name: &str) -> LookupBuilder {
        LookupBuilder {
            name: name.to_owned(),
            chain: Vec::new(),
            addresses: Vec::new(),
            nameserver: "test".to_owned(),
        }
    }
}

/// An answer under construction; [`LookupBuilder::build`] derives the canonical name and the
/// smallest TTL as the resolver does.
#[derive(Debug, Clone)]
#[must_use]
pub struct LookupBuilder {
    name: String,
    chain: Vec<CnameLink>,
    addresses: Vec<Address>,
    nameserver: String,
}

impl LookupBuilder {
    /// Appends a CNAME hop; the last hop's target becomes the canonical name.
    pub fn cname(mut self, alias: &str, target: &str, ttl: u32) -> Self {
        self.chain.push(CnameLink {
            name: alias.to_owned(),
            target: target.to_owned(),
            ttl,
        });
        self
    }

    /// Appends one address record, in the order given (callers choose the order they assert).
    ///
    /// # Panics
    ///
    /// If `ip` is not an IP address: the builder is for answers written in code, where that is
    /// a typo, never for input.
    pub fn address(mut self, ip: &str, ttl: u32) -> Self {
        let ip: IpAddr = ip.parse().expect("an IP address literal");
        self.addresses.push(Address {
            ip,
            family: AddressFamily::of(ip),
            ttl,
        });
        self
    }

    /// Appends one record per address, all with `ttl`.
    pub fn addresses(self, ips: &[&str], ttl: u32) -> Self {
        ips.iter().fold(self, |this, ip| this.address(ip, ttl))
    }

    /// Names who answered (`test` unless set).
    pub fn nameserver(mut self, nameserver: &str) -> Self {
        nameserver.clone_into(&mut self.nameserver);
        self
    }

    /// The finished answer: complete (both families answered).
    #[must_use]
    pub fn build(self) -> Lookup {
        Lookup {
            canonical_name: self
                .chain
                .last()
                .map_or_else(|| self.name.clone(), |link| link.target.clone()),
            name: self.name,
            cname_chain: self.chain,
            min_ttl: self.addresses.iter().map(|a| a.ttl).min(),
            addresses: self.addresses,
            nameserver: self.nameserver,
            incomplete: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_name_is_the_last_hop_and_the_ttl_the_smallest() {
        let answer = Lookup::builder("db.example.com")
            .cname("db.example.com", "edge.example.com", 60)
            .addresses(&["203.0.113.8", "2001:db8::8"], 30)
            .address("203.0.113.9", 5)
            .build();
        assert_eq!(answer.canonical_name, "edge.example.com");
        assert_eq!(answer.min_ttl, Some(5));
        assert_eq!(answer.addresses.len(), 3);
        assert_eq!(
            answer.addresses[1].family,
            AddressFamily::of("2001:db8::8".parse().expect("ip"))
        );
        assert_eq!(
            Lookup::builder("a.example.com").build().canonical_name,
            "a.example.com"
        );
        assert_eq!(Lookup::builder("a.example.com").build().min_ttl, None);
    }
}
