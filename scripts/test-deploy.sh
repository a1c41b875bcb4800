#!/usr/bin/env bash
# Tests the Kubernetes manifests under deploy/ with the tools that consume them. For every
# directory holding a kustomization.yaml:
#
#   render    `kubectl kustomize DIR` succeeds
#   schema    the Kubernetes kinds validate with `kubernetes-validate --strict` for each version in
#             K8S_VERSIONS; Istio kinds go to meshctl (kubernetes-validate has no schema for them
#             and only warns), and a kind neither knows fails the run
#   meshctl   `meshctl check` passes the rendered output together with the ServiceEntries inside
#             its ConfigMaps, laid out as the kubelet mounts them (`..data` symlinks)
#   pods      what users rely on: capture rules for both families with the proxy's uid and port,
#             the proxy's hardening, probes and scrape annotations on its real admin port, RBAC of
#             exactly get/patch on serviceentries, a NetworkPolicy that admits exactly the
#             entry's address and DNS
#   run       every meshctl container's args through the real binary, on loopback: the capture
#             rules printed instead of applied; the proxy served from the mounted entries until
#             its probes and /metrics answer; sync --watch rewriting the entry when DNS moves and
#             the proxy reloading it; the CronJob's three steps against a fake kubectl that
#             refuses anything but get-by-name and apply
#
# DNS answers come from a small server on 127.0.0.1 started here. Needs kubectl (with its
# built-in kustomize) and python3; installs kubernetes-validate and PyYAML with pip (a venv under
# ~/.cache when the interpreter's site-packages are not writable). Builds meshctl (release)
# unless $MESHCTL names a binary. Runs without root. KEEP_TMP=1 keeps the scratch directory.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kubernetes versions the manifests must validate against: 1.29 is the first release with
# native sidecars (init containers with `restartPolicy: Always`) on by default, which the proxy
# relies on; 1.37 is the newest kubernetes-validate $KUBERNETES_VALIDATE_VERSION ships schemas for.
K8S_VERSIONS="1.29.0 1.37.0"
KUBERNETES_VALIDATE_VERSION=1.37.0

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
log() { echo "--- $*"; }

command -v kubectl >/dev/null || { echo "test-deploy.sh: needs kubectl (with kustomize built in)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "test-deploy.sh: needs python3" >&2; exit 2; }

T=$(mktemp -d /tmp/msh-test-deploy.XXXXXX)
DNS_PID=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$DNS_PID" ]; then kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; fi
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Python with PyYAML and kubernetes-validate
# ---------------------------------------------------------------------------------------------
PY=python3
have_modules() {
  "$1" - "$KUBERNETES_VALIDATE_VERSION" <<'EOF' 2>/dev/null
import sys, yaml, kubernetes_validate.version as v
sys.exit(0 if v.__version__ == sys.argv[1] else 1)
EOF
}
if ! have_modules "$PY"; then
  log "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION and PyYAML"
  if ! python3 -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" PyYAML >"$T/pip.log" 2>&1; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/meshctl-test-deploy/venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >>"$T/pip.log" 2>&1
    PY="$venv/bin/python"
    have_modules "$PY" || "$PY" -m pip install --quiet --disable-pip-version-check \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" PyYAML >>"$T/pip.log" 2>&1 || {
      tail -n 20 "$T/pip.log" >&2
      echo "test-deploy.sh: pip install failed" >&2
      exit 2
    }
  fi
  have_modules "$PY" || { echo "test-deploy.sh: kubernetes-validate not importable after install" >&2; exit 2; }
fi

# ---------------------------------------------------------------------------------------------
# meshctl
# ---------------------------------------------------------------------------------------------
if [ -n "${MESHCTL:-}" ]; then
  BIN=$MESHCTL
else
  log "building meshctl (cargo build --release --locked)"
  cargo build --release --locked --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/meshctl"
