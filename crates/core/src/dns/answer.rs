//! Turning hickory's answers and errors into a [`Lookup`] or a [`DnsError`]:
//! merging the A and AAAA results, reading the CNAME chain, classifying failures.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::lookup::Lookup as RawLookup;
use hickory_resolver::net::{DnsError as RawDnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use super::error::{DnsError, NO_CONNECTION};
use super::records::{Address, AddressFamily, CnameLink, Lookup};

/// Longest CNAME chain that is followed when reconstructing the chain from an answer.
const MAX_CNAME_HOPS: usize = 16;

/// What a lookup was about, for building results and errors.
pub(super) struct AnswerContext<'a> {
    pub(super) display_name: &'a str,
    pub(super) qname: &'a Name,
    pub(super) server: &'a str,
    pub(super) timeout: Duration,
}

/// How one family's query ended when it produced no address.
pub(super) enum Miss {
    /// NXDOMAIN.
    NxDomain,
    /// NOERROR without addresses of this family.
    NoData,
    /// Any failure to get an answer.
    Failed(DnsError),
}

/// Merges the A and AAAA outcomes: any addresses win; otherwise NXDOMAIN, then
/// failures, then "no records".
pub(super) fn combine(
    ctx: &AnswerContext<'_>,
    v4: Result<RawLookup, NetError>,
    v6: Result<RawLookup, NetError>,
) -> Result<Lookup, DnsError> {
    let v4 = v4.map_err(|err| classify(ctx, &err));
    let v6 = v6.map_err(|err| classify(ctx, &err));

    let mut found = BTreeMap::new();
    for (result, record_type) in [(&v4, RecordType::A), (&v6, RecordType::AAAA)] {
        let Ok(answer) = result else { continue };
        for record in answer
            .answers()
            .iter()
            .filter(|r| r.record_type() == record_type)
        {
            if let Some(ip) = record.data.ip_addr() {
                found
                    .entry((AddressFamily::of(ip), ip))
                    .and_modify(|ttl: &mut u32| *ttl = (*ttl).min(record.ttl))
                    .or_insert(record.ttl);
            }
        }
    }

    if found.is_empty() {
        let misses = [v4, v6].map(|result| match result {
            Ok(_) => Miss::NoData,
            Err(miss) => miss,
        });
        if misses.iter().any(|m| matches!(m, Miss::NxDomain)) {
            return Err(DnsError::NxDomain {
                name: ctx.display_name.to_owned(),
            });
        }
        for miss in misses {
            if let Miss::Failed(err) = miss {
                return Err(err);
            }
        }
        return Err(DnsError::NoRecords {
            name: ctx.display_name.to_owned(),
        });
    }

    // One family answered; a failure of the other (timeout, SERVFAIL) is part of the answer.
    let incomplete = [(&v4, AddressFamily::IPv4), (&v6, AddressFamily::IPv6)]
        .into_iter()
        .find_map(|(result, family)| match result {
            Err(Miss::Failed(err)) => Some((family, err.to_string())),
            _ => None,
        });

    // The chain is the same for both families: take the A answer's unless only AAAA has one.
    let chains: Vec<_> = [&v4, &v6]
        .into_iter()
        .filter_map(|r| r.as_ref().ok().map(cname_chain))
        .collect();
    let (chain, resolved_name) = chains
        .iter()
        .find(|(chain, _)| !chain.is_empty())
        .or_else(|| chains.first())
        .cloned()
        .unwrap_or_else(|| (Vec::new(), ctx.qname.clone()));

    let canonical_name = match chain.last() {
        Some(last) => last.target.clone(),
        None if same_name(&resolved_name, ctx.qname) => ctx.display_name.to_owned(),
        None => display(&resolved_name),
    };

    let addresses = into_addresses(found);
    let min_ttl = addresses.iter().map(|a| a.ttl).min();
    Ok(Lookup {
        name: ctx.display_name.to_owned(),
        canonical_name,
        cname_chain: chain,
        addresses,
        min_ttl,
        nameserver: ctx.server.to_owned(),
        incomplete,
    })
}

/// Maps a resolver error for one family onto the module's error classes.
pub(super) fn classify(ctx: &AnswerContext<'_>, err: &NetError) -> Miss {
    let server_error = |reason: String| {
        Miss::Failed(DnsError::Server {
            name: ctx.display_name.to_owned(),
            server: ctx.server.to_owned(),
            reason,
        })
    };
    match err {
        NetError::Dns(RawDnsError::NoRecordsFound(NoRecords { response_code, .. })) => {
            match *response_code {
                ResponseCode::NXDomain => Miss::NxDomain,
                ResponseCode::NoError => Miss::NoData,
                code => server_error(rcode_label(code)),
            }
        }
        NetError::Dns(RawDnsError::ResponseCode(code)) => server_error(rcode_label(*code)),
        NetError::Timeout => Miss::Failed(DnsError::Timeout {
            name: ctx.display_name.to_owned(),
            timeout: ctx.timeout,
            server: ctx.server.to_owned(),
        }),
        NetError::Io(io) => server_error(io.kind().to_string()),
        NetError::NoConnections => server_error(NO_CONNECTION.to_owned()),
        other => server_error(other.to_string()),
    }
}

/// `SERVFAIL`, `REFUSED`, ... as `dig` prints them.
pub(super) fn rcode_label(code: ResponseCode) -> String {
    let label = match code {
        ResponseCode::NoError => "NOERROR",
        ResponseCode::FormErr => "FORMERR",
        ResponseCode::ServFail => "SERVFAIL",
        ResponseCode::NXDomain => "NXDOMAIN",
        ResponseCode::NotImp => "NOTIMP",
        ResponseCode::Refused => "REFUSED",
        ResponseCode::NotAuth => "NOTAUTH",
        other => return format!("response code {}", u16::from(other)),
    };
    label.to_owned()
}

/// Follows the CNAME records of `answer` from its query name, returning the hops
/// and the name the chain ends at.
pub(super) fn cname_chain(answer: &RawLookup) -> (Vec<CnameLink>, Name) {
    let mut current = answer.query().name().clone();
    let mut chain = Vec::new();
    while chain.len() < MAX_CNAME_HOPS {
        let hop = answer.answers().iter().find_map(|r| match &r.data {
            RData::CNAME(target) if same_name(&r.name, &current) => Some((target.0.clone(), r.ttl)),
            _ => None,
        });
        let Some((target, ttl)) = hop else { break };
        if chain
            .iter()
            .any(|link: &CnameLink| link.name == display(&target))
        {
            break; // a loop: stop rather than spin
        }
        chain.push(CnameLink {
            name: display(&current),
            target: display(&target),
            ttl,
        });
        current = target;
    }
    (chain, current)
}

/// Case-insensitive name comparison that ignores whether either side is fully qualified.
pub(super) fn same_name(a: &Name, b: &Name) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fqdn(true);
    b.set_fqdn(true);
    a == b
}

/// ASCII form of a name without the trailing dot.
pub(super) fn display(name: &Name) -> String {
    let ascii = name.to_ascii();
    ascii.strip_suffix('.').unwrap_or(&ascii).to_owned()
}

pub(super) fn into_addresses(found: BTreeMap<(AddressFamily, IpAddr), u32>) -> Vec<Address> {
    found
        .into_iter()
        .map(|((family, ip), ttl)| Address { ip, family, ttl })
        .collect()
}
