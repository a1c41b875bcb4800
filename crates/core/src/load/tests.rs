use std::fmt::Write as _;

use super::*;

fn load(text: &str) -> Inputs {
    load_bytes("mem.yaml", text.as_bytes(), &LoadOptions::default()).expect("parser thread")
}

fn only_problem(text: &str) -> String {
    let inputs = load(text);
    assert_eq!(inputs.problems.len(), 1, "{:#?}", inputs.problems);
    inputs.problems[0].to_string()
}

const BLOG_ENTRY: &str = "\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: mysql-external
spec:
  hosts:
  - db.example.com
  addresses:
  - 203.0.113.7/32
  ports:
  - name: tcp
    number: 3306
    protocol: tcp
  location: MESH_EXTERNAL
";

#[test]
fn loads_the_blog_entry_with_default_namespace() {
    let inputs = load(BLOG_ENTRY);
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let se = &inputs.service_entries[0];
    assert_eq!(se.resource.metadata.namespace(), "default");
    assert_eq!(se.resource.spec.addresses, ["203.0.113.7/32"]);
    assert_eq!(se.locate("spec.addresses[0]").to_string(), "mem.yaml:9:5");
    assert_eq!(
        se.locate("spec.ports[0].number").pos,
        Pos {
            line: 12,
            column: 13
        }
    );
}

#[test]
fn namespace_flag_applies_only_when_metadata_names_none() {
    let options = LoadOptions {
        default_namespace: "prod".into(),
        ..LoadOptions::default()
    };
    let text = format!(
        "{BLOG_ENTRY}---\n{}",
        BLOG_ENTRY.replace("name: mysql-external", "name: b\n  namespace: team")
    );
    let inputs = load_bytes("mem.yaml", text.as_bytes(), &options).expect("parser thread");
    let namespaces: Vec<_> = inputs
        .service_entries
        .iter()
        .map(|s| s.resource.metadata.namespace().to_owned())
        .collect();
    assert_eq!(namespaces, ["prod", "team"]);
}

#[test]
fn other_kinds_are_kept_aside_and_lists_unpacked() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: x}\n- apiVersion: networking.istio.io/v1beta1\n  kind: ServiceEntry\n  metadata: {name: y}\n  spec: {hosts: [a.example.com]}\n";
    let inputs = load(text);
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    assert_eq!(inputs.others.len(), 1);
    assert_eq!(inputs.others[0].kind, "Deployment");
    assert_eq!(inputs.others[0].origin.pos.line, 4);
    assert_eq!(inputs.service_entries.len(), 1);
    assert_eq!(inputs.service_entries[0].origin.pos.line, 7);
}

#[test]
fn mesh_config_in_three_forms() {
    use crate::model::OutboundPolicy::{AllowAny, RegistryOnly};
    let bare = "outboundTrafficPolicy:\n  mode: ALLOW_ANY\nrootNamespace: mesh-root\nenablePrometheusMerge: true\n";
    let configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |-\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY\n";
    let operator = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    outboundTrafficPolicy:\n      mode: ALLOW_ANY\n";
    for (text, want) in [
        (bare, AllowAny),
        (configmap, RegistryOnly),
        (operator, AllowAny),
    ] {
        let inputs = load(text);
        assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
        let mesh = &inputs.mesh_configs[0].resource;
        assert_eq!(
            mesh.outbound_traffic_policy.as_ref().and_then(|p| p.mode),
            Some(want)
        );
    }
    assert_eq!(
        load(bare).mesh_configs[0].resource.root_namespace(),
        "mesh-root"
    );
}

#[test]
fn bad_mesh_mode_is_reported_at_the_field() {
    let message = only_problem("outboundTrafficPolicy:\n  mode: BLOCK\n");
    assert!(
        message.starts_with("mem.yaml:2:9: `outboundTrafficPolicy.mode`: Unsupported value"),
        "{message}"
    );
}

#[test]
fn schema_violations_name_file_line_and_field() {
    let text = BLOG_ENTRY.replace("number: 3306", "number: \"3306\"");
    let message = only_problem(&text);
    assert_eq!(
        message,
        "mem.yaml:12:13: `spec.ports[0].number`: Invalid value: \"string\": spec.ports[0].number in body must be of type integer"
    );
}

#[test]
fn unknown_fields_are_rejected_like_kubectl() {
    let text = BLOG_ENTRY.replace("  location:", "  hostz: [x]\n  location:");
    let message = only_problem(&text);
    assert_eq!(
        message,
        "mem.yaml:14:3: `spec.hostz`: unknown field \"spec.hostz\""
    );
}

#[test]
fn unsupported_api_version_is_a_schema_problem() {
    let message = only_problem(&BLOG_ENTRY.replace("/v1\n", "/v2\n"));
    assert!(
        message
            .contains("no matches for kind \"ServiceEntry\" in version \"networking.istio.io/v2\""),
        "{message}"
    );
}

