# The harness every check module of test-deploy.sh shares: the run's settings, the PASS/FAIL lines
# the driver counts, the DNS zone the tests move, and the process and HTTP helpers that run
# containers' commands on loopback. The check modules import from here and from kube.py, never
# from one another, so each stays one idea; only checks.py imports them all.
#
# The driver runs checks.py once per deploy/ directory with the settings as positional arguments
# (see test-deploy.sh); they are read here once.
import json, os, signal, socket, subprocess, sys, time
import urllib.error, urllib.request

MESHCTL, DIR, RENDER, SCRATCH, ZONE, DNS_PORT, K8S_VERSIONS, PY, PROXY_RENDER = sys.argv[1:10]
NAMESERVER = f"127.0.0.1:{DNS_PORT}"
# The zone as the deploy/ examples pin it, and with db.example.com moved: what sync must notice.
PINNED = {"db.example.com": ["203.0.113.7"], "replica.example.com": ["203.0.113.17"]}
MOVED = {"db.example.com": ["203.0.113.8"], "replica.example.com": ["203.0.113.17"]}
# Checks of pods and policies, as opposed to whole-render validation: a directory that yields
# none of them tested nothing, and checks.py says so.
counts = {"structural": 0}


def out(kind, msg):
    """One line for the driver: `PASS: DIR: msg` or `FAIL: DIR: msg`."""
    print(f"{kind}: {DIR}: {msg}", flush=True)


def check(cond, msg, detail=""):
    """Reports one structural check; the detail is shown only when it fails."""
    counts["structural"] += 1
    out("PASS" if cond else "FAIL", msg if cond or not detail else f"{msg} ({detail})")
    return cond


def set_zone(names):
    """Rewrites the zone dns.py serves; the rename keeps a query from reading half a file."""
    with open(ZONE + ".tmp", "w") as f:
        json.dump({"ttl": 1, "names": names}, f)
    os.replace(ZONE + ".tmp", ZONE)


def run(argv, **kw):
    """Runs argv to completion, output captured; the timeout turns a hung step into a failure."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def free_port():
    """A port free on 127.0.0.1 now, for a container port rewritten to run here."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=2):
    """(status, body) of a GET on 127.0.0.1:port; status None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return None, str(e)


def wait_until(fn, secs):
    """Polls fn until it returns something truthy or secs pass; returns its last value."""
    deadline = time.time() + secs
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    return fn()


def stop(proc):
    """SIGTERM, as the kubelet sends it, then SIGKILL after 20 s; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    return proc.returncode

