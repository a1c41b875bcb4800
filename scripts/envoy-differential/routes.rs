//! The routing kinds a generated configuration may also hold: Kubernetes Services (ClusterIP,
//! headless with EndpointSlices or Endpoints, ExternalName), VirtualServices bound to the mesh
//! gateway (tcp routes with and without matches, destination subnets, port, source label and
//! source namespace predicates, weighted destinations, destinations the sidecar has no cluster
//! for; tls routes on SNI names) and DestinationRules (subsets, every TLS mode, tunnels,
//! `exportTo`, namespaces).
//!
//! Hosts come from the entries already drawn and the Services drawn here, plus names nothing
//! declares, so routes land on real services as well as on missing clusters. Draws go through
//! the same seeded source as the rest; only a run that asks for these kinds makes them.

use serde_json::{Value, json};

use crate::pools::{CIDRS, EXACT, NAMESPACE, PORTS};
use crate::rng::Rng;

const NAMESPACES: [&str; 4] = [NAMESPACE, NAMESPACE, "shared", "team-b"];
const SERVICE_NAMES: [&str; 4] = ["mysql", "pg", "cache", "api"];
/// Service VIPs: some equal entry addresses of the pools, so Services and entries collide.
const CLUSTER_IPS: [&str; 6] = [
    "192.0.2.20",
    "192.0.2.21",
    "198.51.100.10",
    "203.0.113.40",
    "2001:db8:1::10",
    "2001:db8:5::20",
];
/// Pod IPs of Service endpoints (headless Services listen on them).
const POD_IPS: [&str; 4] = [
    "203.0.113.60",
    "203.0.113.61",
    "198.51.100.70",
    "198.51.100.10",
];
/// Service port names and `appProtocol`s: each picks a protocol the way Istio's conversion does.
const PORT_NAMES: [&str; 8] = [
    "tcp-db", "tls", "mysql", "http", "", "redis", "mongo", "grpc-x",
];
const APP_PROTOCOLS: [&str; 4] = ["tcp", "tls", "http", "mysql"];
/// Names no entry or Service declares: routes to them name a missing cluster.
const UNKNOWN_HOSTS: [&str; 2] = ["nowhere.example.com", "gone.shared.svc.cluster.local"];
const SUBSETS: [&str; 3] = ["v1", "v2", "v9"];
/// Subsets routes name: mostly ones rules declare, sometimes one no rule does.
const ROUTE_SUBSETS: [&str; 5] = ["v1", "v2", "v1", "v2", "v9"];

/// A host a route or rule may name, with a port it has (if known).
#[derive(Clone)]
struct Known {
    host: String,
    namespace: String,
    ports: Vec<u16>,
}

/// Appends Services, VirtualServices and DestinationRules to `docs`, with class tags.
pub(crate) fn draw(rng: &mut Rng, docs: &mut Vec<Value>, tags: &mut Vec<String>) {
    label_endpoints(docs);
    let mut known = entry_hosts(docs);
    for i in 0..rng.below(3) {
        let (service, mut extra, host) = service(rng, i, tags);
        docs.push(service);
        docs.append(&mut extra);
        known.push(host);
    }
    // One host drawn four times as often, so rules and routes meet on it.
    if !known.is_empty() {
        let focus = known[rng.below(known.len())].clone();
        known.extend([focus.clone(), focus.clone(), focus]);
    }
    for i in 0..rng.below(3) {
        docs.push(destination_rule(rng, i, &known, tags));
    }
    for i in 0..=rng.below(2) {
        docs.push(virtual_service(rng, i, &known, tags));
    }
}

/// Gives the entries' endpoints `version` labels (v1, v2 in turn), so subsets select some.
fn label_endpoints(docs: &mut [Value]) {
    for doc in docs.iter_mut().filter(|d| d["kind"] == "ServiceEntry") {
        if let Some(endpoints) = doc["spec"]["endpoints"].as_array_mut() {
            for (n, endpoint) in endpoints.iter_mut().enumerate() {
                endpoint["labels"] = json!({ "version": SUBSETS[n % 2] });
            }
        }
    }
}

fn entry_hosts(docs: &[Value]) -> Vec<Known> {
    let mut known = Vec::new();
    for doc in docs.iter().filter(|d| d["kind"] == "ServiceEntry") {
        let ports: Vec<u16> = doc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["number"].as_u64())
            .filter_map(|n| u16::try_from(n).ok())
            .collect();
        for host in doc["spec"]["hosts"].as_array().into_iter().flatten() {
            if let Some(host) = host.as_str() {
                known.push(Known {
                    host: host.to_owned(),
                    namespace: doc["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or(NAMESPACE)
                        .to_owned(),
                    ports: ports.clone(),
                });
            }
        }
    }
    known
}

