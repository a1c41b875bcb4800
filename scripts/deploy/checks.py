# Checks one rendered deploy/ directory for test-deploy.sh, which runs it once per directory and
# counts the PASS/FAIL lines it prints:
#
#   python3 -B checks.py MESHCTL DIR RENDER SCRATCH ZONE DNS_PORT K8S_VERSIONS PY PROXY_RENDER
#
# Whole-render validation lives here: every rendered document goes to the validator of its kind.
# Kubernetes kinds go to `kubernetes-validate --strict` for each supported Kubernetes version;
# Istio kinds, which kubernetes-validate only warns about, go to `meshctl check` together with the
# ServiceEntries the ConfigMaps carry, mounted as the kubelet mounts them, since that is what the
# proxy reads. A kind neither validator reads fails rather than passing unchecked. Each pod then
# goes to the checks of what it is: proxy_sidecar.py for a pod with the proxy, cronjob.py and
# access.py for the sync CronJob; access.py checks every NetworkPolicy. A directory where none of
# those applies fails, since it tested nothing.
import json, os, re
import yaml

from access import check_networkpolicies, check_rbac
from cronjob import run_cronjob
from harness import K8S_VERSIONS, MESHCTL, PY, RENDER, SCRATCH, counts, out, run
from kube import CORE_GROUPS, ISTIO_GROUPS, Pod, configmap_istio_docs, group, mount_configmap, pod_of
from proxy_sidecar import check_capture, check_proxy, run_sidecars


def check_schema(docs):
    """Kubernetes kinds strictly, Istio kinds left to check_meshctl, nothing unaccounted for."""
    core = [d for d in docs if group(d) in CORE_GROUPS]
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


def check_meshctl(docs, configmaps):
    """`meshctl check` of the rendered output and the entries its ConfigMaps carry, as mounted."""
    istio = [d for d in docs if group(d) in ISTIO_GROUPS]
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


def main():
    with open(RENDER) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    check_schema(docs)
    configmaps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
    check_meshctl(docs, configmaps)
    pods = [Pod(d, configmaps) for d in docs if pod_of(d)]
    for pod in pods:
        proxies = pod.by_role("proxy")
        if proxies:
            proxy = proxies[0]
            check_capture(pod, proxy)
            admin_port, probes = check_proxy(pod, proxy)
            run_sidecars(pod, proxy, admin_port, probes)
        elif pod.by_role("sync"):
            verbs = check_rbac(pod, docs)
            run_cronjob(pod, verbs)
    check_networkpolicies(docs)
    if counts["structural"] == 0:
        out("FAIL", "nothing here was checked: no meshctl pod, no NetworkPolicy")


if __name__ == "__main__":
    main()