fi
[ -x "$BIN" ] || { echo "test-deploy.sh: no meshctl binary at $BIN" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ---------------------------------------------------------------------------------------------
# Helpers written to the scratch directory: a DNS server, a fake kubectl, the pod checks
# ---------------------------------------------------------------------------------------------
# dns.py ZONE PORTFILE: answers A/AAAA for the names in the JSON file ZONE ({"name": [ips],
# "ttl": N}), re-read on every query so a test can move a name; NXDOMAIN for the rest. Writes the
# port it bound to PORTFILE.
cat >"$T/dns.py" <<'EOF'
import json, os, socket, struct, sys
zone_path, port_file = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
with open(port_file + ".tmp", "w") as f:
    f.write(str(sock.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    data, peer = sock.recvfrom(4096)
    try:
        qid, flags, qdcount = struct.unpack(">HHH", data[:6])
        i, labels = 12, []
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii"))
            i += 1 + data[i]
        qtype, _ = struct.unpack(">HH", data[i + 1:i + 5])
        question = data[12:i + 5]
    except (IndexError, struct.error, UnicodeDecodeError):
        continue
    with open(zone_path) as f:
        zone = json.load(f)
    name = ".".join(labels).lower()
    answers = []
    for ip in zone.get("names", {}).get(name, []):
        family, rtype = (socket.AF_INET6, 28) if ":" in ip else (socket.AF_INET, 1)
        if rtype == qtype:
            rdata = socket.inet_pton(family, ip)
            answers.append(b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, zone.get("ttl", 1), len(rdata)) + rdata)
    rcode = 0 if name in zone.get("names", {}) else 3
    header = struct.pack(">HHHHHH", qid, 0x8000 | 0x0400 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
    sock.sendto(header + question + b"".join(answers), peer)
EOF

# A kubectl that only knows what the CronJob may do: `get` of serviceentries BY NAME (listing
# is what RBAC does not grant) and `apply -f FILE`. Every call is logged as a JSON line.
mkdir -p "$T/fakebin"
export FAKEBIN="$T/fakebin"
cat >"$T/fakebin/kubectl" <<EOF
#!/bin/sh
exec "$(command -v "$PY" || echo "$PY")" "$T/fake_kubectl.py" "\$@"
EOF
chmod 755 "$T/fakebin/kubectl"
cat >"$T/fake_kubectl.py" <<'EOF'
import json, os, sys, yaml
args = sys.argv[1:]
with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
def flag(names):
    for i, a in enumerate(args):
        for n in names:
            if a == n and i + 1 < len(args):
                return args[i + 1]
            if a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None
positional, skip = [], False
for i, a in enumerate(args):
    if skip:
        skip = False
        continue
    if a.startswith("-"):
        skip = "=" not in a and a in ("-n", "--namespace", "-o", "--output", "-f", "--filename", "--field-manager")
        continue
    positional.append(a)
if positional[:1] == ["get"]:
    resource, names = positional[1], positional[2:]
    if resource.split(".")[0] not in ("serviceentries", "serviceentry", "se"):
        sys.exit("fake kubectl: forbidden: only serviceentries")
    if not names:
        sys.exit('Error from server (Forbidden): serviceentries.networking.istio.io is forbidden: cannot "list"')
    if flag(["-o", "--output"]) != "yaml":
        sys.exit("fake kubectl: expected -o yaml")
    store = os.environ["FAKE_KUBECTL_STORE"]
    items = []
    for n in names:
        path = os.path.join(store, n + ".yaml")
        if not os.path.exists(path):
            sys.exit(f'Error from server (NotFound): serviceentries.networking.istio.io "{n}" not found')
        with open(path) as f:
            items.append(yaml.safe_load(f))
    out = items[0] if len(items) == 1 else {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}
    sys.stdout.write(yaml.safe_dump(out, sort_keys=True))
elif positional[:1] == ["apply"]:
    path = flag(["-f", "--filename"])
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    print(f"serviceentry.networking.istio.io configured ({len(docs)} document(s))")
else:
    sys.exit("fake kubectl: not allowed here: " + " ".join(args))
EOF

cat >"$T/checks.py" <<'EOF'
import ipaddress, json, os, re, shlex, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request
import yaml

MESHCTL, DIR, RENDER, SCRATCH, ZONE, DNS_PORT, K8S_VERSIONS, PY, PROXY_RENDER = sys.argv[1:10]
NAMESERVER = f"127.0.0.1:{DNS_PORT}"
CORE_GROUPS = {"", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "policy", "autoscaling"}
ISTIO_GROUPS = {"networking.istio.io", "security.istio.io", "telemetry.istio.io"}
PINNED = {"db.example.com": ["203.0.113.7"], "replica.example.com": ["203.0.113.17"]}
MOVED = {"db.example.com": ["203.0.113.8"], "replica.example.com": ["203.0.113.17"]}
counts = {"structural": 0}


def out(kind, msg):
    print(f"{kind}: {DIR}: {msg}", flush=True)


def check(cond, msg, detail=""):
    counts["structural"] += 1
    out("PASS" if cond else "FAIL", msg if cond or not detail else f"{msg} ({detail})")
    return cond


def set_zone(names):
    with open(ZONE + ".tmp", "w") as f:
        json.dump({"ttl": 1, "names": names}, f)
    os.replace(ZONE + ".tmp", ZONE)


def group(doc):
    api = doc.get("apiVersion", "")
    return api.split("/")[0] if "/" in api else ""


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=2):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return None, str(e)


def wait_until(fn, secs):
    deadline = time.time() + secs
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    return fn()


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    return proc.returncode


docs = []
with open(RENDER) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]

# ----------------------------------------------------------------------------------------------
# schema: Kubernetes kinds strictly, Istio kinds through meshctl, nothing unaccounted for
# ----------------------------------------------------------------------------------------------
core = [d for d in docs if group(d) in CORE_GROUPS]
istio = [d for d in docs if group(d) in ISTIO_GROUPS]
for d in docs:
    if group(d) not in CORE_GROUPS | ISTIO_GROUPS:
        out("FAIL", f"{d.get('kind')} {d.get('apiVersion')} has no validator here (neither kubernetes-validate nor meshctl reads it)")
core_file = os.path.join(SCRATCH, "core.yaml")
with open(core_file, "w") as f:
    yaml.safe_dump_all(core, f, sort_keys=False)
if core:
    for version in K8S_VERSIONS.split():
        r = run([PY, "-m", "kubernetes_validate", "--strict", "-k", version, core_file])
        text = r.stdout + r.stderr
        # An unknown kind is a warning with exit 0 to kubernetes-validate: never accept one.
        unknown = [l for l in text.splitlines() if "Couldn't find schema" in l]
        kinds = sorted({d["kind"] for d in core})
        ok = r.returncode == 0 and not unknown and text.count("passed for resource") == len(core)
        out("PASS" if ok else "FAIL",
            f"kubernetes-validate --strict -k {version}: {len(core)} resource(s) ({', '.join(kinds)})"
            + ("" if ok else "\n" + text.strip()))
else:
    out("FAIL", "no Kubernetes resources rendered")

# ----------------------------------------------------------------------------------------------
# meshctl check: the rendered output and the entries its ConfigMaps carry, as mounted
# ----------------------------------------------------------------------------------------------
def configmap_istio_docs(cm):
    found = []
    for key, text in (cm.get("data") or {}).items():
        if not re.search(r"\.(ya?ml|json)$", key):
            continue
        try:
            for d in yaml.safe_load_all(text):
                if isinstance(d, dict) and group(d) in ISTIO_GROUPS:
                    found.append(d)
        except yaml.YAMLError as e:
            out("FAIL", f"ConfigMap {cm['metadata']['name']} key {key} is not YAML: {e}")
    return found


def mount_configmap(cm, dest):
    """The kubelet's layout: files in a timestamped directory, `..data` pointing at it, and one
    symlink per key through `..data`."""
    os.makedirs(dest, exist_ok=True)
    stamp = "..2026_12_01_10_00_00.000000001"
    os.makedirs(os.path.join(dest, stamp))
    for key, text in (cm.get("data") or {}).items():
        with open(os.path.join(dest, stamp, key), "w") as f:
            f.write(text)
        os.symlink(os.path.join("..data", key), os.path.join(dest, key))
    os.symlink(stamp, os.path.join(dest, "..data"))


configmaps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
entry_dirs, n_istio = [], len(istio)
for name, cm in configmaps.items():
    found = configmap_istio_docs(cm)
    if found:
        n_istio += len(found)
        dest = os.path.join(SCRATCH, "check", name)
        mount_configmap(cm, dest)
        entry_dirs.append(dest)
if n_istio:
    r = run([MESHCTL, "check", "--fail-on", "warning", RENDER, *entry_dirs])
    m = re.search(r"All checks passed \((\d+) resources? in", r.stdout)
    ok = r.returncode == 0 and m is not None and int(m.group(1)) == n_istio
    out("PASS" if ok else "FAIL",
        f"meshctl check --fail-on warning: {n_istio} Istio resource(s), rendered and in ConfigMaps as mounted"
        + ("" if ok else f" (exit {r.returncode})\n{r.stdout}{r.stderr}"))
else:
    # Nothing Istio-shaped here: meshctl must agree, so a misspelled kind cannot hide.
    r = run([MESHCTL, "check", "-o", "json", RENDER])
    codes = [f["code"] for f in json.loads(r.stdout or "[]")] if r.returncode in (0, 1) else None
    ok = r.returncode == 0 and codes == ["MSH004"]
    out("PASS" if ok else "FAIL",
        "meshctl check: no Istio resource rendered, and meshctl finds none either (MSH004 only)"
        + ("" if ok else f" (exit {r.returncode}: {r.stdout}{r.stderr})"))

# ----------------------------------------------------------------------------------------------
# Pods
# ----------------------------------------------------------------------------------------------
def pod_of(d):
    if d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return d["spec"]["template"]
    if d.get("kind") == "CronJob":
        return d["spec"]["jobTemplate"]["spec"]["template"]
    return None


def image_repo(c):
    return re.split(r"[:@]", c.get("image", "").rsplit("/", 1)[-1])[0]


def role(c):
    args = c.get("args") or []
    if image_repo(c) not in ("meshctl", "meshctl-init"):
        return "other"
    if args[:2] == ["proxy", "iptables"]:
        return "capture"
    return {"proxy": "proxy", "sync": "sync"}.get(args[0] if args else "", "meshctl")


def flag_value(args, name, default=None):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def host_port(addr):
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


def env_of(c, namespace):
    env = {}
    for e in c.get("env") or []:
        if "value" in e:
            env[e["name"]] = e["value"]
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            env[e["name"]] = namespace
    return env


def expand(s, env):
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), s)