const EGRESS_GATEWAY: &str = "\
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: egress
  namespace: istio-system
spec:
  selector:
    istio: egressgateway
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [bookinfo/db.example.com]
    tls: {mode: PASSTHROUGH}
";

const EGRESS_POLICY: &str = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: egress-db
  namespace: istio-system
spec:
  selector:
    matchLabels: {istio: egressgateway}
  action: DENY
  rules:
  - from:
    - source: {notNamespaces: [bookinfo], ipBlocks: [192.0.2.0/24]}
    to:
    - operation: {hosts: [db.example.com], ports: ['443']}
    when:
    - {key: connection.sni, notValues: ['*.internal']}
";

#[test]
fn egress_gateways_and_authorization_policies_are_typed() {
    let inputs = load(&format!("{EGRESS_GATEWAY}---\n{EGRESS_POLICY}"));
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    assert!(inputs.others.is_empty(), "{:?}", inputs.others);
    let gateway = &inputs.gateways[0];
    assert_eq!(gateway.origin.pos.line, 1);
    assert_eq!(gateway.resource.spec.selector["istio"], "egressgateway");
    let server = &gateway.resource.spec.servers[0];
    let port = server.port.as_ref().expect("port");
    assert_eq!((port.number, port.protocol.as_str()), (443, "TLS"));
    assert_eq!(server.hosts, ["bookinfo/db.example.com"]);
    let tls = server.tls.as_ref().expect("tls");
    assert_eq!(tls.mode.as_deref(), Some("PASSTHROUGH"));
    let policy = &inputs.authorization_policies[0];
    assert_eq!(
        policy.origin.pos.line, 14,
        "after the Gateway's 12 lines and `---`"
    );
    assert_eq!(policy.resource.spec.action.as_deref(), Some("DENY"));
    let rule = &policy.resource.spec.rules[0];
    let source = rule.from[0].source.as_ref().expect("source");
    assert_eq!(source.not_namespaces, ["bookinfo"]);
    assert_eq!(source.ip_blocks, ["192.0.2.0/24"]);
    let operation = rule.to[0].operation.as_ref().expect("operation");
    assert_eq!(operation.ports, ["443"]);
    assert_eq!(rule.when[0].key, "connection.sni");
    assert_eq!(rule.when[0].not_values, ["*.internal"]);
}

#[test]
fn authorization_policy_versions_are_the_security_groups() {
    let message = only_problem(&EGRESS_POLICY.replace("/v1\n", "/v1alpha1\n"));
    assert!(
        message.contains(
            "no matches for kind \"AuthorizationPolicy\" in version \"security.istio.io/v1alpha1\" (served: v1, v1beta1)"
        ),
        "{message}"
    );
    let inputs = load(&EGRESS_POLICY.replace("/v1\n", "/v1beta1\n"));
    assert_eq!(inputs.authorization_policies.len(), 1);
    let message = only_problem(&EGRESS_GATEWAY.replace("istio: egressgateway", "istio: [egress]"));
    assert!(message.contains("`spec.selector.istio`"), "{message}");
}

#[test]
fn syntax_errors_are_one_line_with_position() {
    for (text, line) in [
        ("a: [1, 2\nb: 3\n", 2),
        ("a:\n\tb: 1\n", 2),
        ("a: 1\na: 2\n", 2),
        ("key: \"unterminated\n", 1),
    ] {
        let inputs = load(text);
        assert_eq!(inputs.problems.len(), 1, "{text:?}");
        let problem = &inputs.problems[0];
        assert_eq!(problem.kind, ProblemKind::Parse);
        assert!(
            problem.origin.pos.line >= line.min(1) && problem.origin.pos.line <= 3,
            "{text:?}: {problem}"
        );
        assert!(!problem.to_string().contains('\n'), "{problem}");
    }
}

#[test]
fn duplicate_keys_are_errors() {
    let message = only_problem("a: 1\na: 2\n");
    assert!(message.starts_with("mem.yaml:2:"), "{message}");
    assert_eq!(
        message,
        "mem.yaml:2:1: duplicate key `a`: a mapping may name it once (Kubernetes would keep only one value)"
    );
}

#[test]
fn non_utf8_is_located() {
    let inputs = load_bytes("bin.yaml", b"a: 1\nb: \xff\xfe\n", &LoadOptions::default())
        .expect("parser thread");
    assert_eq!(
        inputs.problems[0].to_string(),
        "bin.yaml:2:4: input is not valid UTF-8 (byte 0xff at offset 8)"
    );
}