/// One Service and its endpoints (an EndpointSlice, or the older Endpoints).
fn service(rng: &mut Rng, i: usize, tags: &mut Vec<String>) -> (Value, Vec<Value>, Known) {
    let name = format!("{}-{i}", rng.pick(&SERVICE_NAMES));
    let namespace = *rng.pick(&NAMESPACES);
    let shape = rng.below(10);
    let mut ports = Vec::new();
    let mut numbers = Vec::new();
    for _ in 0..=rng.below(2) {
        let number = *rng.pick(&PORTS);
        if numbers.contains(&number) {
            continue;
        }
        numbers.push(number);
        let port_name = *rng.pick(&PORT_NAMES);
        let mut port = json!({ "port": number, "protocol": "TCP" });
        if !port_name.is_empty() {
            port["name"] = json!(format!("{port_name}-{number}"));
        }
        if rng.chance(15) {
            port["appProtocol"] = json!(*rng.pick(&APP_PROTOCOLS));
        }
        ports.push(port);
    }
    let mut spec = json!({ "ports": ports });
    let kind = match shape {
        0..=4 => {
            spec["clusterIP"] = json!(*rng.pick(&CLUSTER_IPS));
            "service:clusterip"
        }
        5..=7 => {
            spec["clusterIP"] = json!("None");
            "service:headless"
        }
        _ => {
            spec["type"] = json!("ExternalName");
            spec["externalName"] = json!("db.example.com");
            "service:externalname"
        }
    };
    tags.push(kind.into());
    let mut metadata = json!({ "name": name, "namespace": namespace });
    if rng.chance(20) {
        let export = *rng.pick(&[".", "*", "team-b"]);
        metadata["annotations"] = json!({ "networking.istio.io/exportTo": export });
        tags.push("service:exportTo".into());
    }
    let mut extra = Vec::new();
    let pods: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(&POD_IPS)).collect();
    if kind != "service:externalname" && !pods.is_empty() {
        let slice_ports: Vec<Value> = ports
            .iter()
            .map(|p| {
                let mut port = json!({ "port": p["port"], "protocol": "TCP" });
                if let Some(name) = p.get("name") {
                    port["name"] = name.clone();
                }
                port
            })
            .collect();
        if rng.chance(75) {
            extra.push(json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": format!("{name}-abc"),
                    "namespace": namespace,
                    "labels": { "kubernetes.io/service-name": name },
                },
                "addressType": "IPv4",
                "endpoints": pods.iter().map(|ip| json!({
                    "addresses": [ip],
                    "conditions": { "ready": true },
                })).collect::<Vec<_>>(),
                "ports": slice_ports,
            }));
        } else {
            extra.push(json!({
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": { "name": name, "namespace": namespace },
                "subsets": [{
                    "addresses": pods.iter().map(|ip| json!({ "ip": ip })).collect::<Vec<_>>(),
                    "ports": slice_ports,
                }],
            }));
        }
        tags.push("service:endpoints".into());
    }
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": spec,
    });
    let known = Known {
        host: format!("{name}.{namespace}.svc.cluster.local"),
        namespace: namespace.into(),
        ports: numbers,
    };
    (doc, extra, known)
}

/// A host to name: mostly a declared one, sometimes one nothing declares.
fn pick_host<'k>(rng: &mut Rng, known: &'k [Known]) -> (String, Option<&'k Known>) {
    if known.is_empty() || rng.chance(12) {
        return ((*rng.pick(&UNKNOWN_HOSTS)).to_owned(), None);
    }
    let k = rng.pick(known);
    (k.host.clone(), Some(k))
}

fn tls_policy(rng: &mut Rng, tags: &mut Vec<String>) -> Value {
    let mode = *rng.pick(&["DISABLE", "SIMPLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]);
    tags.push(format!("dr:tls-{mode}"));
    let mut tls = json!({ "mode": mode });
    if mode == "MUTUAL" {
        tls["credentialName"] = json!("client-cert");
    }
    if matches!(mode, "SIMPLE" | "MUTUAL") && rng.chance(50) {
        tls["sni"] = json!("upstream.example.com");
    }
    tls
}

fn destination_rule(rng: &mut Rng, i: usize, known: &[Known], tags: &mut Vec<String>) -> Value {
    let (host, of) = pick_host(rng, known);
    let namespace = match of {
        Some(k) if rng.chance(50) => k.namespace.clone(),
        _ => (*rng.pick(&NAMESPACES)).to_owned(),
    };
    let mut spec = json!({ "host": host });
    let mut policy = serde_json::Map::new();
    if rng.chance(60) {
        policy.insert("tls".into(), tls_policy(rng, tags));
    }
    if rng.chance(30) {
        let port = of.and_then(|k| k.ports.first().copied()).unwrap_or(443);
        policy.insert(
            "tunnel".into(),
            json!({ "targetHost": "198.51.100.5", "targetPort": port }),
        );
        tags.push("dr:tunnel".into());
    }
    if !policy.is_empty() {
        spec["trafficPolicy"] = Value::Object(policy);
    }
    if rng.chance(60) {
        let mut subsets = Vec::new();
        for name in &SUBSETS[..=rng.below(2)] {
            let mut subset = json!({ "name": name, "labels": { "version": name } });
            if rng.chance(25) {
                subset["trafficPolicy"] = json!({ "tls": tls_policy(rng, tags) });
            }
            subsets.push(subset);
        }
        spec["subsets"] = json!(subsets);
        tags.push("dr:subsets".into());
    }
    if rng.chance(20) {
        spec["exportTo"] = rng
            .pick(&[json!(["."]), json!(["*"]), json!(["team-b"])])
            .clone();
        tags.push("dr:exportTo".into());
    }
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": { "name": format!("dr-{i}"), "namespace": namespace },
        "spec": spec,
    })
}