def uid_of(c, pod_spec):
    return (c.get("securityContext") or {}).get("runAsUser", (pod_spec.get("securityContext") or {}).get("runAsUser"))


def port_number(c, port):
    if isinstance(port, int):
        return port
    for p in c.get("ports") or []:
        if p.get("name") == port:
            return p["containerPort"]
    return None


class Pod:
    """One pod template with its volumes laid out on disk, so containers can run on loopback."""

    def __init__(self, doc):
        self.doc, self.tpl = doc, pod_of(doc)
        self.spec = self.tpl["spec"]
        self.namespace = doc["metadata"].get("namespace", "default")
        self.name = f"{doc['kind']} {doc['metadata']['name']}"
        self.inits = self.spec.get("initContainers") or []
        self.mains = self.spec.get("containers") or []
        self.root = tempfile.mkdtemp(dir=SCRATCH, prefix="pod-")
        self.volumes = {}

    def containers(self):
        return self.inits + self.mains

    def by_role(self, r):
        return [c for c in self.containers() if role(c) == r]

    def layout(self):
        """Fresh volumes: ConfigMaps as the kubelet mounts them, emptyDirs empty."""
        self.volumes = {}
        for v in self.spec.get("volumes") or []:
            path = tempfile.mkdtemp(dir=self.root, prefix=v["name"] + "-")
            if "configMap" in v:
                cm = configmaps.get(v["configMap"]["name"])
                if cm is None:
                    out("FAIL", f"{self.name}: volume {v['name']} names ConfigMap {v['configMap']['name']}, which is not rendered")
                    continue
                os.rmdir(path)
                mount_configmap(cm, path)
            self.volumes[v["name"]] = path

    def mounts(self, c):
        """mountPath → directory on disk, longest first."""
        m = {vm["mountPath"]: self.volumes[vm["name"]] for vm in c.get("volumeMounts") or [] if vm["name"] in self.volumes}
        return sorted(m.items(), key=lambda kv: -len(kv[0]))

    def localize(self, c, s):
        s = expand(s, env_of(c, self.namespace))
        mounts = dict(self.mounts(c))
        if not mounts:
            return s
        # One pass: a directory on disk may itself contain a mount path (/tmp).
        pattern = "|".join(re.escape(m) for m in mounts)
        return re.sub(f"({pattern})(?![A-Za-z0-9_.-])", lambda m: mounts[m.group(1)], s)


