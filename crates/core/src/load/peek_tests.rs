//! The peek must never change what the loader finds: every case is loaded as it is now and with
//! every document built whole, and both must agree.

use std::fmt::Write as _;
use std::sync::Arc;

use super::super::node::Node;
use super::super::{Inputs, LoadOptions, classify, parse};
use super::Document;

/// Loads `text` with the peek (as `check` does) and with every document built whole.
fn both(text: &str) -> (Inputs, Inputs) {
    let name: Arc<str> = Arc::from("mem.yaml");
    let options = LoadOptions::default();
    let limits = options.limits;
    let run = |docs: Result<Vec<Document>, parse::ParseFailure>| {
        let mut inputs = Inputs::default();
        match docs {
            Ok(docs) => {
                for doc in docs {
                    classify::top_level(&name, doc, &options, &mut inputs);
                }
            }
            Err(failure) => inputs.problems.push(super::super::LoadProblem {
                kind: super::super::ProblemKind::Parse,
                origin: super::super::Origin {
                    path: name.clone(),
                    pos: failure.pos,
                },
                field: None,
                message: failure.message,
                resource: None,
            }),
        }
        inputs
    };
    let peeked = parse::with_parser_stack(|| run(parse::documents(text.as_bytes(), &limits)))
        .expect("parser thread");
    let whole = parse::with_parser_stack(|| {
        run(parse::nodes(text.as_bytes(), &limits)
            .map(|nodes| nodes.into_iter().map(Document::Full).collect()))
    })
    .expect("parser thread");
    (peeked, whole)
}

fn same(peeked: &Inputs, whole: &Inputs) {
    assert_eq!(peeked.others, whole.others);
    assert_eq!(peeked.problems, whole.problems);
    assert_eq!(peeked.skipped, whole.skipped);
    assert_eq!(peeked.service_entries.len(), whole.service_entries.len());
    assert_eq!(peeked.sidecars.len(), whole.sidecars.len());
    assert_eq!(peeked.gateways.len(), whole.gateways.len());
    assert_eq!(
        peeked.authorization_policies.len(),
        whole.authorization_policies.len()
    );
    assert_eq!(peeked.mesh_configs.len(), whole.mesh_configs.len());
}

fn documents(text: &str) -> Vec<Document> {
    parse::with_parser_stack(|| parse::documents(text.as_bytes(), &LoadOptions::default().limits))
        .expect("parser thread")
        .expect("valid yaml")
}

const ENTRY: &str = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db, namespace: team}\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7/32]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n";

struct Case {
    name: &'static str,
    input: String,
    /// The kinds counted as others, in order.
    want_others: Vec<&'static str>,
    /// True when the loader must report exactly one parse problem.
    want_parse_error: bool,
}