#[test]
fn documents_that_are_not_kubernetes_resources_are_skipped_not_errors() {
    struct Case {
        name: &'static str,
        input: &'static str,
        want: &'static [(u64, SkipReason)],
    }
    let cases = [
        Case {
            name: "scalar",
            input: "just a string\n",
            want: &[(1, SkipReason::NotMapping)],
        },
        Case {
            name: "pre-commit hooks: a top-level list",
            input: "- id: meshctl\n  entry: meshctl check\n",
            want: &[(1, SkipReason::NotMapping)],
        },
        Case {
            name: "workflow: no apiVersion or kind",
            input: "on: push\njobs:\n  lint: {runs-on: ubuntu-latest}\n",
            want: &[(1, SkipReason::NotResource)],
        },
        Case {
            name: "helm template: the whole file, at the first `{{` outside a comment",
            input: "# {{ in a comment }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
            want: &[(5, SkipReason::Template)],
        },
    ];
    for case in cases {
        let inputs = load(case.input);
        assert!(
            inputs.problems.is_empty(),
            "{}: {:?}",
            case.name,
            inputs.problems
        );
        assert_eq!(skipped_lines(&inputs), case.want, "{}", case.name);
    }
}

#[test]
fn template_text_inside_a_string_value_is_data() {
    // A rendered install: a dashboard and an alert summary hold Go templates as data.
    let text = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
data:
  mesh.json: '{\"title\": \"{{ cluster }}\"}'
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: alerts
spec:
  groups:
  - rules:
    - annotations:
        summary: \"{{ $labels.instance }} is down\"
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
";
    let inputs = load(text);
    assert!(inputs.skipped.is_empty(), "{:?}", inputs.skipped);
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    assert_eq!(inputs.others.len(), 2);
    assert_eq!(inputs.service_entries.len(), 1);
}

#[test]
fn template_syntax_in_structure_makes_a_template() {
    struct Case {
        name: &'static str,
        input: &'static str,
        want: &'static [(u64, SkipReason)],
        entries: usize,
    }
    let cases = [
        Case {
            name: "a quoted placeholder in a ServiceEntry's hosts, next to a rendered entry",
            input: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a}\nspec:\n  hosts: [\"{{ .Values.host }}\"]\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: b}\nspec:\n  hosts: [b.example.com]\n",
            want: &[(1, SkipReason::Template)],
            entries: 1,
        },
        Case {
            name: "a quoted placeholder as a Sidecar's name",
            input: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: \"{{ .Release.Name }}\"}\nspec: {}\n",
            want: &[(1, SkipReason::Template)],
            entries: 0,
        },
        Case {
            name: "a template key",
            input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  \"{{ .Values.key }}\": v\n",
            want: &[(1, SkipReason::Template)],
            entries: 0,
        },
        Case {
            name: "does not parse, template syntax: skipped at the first `{{`",
            input: "apiVersion: v1\n{{- if .Values.enabled }}\nkind: ConfigMap\n{{- end }}\n",
            want: &[(2, SkipReason::Template)],
            entries: 0,
        },
    ];
    for case in cases {
        let inputs = load(case.input);
        assert!(
            inputs.problems.is_empty(),
            "{}: {:?}",
            case.name,
            inputs.problems
        );
        assert_eq!(skipped_lines(&inputs), case.want, "{}", case.name);
        assert_eq!(inputs.service_entries.len(), case.entries, "{}", case.name);
    }
}

#[test]
fn a_manifest_that_does_not_parse_and_holds_no_template_is_a_parse_error() {
    let inputs = load("apiVersion: v1\nkind: [ConfigMap\n# {{ only in a comment }}\n");
    assert_eq!(inputs.problems.len(), 1, "{:?}", inputs.problems);
    assert_eq!(inputs.problems[0].kind, ProblemKind::Parse);
    assert!(inputs.skipped.is_empty(), "{:?}", inputs.skipped);
}

#[test]
fn istio_operator_proxy_metadata_scalars_are_strings_as_the_operator_makes_them() {
    let text = "\
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: istio
spec:
  meshConfig:
    defaultConfig:
      proxyMetadata:
        ISTIO_META_DNS_CAPTURE: true
        CONCURRENCY: 2
        RATIO: 0.15
";
    let inputs = load(text);
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let mesh = &inputs.mesh_configs[0].resource;
    assert!(mesh.dns_capture());
    let metadata = &mesh
        .default_config
        .as_ref()
        .expect("defaultConfig")
        .proxy_metadata;
    assert_eq!(metadata["CONCURRENCY"], "2");
    assert_eq!(metadata["RATIO"], "0.15");
}