def check_hardened(who, c, uid):
    sc = c.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    check(sc.get("runAsUser") == uid, f"{who} runs as uid {uid}", f"runAsUser {sc.get('runAsUser')}")
    check(sc.get("runAsNonRoot") is True, f"{who} sets runAsNonRoot")
    check(sc.get("readOnlyRootFilesystem") is True, f"{who} has a read-only root filesystem")
    check(sc.get("allowPrivilegeEscalation") is False, f"{who} forbids privilege escalation")
    check(caps.get("drop") == ["ALL"] and not caps.get("add"), f"{who} drops ALL capabilities and adds none", str(caps))
    res = c.get("resources") or {}
    check(all(k in res.get("requests", {}) for k in ("cpu", "memory")) and "memory" in res.get("limits", {}),
          f"{who} has cpu/memory requests and a memory limit", str(res))


def check_capture(pod, proxy):
    caps = pod.by_role("capture")
    if not check(len(caps) == 1 and caps[0] in pod.inits, f"{pod.name}: one init container installs the capture rules"):
        return
    c = caps[0]
    sc = c.get("securityContext") or {}
    added = set((sc.get("capabilities") or {}).get("add") or [])
    check({"NET_ADMIN", "NET_RAW"} <= added, f"{pod.name}: {c['name']} adds NET_ADMIN and NET_RAW", str(sorted(added)))
    check(sc.get("runAsUser") == 0, f"{pod.name}: {c['name']} runs as root (iptables-restore)")
    args = c["args"]
    check("--apply" in args and "--ipv4-only" not in args and "--cleanup" not in args,
          f"{pod.name}: {c['name']} applies the rules for IPv4 and IPv6 (--apply, no --ipv4-only)", " ".join(args))
    if proxy is not None:
        check(pod.inits.index(c) < pod.containers().index(proxy), f"{pod.name}: capture rules are installed before the proxy starts")
    # The real parser: clap rejects an unknown flag or a bad value before it prints help.
    r = run([MESHCTL, *args, "--help"])
    check(r.returncode == 0, f"{pod.name}: meshctl accepts {c['name']}'s args: {' '.join(args)}", r.stderr.strip())
    uid = uid_of(proxy, pod.spec) if proxy else 1337
    listen = flag_value(proxy["args"], "--listen", "127.0.0.1:15001") if proxy else "127.0.0.1:15001"
    port = host_port(listen)[1]
    printed = [a for a in args if a != "--apply"]
    for fam, extra, loop in (("IPv4", [], "127.0.0.0/8"), ("IPv6", ["--ip6tables"], "::1/128")):
        r = run([MESHCTL, *printed, *extra])
        s = r.stdout
        ok = (r.returncode == 0 and f"--uid-owner {uid} -j RETURN" in s
              and f"-j REDIRECT --to-ports {port}" in s and f"-d {loop} -j RETURN" in s
              and "-A OUTPUT -p tcp -j MESHCTL_OUTPUT" in s)
        check(ok, f"{pod.name}: the {fam} rules exempt uid {uid} and redirect TCP to the proxy's port {port}",
              f"exit {r.returncode}: {s}{r.stderr}")


def check_proxy(pod, c):
    who = f"{pod.name}: {c['name']}"
    check_hardened(who, c, 1337)
    for other in pod.mains:
        if role(other) == "other":
            check(uid_of(other, pod.spec) not in (1337, 0, None),
                  f"{pod.name}: workload container {other['name']} runs as a uid of its own (1337 escapes capture)",
                  f"runAsUser {uid_of(other, pod.spec)}")
    admin_host, admin_port = host_port(flag_value(c["args"], "--admin", "127.0.0.1:15000"))
    check(not ipaddress.ip_address(admin_host).is_loopback,
          f"{who}: --admin listens beyond loopback, where the kubelet and Prometheus connect", admin_host)
    probes = {k: c.get(k) for k in ("livenessProbe", "readinessProbe", "startupProbe") if c.get(k)}
    check("livenessProbe" in probes and "readinessProbe" in probes, f"{who} has liveness and readiness probes")
    if c.get("restartPolicy") == "Always":
        check("startupProbe" in probes, f"{who} is a native sidecar with a startup probe: the workload starts once it is ready")
    for k, p in probes.items():
        port = port_number(c, (p.get("httpGet") or {}).get("port"))
        check(port == admin_port, f"{who}: {k} {p.get('httpGet', {}).get('path')} is on the admin port {admin_port}", f"port {port}")
    ann = pod.tpl.get("metadata", {}).get("annotations") or {}
    check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(admin_port)
          and ann.get("prometheus.io/path") == "/metrics",
          f"{pod.name}: prometheus.io annotations scrape the proxy's admin port {admin_port} at /metrics", str(ann))
    return admin_port, probes


