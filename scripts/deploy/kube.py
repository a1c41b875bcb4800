# What test-deploy.sh needs to know about the rendered Kubernetes objects, done the way the
# cluster does it: the API group of a document, ConfigMaps mounted as the kubelet mounts them
# (`..data` symlinks, which the proxy's reload must follow), pod templates with their volumes laid
# out on disk, and a container's command or meshctl args run on loopback with paths and ports
# rewritten. What those pods must satisfy is checked in proxy_sidecar.py, cronjob.py and
# access.py.
import os, re, subprocess, tempfile
import yaml

from harness import MESHCTL, SCRATCH, check, free_port, out, run

CORE_GROUPS = {"", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "policy", "autoscaling"}
ISTIO_GROUPS = {"networking.istio.io", "security.istio.io", "telemetry.istio.io"}


def group(doc):
    api = doc.get("apiVersion", "")
    return api.split("/")[0] if "/" in api else ""


# ----------------------------------------------------------------------------------------------
# ConfigMaps
# ----------------------------------------------------------------------------------------------
def configmap_istio_docs(cm):
    """The Istio documents in a ConfigMap's YAML and JSON keys; a key that does not parse fails."""
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


# ----------------------------------------------------------------------------------------------
# Pods and containers
# ----------------------------------------------------------------------------------------------
def pod_of(d):
    """The pod template of a workload, or None for anything that runs no pod."""
    if d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return d["spec"]["template"]
    if d.get("kind") == "CronJob":
        return d["spec"]["jobTemplate"]["spec"]["template"]
    return None


def image_repo(c):
    return re.split(r"[:@]", c.get("image", "").rsplit("/", 1)[-1])[0]


def role(c):
    """What a container does here: capture (iptables), proxy, sync, another meshctl command, or other."""
    args = c.get("args") or []
    if image_repo(c) not in ("meshctl", "meshctl-init"):
        return "other"
    if args[:2] == ["proxy", "iptables"]:
        return "capture"
    return {"proxy": "proxy", "sync": "sync"}.get(args[0] if args else "", "meshctl")


def flag_value(args, name, default=None):
    """The value of `--name V` or `--name=V` in args."""
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
    """A container's environment: literal values and the namespace from the downward API."""
    env = {}
    for e in c.get("env") or []:
        if "value" in e:
            env[e["name"]] = e["value"]
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            env[e["name"]] = namespace
    return env


def expand(s, env):
    """`$(VAR)` references expanded as the kubelet expands them in command and args."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), s)


def uid_of(c, pod_spec):
    """The container's runAsUser, falling back to the pod's, as the kubelet resolves it."""
    return (c.get("securityContext") or {}).get("runAsUser", (pod_spec.get("securityContext") or {}).get("runAsUser"))


def port_number(c, port):
    """A probe's port as a number: named ports resolve through the container's ports."""
    if isinstance(port, int):
        return port
    for p in c.get("ports") or []:
        if p.get("name") == port:
            return p["containerPort"]
    return None


class Pod:
    """One pod template with its volumes laid out on disk, so containers can run on loopback."""

    def __init__(self, doc, configmaps):
        self.doc, self.tpl = doc, pod_of(doc)
        self.spec = self.tpl["spec"]
        self.namespace = doc["metadata"].get("namespace", "default")
        self.name = f"{doc['kind']} {doc['metadata']['name']}"
        self.inits = self.spec.get("initContainers") or []
        self.mains = self.spec.get("containers") or []
        self.root = tempfile.mkdtemp(dir=SCRATCH, prefix="pod-")
        self.volumes = {}
        self.configmaps = configmaps

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
                cm = self.configmaps.get(v["configMap"]["name"])
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
        """s with $(VAR) expanded and the container's mount paths turned into their directories here."""
        s = expand(s, env_of(c, self.namespace))
        mounts = dict(self.mounts(c))
        if not mounts:
            return s
        # One pass: a directory on disk may itself contain a mount path (/tmp).
        pattern = "|".join(re.escape(m) for m in mounts)
        return re.sub(f"({pattern})(?![A-Za-z0-9_.-])", lambda m: mounts[m.group(1)], s)


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