#[test]
fn proxy_metadata_type_errors_name_the_key_in_kubectl_words() {
    // A bare MeshConfig gets no conversion: istiod reads it as written.
    let message = only_problem("defaultConfig:\n  proxyMetadata:\n    A: x\n    B: false\n");
    assert_eq!(
        message,
        "mem.yaml:4:8: `defaultConfig.proxyMetadata.B`: Invalid value: \"boolean\": defaultConfig.proxyMetadata.B in body must be of type string: \"boolean\""
    );
    // No form converts a mapping.
    let message = only_problem(
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      proxyMetadata:\n        X: {a: 1}\n",
    );
    assert_eq!(
        message,
        "mem.yaml:7:12: `spec.meshConfig.defaultConfig.proxyMetadata.X`: Invalid value: \"object\": spec.meshConfig.defaultConfig.proxyMetadata.X in body must be of type string: \"object\""
    );
}

#[test]
fn an_unknown_field_does_not_hide_the_documents_other_errors() {
    let text = "\
_note: written by a test generator
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: selector-and-endpoints
spec:
  hosts: [db.example.com]
  resolution: STATIC
  workloadSelector: {labels: {app: db}}
  endpoints:
  - address: 192.0.2.10
";
    let inputs = load(text);
    let messages: Vec<String> = inputs.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "mem.yaml:1:1: `_note`: unknown field \"_note\"",
            "mem.yaml:7:3: `spec`: Invalid value: only one of WorkloadSelector or Endpoints can be set",
        ],
    );
}

#[test]
fn budgets_stop_hostile_input_fast() {
    let started = std::time::Instant::now();
    // Billion laughs: 9 levels of 9 aliases each.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        writeln!(bomb, "a{i}: &a{i} [{refs}]").expect("write to string");
    }
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_block = (0..10_000).fold(String::new(), |mut text, i| {
        writeln!(text, "{}k:", " ".repeat(i)).expect("write to string");
        text
    });
    for text in [bomb, deep, deep_block] {
        let inputs = load(&text);
        assert_eq!(inputs.problems.len(), 1);
        assert_eq!(inputs.problems[0].kind, ProblemKind::Parse);
    }
    let big = vec![b'#'; Limits::default().max_bytes + 1];
    let inputs = load_bytes("big.yaml", &big, &LoadOptions::default()).expect("parser thread");
    assert!(
        inputs.problems[0]
            .message
            .contains("more than the parse budget of `67108864` bytes"),
        "{}",
        inputs.problems[0].message
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("meshctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn directories_are_read_recursively_in_name_order() {
    let tmp = TempDir::new("dirs");
    std::fs::create_dir_all(tmp.0.join("b/nested")).expect("mkdir");
    std::fs::write(
        tmp.0.join("b/nested/z.yml"),
        BLOG_ENTRY.replace("mysql-external", "z"),
    )
    .expect("write");
    std::fs::write(
        tmp.0.join("a.yaml"),
        BLOG_ENTRY.replace("mysql-external", "a"),
    )
    .expect("write");
    std::fs::write(
        tmp.0.join("c.json"),
        r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}"#,
    )
    .expect("write");
    std::fs::write(tmp.0.join("notes.txt"), "not yaml: [").expect("write");
    let inputs =
        load_paths(std::slice::from_ref(&tmp.0), &LoadOptions::default()).expect("readable");
    let names: Vec<_> = inputs
        .service_entries
        .iter()
        .map(|s| s.resource.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["a", "z"]);
    assert_eq!(inputs.services.len(), 1, "a Service is read, not skipped");
    assert_eq!(inputs.files.len(), 3, "{:?}", inputs.files);
    assert!(inputs.problems.is_empty());
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported() {
    let tmp = TempDir::new("loop");
    std::fs::create_dir_all(tmp.0.join("sub")).expect("mkdir");
    std::os::unix::fs::symlink(&tmp.0, tmp.0.join("sub/back")).expect("symlink");
    let err = load_paths(std::slice::from_ref(&tmp.0), &LoadOptions::default()).expect_err("loop");
    assert!(err.to_string().contains("symbolic link loop"), "{err}");
}

#[test]
fn a_one_gigabyte_file_is_refused_before_reading() {
    let tmp = TempDir::new("big");
    let path = tmp.0.join("huge.yaml");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(1 << 30).expect("sparse file");
    let started = std::time::Instant::now();
    let err = load_paths(&[path], &LoadOptions::default()).expect_err("too large");
    assert!(
        err.to_string().contains(
            "the file is `1073741824` bytes, more than the parse budget of `67108864` bytes"
        ),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
}

#[test]
fn missing_paths_are_errors() {
    let err = load_paths(
        &["/nonexistent/meshctl.yaml".into()],
        &LoadOptions::default(),
    )
    .expect_err("missing");
    assert!(
        err.to_string()
            .starts_with("cannot read `/nonexistent/meshctl.yaml`"),
        "{err}"
    );
}

/// Each skipped document as (line, reason), in order.
fn skipped_lines(inputs: &Inputs) -> Vec<(u64, SkipReason)> {
    inputs
        .skipped
        .iter()
        .map(|s| (s.origin.pos.line, s.reason))
        .collect()
}