def start(pod, c, extra=()):
    """Starts a meshctl container's args on loopback: paths through the pod's volumes, ports
    rewritten to free ones. Returns the process and container port → local port."""
    # First the real parser on the args as written: clap rejects an unknown flag or a bad value
    # before it prints help.
    r = run([MESHCTL, *[expand(a, env_of(c, pod.namespace)) for a in c["args"]], "--help"])
    check(r.returncode == 0, f"{pod.name}: meshctl accepts {c['name']}'s args: {' '.join(c['args'])}", r.stderr.strip())
    args, ports = [], {}
    for a in c["args"]:
        a = pod.localize(c, a)
        for name in ("--admin", "--listen"):
            v = flag_value([a], name)
            if v and v != "off":
                port = host_port(v)[1]
                ports[port] = free_port()
                a = f"{name}=127.0.0.1:{ports[port]}"
        args.append(a)
    log = open(os.path.join(pod.root, c["name"] + ".log"), "w")
    proc = subprocess.Popen([MESHCTL, *args, *extra], stdout=log, stderr=subprocess.STDOUT)
    return proc, ports


def run_shell(pod, c, extra_env):
    """A shell container (command [sh, -c…]) run here with its paths through the pod's volumes."""
    cmd = [pod.localize(c, x) for x in (c.get("command") or []) + (c.get("args") or [])]
    env = dict(os.environ, **env_of(c, pod.namespace), **extra_env)
    if "HOME" in env_of(c, pod.namespace):
        env["HOME"] = pod.localize(c, env["HOME"])
    return run(cmd, env=env)


def entry_addresses(directory):
    """(address, port) pairs the ServiceEntries under `directory` pin, as listener names."""
    names = set()
    for fn in os.listdir(directory):
        if fn.startswith(".") or not re.search(r"\.(ya?ml|json)$", fn):
            continue
        with open(os.path.join(directory, fn)) as f:
            for d in yaml.safe_load_all(f):
                if d and d.get("kind") == "ServiceEntry":
                    for a in d["spec"].get("addresses") or []:
                        for p in d["spec"]["ports"]:
                            names.add(f"{a.split('/')[0]}_{p['number']}")
    return names


def listeners(port):
    status, body = http_get(port, "/config_dump")
    if status != 200:
        return set()
    return {l["name"] for l in json.loads(body).get("listeners", [])}


