# Least privilege, as test-deploy.sh checks it: what the deployed pods may do beyond their own
# containers. RBAC: the sync CronJob runs as a ServiceAccount of its own, bound in its namespace
# to one Role granting exactly get and patch on serviceentries, with nothing cluster-wide.
# NetworkPolicy: the policy restricts egress of the proxy-sidecar's pods to exactly the addresses
# and ports its pinned ServiceEntries admit, plus DNS to kube-dns, so the policy and the entries
# cannot drift apart. cronjob.py checks that the commands the CronJob runs need no more.
import yaml

from harness import PROXY_RENDER, check
from kube import configmap_istio_docs, pod_of


def check_rbac(pod, docs):
    """The pod's ServiceAccount, RoleBinding and Role among the rendered docs; returns the verbs granted."""
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


def check_networkpolicies(docs):
    """Each rendered NetworkPolicy against the entries the proxy-sidecar base pins."""
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