fn cases() -> Vec<Case> {
    let mut big_spec = String::new();
    for i in 0..2_000 {
        let _ = write!(
            big_spec,
            "    - name: c{i}\n      image: registry.example.com/app:{i}\n"
        );
    }
    // Ten aliases per level, nine levels: 10^9 nodes if expanded.
    let mut bomb = String::from(
        "apiVersion: apps/v1\nkind: Deployment\na: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for level in b'b'..=b'j' {
        let previous = format!("*{}", char::from(level - 1));
        let _ = writeln!(
            bomb,
            "{}: &{} [{}]",
            char::from(level),
            char::from(level),
            vec![previous; 10].join(", ")
        );
    }
    vec![
        Case {
            name: "head first, body scanned",
            input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {replicas: 2}\n".into(),
            want_others: vec!["Deployment"],
            want_parse_error: false,
        },
        Case {
            name: "kind after a large spec",
            input: format!("apiVersion: apps/v1\nspec:\n  containers:\n{big_spec}kind: Deployment\n---\n{ENTRY}"),
            want_others: vec!["Deployment"],
            want_parse_error: false,
        },
        Case {
            name: "anchors and aliases in a scanned body",
            input: "kind: Deployment\napiVersion: apps/v1\nmetadata: &m {name: app, labels: {a: b}}\nspec:\n  template:\n    metadata: *m\n    base: &b {x: 1}\n    merged:\n      <<: *b\n      y: 2\n".into(),
            want_others: vec!["Deployment"],
            want_parse_error: false,
        },
        Case {
            name: "flow style and quoted keys",
            input: "{\"apiVersion\": 'v1', \"kind\": \"ServiceAccount\", metadata: {name: s}, 'spec': {ports: [{port: 80}]}}\n---\n{apiVersion: policy/v1, kind: PodDisruptionBudget}\n".into(),
            want_others: vec!["ServiceAccount", "PodDisruptionBudget"],
            want_parse_error: false,
        },
        Case {
            name: "kinds whose body decides stay whole",
            input: format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: istio, namespace: istio-system}}\ndata:\n  mesh: |\n    outboundTrafficPolicy: {{mode: ALLOW_ANY}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata: {{a: b}}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {{name: x}}\n---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {{}}\n---\n{ENTRY}"),
            want_others: vec!["ConfigMap", "Deployment", "IstioOperator"],
            want_parse_error: false,
        },
        Case {
            name: "a non-string kind or no apiVersion is not peeked",
            input: "apiVersion: apps/v1\nkind: 7\nspec: {}\n---\nkind: Deployment\nspec: {}\n---\napiVersion: ''\nkind: Deployment\n".into(),
            want_others: vec![],
            want_parse_error: false,
        },
        Case {
            name: "malformed YAML in a skipped kind's body",
            input: format!("{ENTRY}---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: [1, 2\n  selector: x\n"),
            want_others: vec![],
            want_parse_error: true,
        },
        Case {
            name: "duplicate key in a skipped kind's body",
            input: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n  replicas: 2\n".into(),
            want_others: vec![],
            want_parse_error: true,
        },
        Case {
            name: "duplicate kind after the peek decided",
            input: "apiVersion: apps/v1\nkind: Deployment\nkind: ServiceEntry\n".into(),
            want_others: vec![],
            want_parse_error: true,
        },
        Case {
            name: "non-scalar key in a skipped kind's body",
            input: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  ? [a, b]\n  : c\n".into(),
            want_others: vec![],
            want_parse_error: true,
        },
        Case {
            name: "alias bomb in a skipped kind's body",
            input: bomb,
            want_others: vec![],
            want_parse_error: true,
        },
    ]
}

#[test]
fn peeking_finds_what_building_everything_finds() {
    for case in cases() {
        let (peeked, whole) = both(&case.input);
        same(&peeked, &whole);
        let kinds: Vec<&str> = peeked.others.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, case.want_others, "{}", case.name);
        let parse_errors = peeked
            .problems
            .iter()
            .filter(|p| p.kind == super::super::ProblemKind::Parse)
            .count();
        assert_eq!(
            parse_errors,
            usize::from(case.want_parse_error),
            "{}: {:?}",
            case.name,
            peeked.problems
        );
    }
}

#[test]
fn other_kinds_keep_only_their_head() {
    let docs = documents(
        "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\n---\nspec: {a: 1}\nkind: Job\napiVersion: batch/v1\n",
    );
    let want = [
        Document::Other {
            pos: super::super::Pos { line: 1, column: 1 },
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
        },
        Document::Other {
            pos: super::super::Pos { line: 5, column: 1 },
            api_version: "batch/v1".into(),
            kind: "Job".into(),
        },
    ];
    assert_eq!(docs, want);
}

#[test]
fn a_malformed_skipped_document_reports_file_and_line() {
    let text = format!(
        "{ENTRY}---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n  replicas: 2\n"
    );
    let (peeked, whole) = both(&text);
    same(&peeked, &whole);
    let problem = peeked.problems[0].to_string();
    assert!(
        problem.starts_with("mem.yaml:13:3:") && problem.contains("duplicate key `replicas`"),
        "{problem}"
    );
    // The whole file fails, as it always has: the ServiceEntry before it is not loaded either.
    assert!(peeked.service_entries.is_empty());
}

#[test]
fn istio_kinds_are_built_whole() {
    let docs = documents(ENTRY);
    assert!(matches!(docs.as_slice(), [Document::Full(Node { .. })]));
}

#[test]
fn egress_gateway_kinds_are_built_whole_and_a_foreign_group_is_not() {
    let text = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: egress}\nspec: {servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: ['*']}]}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow}\nspec: {}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: egress}\nspec: {}\n";
    let docs = documents(text);
    assert!(
        matches!(
            docs.as_slice(),
            [Document::Full(_), Document::Full(_), Document::Other { .. }]
        ),
        "{docs:?}"
    );
    let (peeked, whole) = both(text);
    same(&peeked, &whole);
    assert_eq!(peeked.gateways.len(), 1);
    assert_eq!(peeked.authorization_policies.len(), 1);
    assert_eq!(
        peeked.others.len(),
        1,
        "the Gateway API's Gateway is another kind"
    );
}