def run_sidecars(pod, proxy, admin_port, probes):
    set_zone(PINNED)
    pod.layout()
    proxy_vols = {vm["name"] for vm in proxy.get("volumeMounts") or []}
    for c in pod.inits:
        if role(c) == "other":
            # Init containers run in order and the proxy's startup probe waits for its entries:
            # whatever fills a volume the proxy reads must come before it.
            if {vm["name"] for vm in c.get("volumeMounts") or []} & proxy_vols:
                check(pod.inits.index(c) < pod.inits.index(proxy) if proxy in pod.inits else True,
                      f"{pod.name}: init container {c['name']} fills the proxy's volume before the proxy starts")
            r = run_shell(pod, c, {})
            check(r.returncode == 0, f"{pod.name}: init container {c['name']} runs: {' '.join(c.get('command') or [])}", r.stderr.strip())
    entries_dir = next(path for mount, path in pod.mounts(proxy) if any(mount in a for a in proxy["args"]))
    want = entry_addresses(entries_dir)
    check(bool(want), f"{pod.name}: the proxy's entries directory holds pinned entries ({', '.join(sorted(want))})")
    proc, ports = start(pod, proxy)
    local = ports.get(admin_port)
    procs = [(proxy["name"], proc)]
    try:
        ready_path = probes["readinessProbe"]["httpGet"]["path"]
        ok = wait_until(lambda: http_get(local, ready_path)[0] == 200, 15)
        check(ok, f"{pod.name}: the proxy, run with its args, answers its readiness probe {ready_path} with 200")
        for k, p in probes.items():
            status, _ = http_get(local, p["httpGet"]["path"])
            check(status == 200, f"{pod.name}: {k} {p['httpGet']['path']} answers 200 from the running proxy", f"status {status}")
        # A connection straight to the listener has no original destination: denied, and counted
        # under Istio's metric names.
        listen = ports.get(host_port(flag_value(proxy["args"], "--listen", "127.0.0.1:15001"))[1])
        try:
            with socket.create_connection(("127.0.0.1", listen), timeout=5) as conn:
                conn.settimeout(5)
                closed = conn.recv(1) == b""
        except OSError:
            closed = True
        check(closed, f"{pod.name}: the proxy closes a connection that was not redirected (deny)")
        prom = pod.tpl["metadata"]["annotations"]
        status, body = wait_until(lambda: (lambda r: r if "istio_tcp_connections_closed_total" in r[1] else None)(
            http_get(ports.get(int(prom.get("prometheus.io/port", 0))), prom.get("prometheus.io/path", "/metrics"))), 5) or (None, "")
        check(status == 200 and 'response_flags="NR"' in body and "meshctl_config_generation 1" in body,
              f"{pod.name}: the scrape annotations' {prom['prometheus.io/path']} serves istio_tcp_* and meshctl_* metrics, the denial counted",
              f"status {status}")
        got = listeners(local)
        check(want <= got, f"{pod.name}: the proxy enforces the mounted entries: listeners {', '.join(sorted(want))}", str(sorted(got)))
        for s in pod.by_role("sync"):
            check_hardened(f"{pod.name}: {s['name']}", s, 1337)
            check("--watch" in s["args"] and "--write" in s["args"], f"{pod.name}: {s['name']} runs sync --watch --write")
            shared = {vm["name"] for vm in s.get("volumeMounts") or [] if not vm.get("readOnly")}
            vols = {v["name"]: v for v in pod.spec["volumes"]}
            check(any("emptyDir" in vols[n] for n in shared & proxy_vols),
                  f"{pod.name}: {s['name']} writes the emptyDir the proxy reads")
            sync_admin = host_port(flag_value(s["args"], "--admin", "127.0.0.1:15021"))[1]
            sproc, sports = start(pod, s, ["--nameserver", NAMESERVER, "--min-interval=1s"])
            procs.append((s["name"], sproc))
            live = s.get("livenessProbe", {}).get("httpGet", {})
            check(port_number(s, live.get("port")) == sync_admin, f"{pod.name}: {s['name']}'s liveness probe is on its --admin port {sync_admin}")
            ok = wait_until(lambda: http_get(sports[sync_admin], live.get("path", "/healthz"))[0] == 200, 15)
            check(ok, f"{pod.name}: {s['name']}, run with its args, answers its liveness probe {live.get('path')} with 200")
            set_zone(MOVED)
            moved = {n.replace("203.0.113.7_", "203.0.113.8_") for n in want}
            ok = wait_until(lambda: moved <= entry_addresses(entries_dir), 20)
            check(ok, f"{pod.name}: when DNS moves db.example.com to 203.0.113.8, sync rewrites the entry in the shared directory")
            ok = wait_until(lambda: moved <= listeners(local), 15)
            check(ok, f"{pod.name}: the proxy reloads what sync wrote: {', '.join(sorted(moved))}", str(sorted(listeners(local))))
        if not pod.by_role("sync"):
            # The proxy-sidecar base: a ConfigMap edit is the kubelet's `..data` swap.
            d = entries_dir
            old = os.readlink(os.path.join(d, "..data"))
            new = "..2026_12_01_10_05_00.000000002"
            shutil.copytree(os.path.join(d, old), os.path.join(d, new))
            for fn in os.listdir(os.path.join(d, new)):
                p = os.path.join(d, new, fn)
                with open(p) as f:
                    text = f.read()
                with open(p, "w") as f:
                    f.write(text.replace("203.0.113.7/32", "203.0.113.8/32"))
            os.symlink(new, os.path.join(d, "..data_tmp"))
            os.replace(os.path.join(d, "..data_tmp"), os.path.join(d, "..data"))
            moved = {n.replace("203.0.113.7_", "203.0.113.8_") for n in want}
            ok = wait_until(lambda: moved <= listeners(local) and not (want - moved) & listeners(local), 15)
            check(ok, f"{pod.name}: a ConfigMap update (the kubelet's ..data swap) reloads the proxy without a restart")
    finally:
        set_zone(PINNED)
        for name, p in reversed(procs):
            rc = stop(p)
            check(rc == 0, f"{pod.name}: {name} exits 0 on SIGTERM", f"exit {rc}")