/// One route's destinations: one, or two with weights summing to 100 (one may weigh 0).
fn destinations(rng: &mut Rng, host: &str, known: &[Known], tags: &mut Vec<String>) -> Value {
    let target = |rng: &mut Rng, tags: &mut Vec<String>| {
        let (name, _) = if rng.chance(80) {
            (host.to_owned(), None)
        } else {
            pick_host(rng, known)
        };
        let mut destination = json!({ "host": name });
        if rng.chance(40) {
            destination["subset"] = json!(*rng.pick(&ROUTE_SUBSETS));
            tags.push("vs:subset".into());
        }
        if rng.chance(15) {
            destination["port"] = json!({ "number": *rng.pick(&PORTS) });
        }
        destination
    };
    if rng.chance(65) {
        return json!([{ "destination": target(rng, tags) }]);
    }
    tags.push("vs:weighted".into());
    let first = *rng.pick(&[0u32, 30, 50, 80, 100]);
    json!([
        { "destination": target(rng, tags), "weight": first },
        { "destination": target(rng, tags), "weight": 100 - first },
    ])
}

fn virtual_service(rng: &mut Rng, i: usize, known: &[Known], tags: &mut Vec<String>) -> Value {
    let (host, of) = pick_host(rng, known);
    let namespace = *rng.pick(&NAMESPACES);
    let mut spec = json!({ "hosts": [host] });
    let port_of = |rng: &mut Rng| {
        of.and_then(|k| (!k.ports.is_empty()).then(|| *rng.pick(&k.ports)))
            .unwrap_or(*rng.pick(&PORTS))
    };
    if rng.chance(75) {
        let mut routes = Vec::new();
        for _ in 0..=rng.below(2) {
            let mut route = json!({ "route": destinations(rng, &host, known, tags) });
            if rng.chance(60) {
                let mut matched = serde_json::Map::new();
                match rng.below(5) {
                    0 | 1 => {
                        let net = if rng.chance(50) {
                            *rng.pick(&CIDRS)
                        } else {
                            *rng.pick(&EXACT)
                        };
                        matched.insert("destinationSubnets".into(), json!([net]));
                        tags.push("vs:subnets".into());
                    }
                    2 => {
                        matched.insert("port".into(), json!(port_of(rng)));
                        tags.push("vs:port".into());
                    }
                    3 => {
                        matched.insert(
                            "sourceNamespace".into(),
                            json!(*rng.pick(&[NAMESPACE, "team-b"])),
                        );
                        tags.push("vs:sourceNamespace".into());
                    }
                    _ => {
                        matched.insert("sourceLabels".into(), json!({ "app": "batch" }));
                        tags.push("vs:sourceLabels".into());
                    }
                }
                route["match"] = json!([Value::Object(matched)]);
            }
            routes.push(route);
        }
        spec["tcp"] = json!(routes);
        tags.push("vs:tcp".into());
    }
    if spec.get("tcp").is_none() || rng.chance(25) {
        let sni = if host.starts_with('*') || rng.chance(30) {
            format!("x1.{}", host.trim_start_matches("*."))
        } else {
            host.clone()
        };
        let mut matched = json!({ "sniHosts": [sni] });
        if rng.chance(25) {
            matched["port"] = json!(port_of(rng));
        }
        spec["tls"] = json!([{
            "match": [matched],
            "route": destinations(rng, &host, known, tags),
        }]);
        tags.push("vs:tls".into());
    }
    if rng.chance(15) {
        spec["exportTo"] = rng
            .pick(&[json!(["."]), json!(["*"]), json!(["team-b"])])
            .clone();
        tags.push("vs:exportTo".into());
    }
    if rng.chance(10) {
        spec["gateways"] = rng.pick(&[json!(["mesh"]), json!(["edge-gw"])]).clone();
        tags.push("vs:gateways".into());
    }
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": { "name": format!("vs-{i}"), "namespace": namespace },
        "spec": spec,
    })
}
