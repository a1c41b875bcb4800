# A kubectl for the sync CronJob's steps in test-deploy.sh: it knows only what the CronJob's Role
# allows, so a step that lists, or touches another kind, fails here as it would in the cluster.
#
#   get serviceentries NAME... -o yaml   prints the objects stored as $FAKE_KUBECTL_STORE/NAME.yaml
#                                        (a List for more than one); without a name it is refused,
#                                        since RBAC grants `get` but not `list`
#   apply -f FILE                        reads FILE's documents and reports them configured
#
# Anything else exits non-zero. Every call's arguments go to $FAKE_KUBECTL_LOG as a JSON line, so
# the test can check which commands the CronJob ran.
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