def check_rbac(pod):
    sa = pod.spec.get("serviceAccountName")
    check(sa is not None and any(d["kind"] == "ServiceAccount" and d["metadata"]["name"] == sa for d in docs),
          f"{pod.name} runs as its own ServiceAccount {sa}")
    check(not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")], f"{pod.name}: no cluster-wide RBAC")
    bindings = [d for d in docs if d["kind"] == "RoleBinding"
                and any(s.get("kind") == "ServiceAccount" and s.get("name") == sa for s in d.get("subjects") or [])]
    verbs = set()
    for b in bindings:
        subj = [s for s in b["subjects"] if s.get("name") == sa][0]
        ns = {b["metadata"].get("namespace"), subj.get("namespace"), pod.namespace}
        role_doc = [d for d in docs if d["kind"] == "Role" and d["metadata"]["name"] == b["roleRef"]["name"]]
        check(b["roleRef"]["kind"] == "Role" and len(role_doc) == 1, f"{pod.name}: RoleBinding {b['metadata']['name']} grants a Role")
        if role_doc:
            ns.add(role_doc[0]["metadata"].get("namespace"))
            rules = role_doc[0]["rules"]
            exact = (len(rules) == 1 and rules[0].get("apiGroups") == ["networking.istio.io"]
                     and rules[0].get("resources") == ["serviceentries"] and sorted(rules[0].get("verbs")) == ["get", "patch"])
            check(exact, f"{pod.name}: Role {role_doc[0]['metadata']['name']} grants exactly get and patch on networking.istio.io serviceentries", str(rules))
            verbs |= set(rules[0].get("verbs") or [])
        check(len(ns) == 1 and None not in ns, f"{pod.name}: Role, RoleBinding, its subject and the CronJob share one namespace", str(ns))
    check(len(bindings) == 1, f"{pod.name}: one RoleBinding for {sa}", str(len(bindings)))
    return verbs


def fake_store(pod, names, store):
    """The live objects `kubectl get` returns: `gen serviceentry` output for each name, with the
    metadata the API server adds."""
    os.makedirs(store, exist_ok=True)
    for n in names:
        m = re.fullmatch(r"(.+)-(\d+)", n)
        host, port = m.group(1).replace("-", "."), m.group(2)
        r = run([MESHCTL, "gen", "serviceentry", host, "--port", port, "--name", n, "--nameserver", NAMESERVER])
        if r.returncode != 0:
            out("FAIL", f"gen serviceentry {host}: {r.stderr}")
            continue
        d = yaml.safe_load(r.stdout)
        d["metadata"].update({"namespace": pod.namespace, "resourceVersion": "4711", "generation": 1,
                              "uid": "5e0b4a2c-0000-4000-8000-000000000001", "creationTimestamp": "2026-12-01T10:00:00Z"})
        d["status"] = {}
        with open(os.path.join(store, n + ".yaml"), "w") as f:
            yaml.safe_dump(d, f)


def run_cronjob(pod, verbs):
    steps = pod.inits + pod.mains
    getters = [c for c in pod.inits if role(c) == "other"]
    syncs = pod.by_role("sync")
    appliers = [c for c in pod.mains if role(c) == "other"]
    if not check(len(getters) == 1 and len(syncs) == 1 and len(appliers) == 1
                 and steps.index(getters[0]) < steps.index(syncs[0]) < steps.index(appliers[0]),
                 f"{pod.name}: three steps in order: get (init), sync (init), apply"):
        return
    get, sync, apply = getters[0], syncs[0], appliers[0]
    names = env_of(get, pod.namespace).get("SERVICE_ENTRIES", "").split()
    check(bool(names), f"{pod.name}: the entries to keep are named ({' '.join(names)})")
    r = run([MESHCTL, *[expand(a, env_of(sync, pod.namespace)) for a in sync["args"]], "--help"])
    check(r.returncode == 0, f"{pod.name}: meshctl accepts {sync['name']}'s args: {' '.join(sync['args'])}", r.stderr.strip())
    for label, zone, want_apply in (("DNS as pinned", PINNED, False), ("db.example.com moved to 203.0.113.8", MOVED, True)):
        # Each run is a fresh Job pod; the cluster holds the entries as pinned.
        pod.layout()
        store = os.path.join(pod.root, "store-" + str(want_apply))
        set_zone(PINNED)
        fake_store(pod, names, store)
        set_zone(zone)
        log = os.path.join(pod.root, f"kubectl-{want_apply}.log")
        fake = {"PATH": os.environ["FAKEBIN"] + os.pathsep + os.environ["PATH"],
                "FAKE_KUBECTL_LOG": log, "FAKE_KUBECTL_STORE": store}
        r = run_shell(pod, get, fake)
        if not check(r.returncode == 0, f"{pod.name} ({label}): step {get['name']} fetches the entries by name", r.stderr.strip()):
            continue
        args = [pod.localize(sync, a) for a in sync["args"]]
        r = run([MESHCTL, *args, "--nameserver", NAMESERVER])
        check(r.returncode == 0, f"{pod.name} ({label}): step {sync['name']} exits 0: {' '.join(sync['args'])}", f"exit {r.returncode}: {r.stdout}{r.stderr}")
        r = run_shell(pod, apply, fake)
        check(r.returncode == 0, f"{pod.name} ({label}): step {apply['name']} exits 0", r.stderr.strip())
        calls = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
        applied = [c for c in calls if "apply" in c]
        gets = [c for c in calls if "get" in c]
        check(len(gets) == 1 and all(n in gets[0] for n in names) and pod.namespace in gets[0],
              f"{pod.name} ({label}): kubectl get names every entry, in namespace {pod.namespace}", str(gets))
        check(bool(applied) == want_apply,
              f"{pod.name} ({label}): kubectl apply runs {'once, with the rewritten entries' if want_apply else 'not at all (nothing changed)'}", str(applied))
        needed = {"get"} | ({"get", "patch"} if applied else set())
        check(needed <= verbs, f"{pod.name} ({label}): the commands need only {sorted(needed)}, which the Role grants")
        if applied:
            path = applied[0][applied[0].index("-f") + 1]
            with open(path) as f:
                text = f.read()
            check("203.0.113.8/32" in text and "meshctl.dev/departed" in text,
                  f"{pod.name} ({label}): the applied file holds 203.0.113.8/32 and the departed record of 203.0.113.7")
            r = run([MESHCTL, "check", "--fail-on", "warning", path])
            check(r.returncode == 0, f"{pod.name} ({label}): meshctl check passes the file kubectl applies", r.stdout + r.stderr)
    set_zone(PINNED)


def check_networkpolicies():
    nps = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    proxy_docs = []
    with open(PROXY_RENDER) as f:
        proxy_docs = [d for d in yaml.safe_load_all(f) if d]
    want = set()
    for cm in (d for d in proxy_docs if d.get("kind") == "ConfigMap"):
        for se in configmap_istio_docs(cm):
            if se.get("kind") == "ServiceEntry":
                for a in se["spec"].get("addresses") or []:
                    for p in se["spec"]["ports"]:
                        want.add((a, "TCP", p["number"]))
    app_labels = [pod_of(d)["metadata"]["labels"] for d in proxy_docs if pod_of(d)]
    for np in nps:
        who = f"NetworkPolicy {np['metadata']['name']}"
        spec = np["spec"]
        check("Egress" in (spec.get("policyTypes") or []), f"{who} restricts egress")
        sel = spec.get("podSelector", {}).get("matchLabels") or {}
        check(bool(sel) and any(all(l.get(k) == v for k, v in sel.items()) for l in app_labels),
              f"{who} selects the proxy-sidecar's pods ({sel})")
        cidrs, dns, other = set(), [], []
        for rule in spec.get("egress") or []:
            peers, ports = rule.get("to") or [], rule.get("ports") or []
            if peers and all("ipBlock" in p and not p["ipBlock"].get("except") for p in peers) and ports:
                cidrs |= {(p["ipBlock"]["cidr"], q.get("protocol", "TCP"), q.get("port")) for p in peers for q in ports}
            elif (len(peers) == 1 and peers[0].get("namespaceSelector", {}).get("matchLabels") == {"kubernetes.io/metadata.name": "kube-system"}
                  and peers[0].get("podSelector", {}).get("matchLabels") == {"k8s-app": "kube-dns"}):
                dns.append({(q.get("protocol", "TCP"), q.get("port")) for q in ports})
            else:
                other.append(rule)
        check(cidrs == want, f"{who} admits exactly the addresses and ports the entries pin: {sorted(want)}", str(sorted(cidrs)))
        check(dns == [{("UDP", 53), ("TCP", 53)}], f"{who} admits DNS to kube-dns only, UDP and TCP 53", str(dns))
        check(not other, f"{who} has no other egress rule", str(other))


pods = [Pod(d) for d in docs if pod_of(d)]
for pod in pods:
    proxies = pod.by_role("proxy")
    if proxies:
        proxy = proxies[0]
        check_capture(pod, proxy)
        admin_port, probes = check_proxy(pod, proxy)
        run_sidecars(pod, proxy, admin_port, probes)
    elif pod.by_role("sync"):
        verbs = check_rbac(pod)
        run_cronjob(pod, verbs)
check_networkpolicies()
if counts["structural"] == 0:
    out("FAIL", "nothing here was checked: no meshctl pod, no NetworkPolicy")
EOF

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
echo '{"ttl": 1, "names": {}}' >"$T/zone.json"
"$PY" "$T/dns.py" "$T/zone.json" "$T/dns.port" &
DNS_PID=$!
for _ in $(seq 50); do [ -s "$T/dns.port" ] && break; sleep 0.1; done
[ -s "$T/dns.port" ] || { echo "test-deploy.sh: the DNS server did not start" >&2; exit 2; }
DNS_PORT=$(cat "$T/dns.port")

# The validators must be able to fail: an unknown field, and an address Istio rejects.
cat >"$T/canary.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: canary, labelz: {}}
EOF
for version in $K8S_VERSIONS; do
  if "$PY" -m kubernetes_validate --strict -k "$version" "$T/canary.yaml" >/dev/null 2>&1; then
    fail "kubernetes-validate --strict -k $version accepts an unknown field: it cannot be trusted here"
  else
    pass "kubernetes-validate --strict -k $version rejects an unknown field"
  fi
done
if printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: canary}\nspec: {hosts: [db.example.com], addresses: [10.0.0.300/32], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE}\n' \
  | "$BIN" check - >/dev/null 2>&1; then
  fail "meshctl check accepts an invalid address: it cannot be trusted here"
