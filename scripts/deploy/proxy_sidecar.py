# The checks test-deploy.sh runs on every pod that carries the meshctl proxy (the proxy-sidecar
# and sync-sidecar bases and their examples). Structurally: the capture init container installs
# rules for both families that exempt the proxy's uid and redirect to its port; the proxy and its
# sync sidecar are hardened, probed and scraped on the proxy's real admin port; no workload shares
# the proxy's uid, which capture exempts. Then the pod runs on loopback from its own args and
# mounts: the proxy serves the mounted entries and answers its probes and /metrics, sync --watch
# rewrites the entry when DNS moves and the proxy reloads it, and a ConfigMap edit (the kubelet's
# `..data` swap) reloads the proxy without a restart.
import ipaddress, json, os, re, shutil, socket
import yaml

from harness import (MESHCTL, MOVED, NAMESERVER, PINNED, check, http_get, run, set_zone, stop,
                     wait_until)
from kube import flag_value, host_port, port_number, role, run_shell, start, uid_of


def check_hardened(who, c, uid):
    """A long-running meshctl container: its own uid, nothing writable or escalatable, and sized."""
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
    """The init container that installs the capture rules, and the rules it prints for each family."""
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
    """The proxy container as written: hardening, admin address, probes and scrape annotations.
    Returns the admin port and the probes, which run_sidecars exercises."""
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
    """The listener names the running proxy reports on /config_dump; empty while it does not answer."""
    status, body = http_get(port, "/config_dump")
    if status != 200:
        return set()
    return {l["name"] for l in json.loads(body).get("listeners", [])}


def run_sidecars(pod, proxy, admin_port, probes):
    """Runs the pod's init containers, the proxy and any sync sidecar on loopback, and moves DNS
    or the ConfigMap under them."""
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
