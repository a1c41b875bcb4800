# The sync CronJob as test-deploy.sh runs it: its three steps in order (an init container that
# fetches the live entries by name with kubectl, `meshctl sync` rewriting them, a container that
# applies the result) against fake_kubectl.py, which refuses anything the CronJob's Role does not
# grant. Each scenario is a fresh Job pod: with DNS as pinned nothing is applied; with
# db.example.com moved, one apply carries the new address and the departed record, and
# `meshctl check` passes the applied file. The Role itself is checked in access.py.
import json, os, re
import yaml

from harness import MESHCTL, MOVED, NAMESERVER, PINNED, check, out, run, set_zone
from kube import env_of, expand, role, run_shell


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
    """Runs the CronJob's steps for DNS as pinned and as moved; verbs are what its Role grants."""
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