else
  pass "meshctl check rejects an invalid ServiceEntry"
fi

mapfile -t dirs < <(find deploy -name kustomization.yaml -printf '%h\n' | sort)
if [ ${#dirs[@]} -eq 0 ]; then fail "no kustomization.yaml under deploy/"; fi
mkdir -p "$T/render"
kubectl kustomize deploy/proxy-sidecar >"$T/render/proxy-sidecar.base.yaml" 2>"$T/render/proxy-sidecar.err" || true
for dir in "${dirs[@]}"; do
  log "$dir"
  slug=${dir//\//_}
  out="$T/render/$slug.yaml"
  if kubectl kustomize "$dir" >"$out" 2>"$T/render/$slug.err"; then
    pass "$dir: kubectl kustomize renders $(grep -c '^kind:' "$out") resource(s)"
  else
    fail "$dir: kubectl kustomize: $(cat "$T/render/$slug.err")"
    continue
  fi
  mkdir -p "$T/work/$slug"
  while IFS= read -r line; do
    case $line in
      PASS:*) pass "${line#PASS: }" ;;
      FAIL:*) fail "${line#FAIL: }" ;;
      *) echo "$line" ;;
    esac
  done < <("$PY" "$T/checks.py" "$BIN" "$dir" "$out" "$T/work/$slug" "$T/zone.json" "$DNS_PORT" \
    "$K8S_VERSIONS" "$PY" "$T/render/proxy-sidecar.base.yaml" 2>&1 || echo "FAIL: $dir: checks.py exited $?")
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
