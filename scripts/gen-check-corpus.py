#!/usr/bin/env python3
"""Writes the `meshctl check` benchmark corpus, mixed kinds as a real manifests repository has
them, some with the mistakes meshctl reports. Addresses are documentation ranges only.

Usage: gen-check-corpus.py OUT_DIR [N] [--shape one-per-file|multi-document|namespaces|mixed-namespaces]

one-per-file (the default, ~10 MB for 10,000): N one-document files of about one kilobyte (long
  padding annotations), 60 % ServiceEntries and 40 % Deployments. ServiceEntries go to
  OUT_DIR/serviceentries/, everything else to OUT_DIR/other/, so a schema validator can be pointed
  at the ServiceEntries alone.
multi-document (~3.4 MB for 10,000): the shape of a large GitOps repository, N documents in files of 100
  (OUT_DIR/manifests/NNN.yaml) without padding: about 70 % ServiceEntries, the rest Deployments,
  Services, ConfigMaps and a few Sidecars, with a misspelled kind now and then. Each file mixes
  kinds, as a team's manifests do; OUT_DIR/serviceentries.txt lists `file:index` of each
  ServiceEntry so a schema validator can be fed the same documents.
namespaces (~3 MB for 10,000): N documents spread over 60 namespaces, one file per namespace
  (OUT_DIR/namespaces/ns-NN.yaml): ServiceEntries with a mix of `exportTo` (public, `.`, one
  other namespace), and in every namespace a Sidecar importing `./*`, `shared/*` and one
  neighbour, plus a selector Sidecar for `app: batch` in every fifth namespace: dozens of
  distinct workload views, the shape that costs `meshctl diff` most.
mixed-namespaces (~3.5 MB for 10,000): the multi-document shape (files of 100 mixed documents,
  OUT_DIR/manifests/NNN.yaml, and OUT_DIR/serviceentries.txt) spread over 37 namespaces the way
  teams own them: every namespace has a Sidecar importing `./*`, `shared/*` and one neighbour
  (a selector Sidecar for `app: batch` in every fourth), ServiceEntries carry the namespaces
  shape's `exportTo` mix, and Deployments, Services and ConfigMaps sit among them: every
  namespace gets a `meshctl check` view of its own."""
import argparse
import os
import re

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("out")
parser.add_argument("count", nargs="?", type=int, default=10_000)
parser.add_argument("--shape", default="one-per-file",
                    choices=["one-per-file", "multi-document", "namespaces", "mixed-namespaces"])
args = parser.parse_args()
out, count = args.out, args.count

PAD = "\n".join(f"    example.com/note-{k}: \"padding so documents are about one kilobyte, like real manifests\"" for k in range(6))

def address(i):
    # 750 distinct documentation addresses; with the port below every entry is unique.
    base = ["192.0.2", "198.51.100", "203.0.113"][(i // 250) % 3]
    return f"{base}.{i % 250 + 1}"

def labels(name, i):
    # The multi-document shape's stand-in for padding: the labels real manifests carry.
    return (f"  labels:\n    app.kubernetes.io/name: {name}\n"
            f"    app.kubernetes.io/part-of: team-{i % 40}\n")

def service_entry(i, pad=True):
    mistake = (i // 5) % 10
    addresses = f"  addresses:\n  - {address(i)}/32\n"
    protocol = "    protocol: TCP\n"
    if mistake == 1:
        addresses = f"  addresses:\n  - {address(i)}\n"          # MSH202
    elif mistake == 2:
        protocol = ""                                              # MSH205
    elif mistake == 3:
        addresses = f"  addresses:\n  - {address(i)}/24\n"       # MSH203
    annotations = f"  annotations:\n{PAD}\n" if pad else labels(f"db-{i}", i)
    return f"""apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db-{i}
  namespace: team-{i % 40}
{annotations}spec:
  hosts:
  - db-{i}.example.com
{addresses}  ports:
  - number: {3306 + (i // 750) % 50}
    name: tcp
{protocol}  location: MESH_EXTERNAL
  resolution: NONE
"""

def deployment(i, pad=True):
    annotations = f"  annotations:\n{PAD}\n" if pad else labels(f"app-{i}", i)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 40}
{annotations}spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:{i}
        env:
        - name: MYSQL_DB_HOST
          value: db-{i}.example.com
"""

def service(i):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: team-{i % 40}
{labels(f"app-{i}", i)}spec:
  selector:
    app: app-{i}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""

def config_map(i):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-config
  namespace: team-{i % 40}
data:
  DB_HOST: db-{i}.example.com
  LOG_LEVEL: info
"""

def sidecar(namespace):
    return f"""apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: team-{namespace}
spec:
  egress:
  - hosts:
    - "./*"
    - "istio-system/*"
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
"""

def misspelled(i):
    # MSH003: a kind a few letters from ServiceEntry is skipped as another kind, and reported.
    return service_entry(i, pad=False).replace("kind: ServiceEntry", "kind: ServiceEntery")

def multi_document():
    os.makedirs(os.path.join(out, "manifests"), exist_ok=True)
    listed = []
    per_file = 100
    for f in range((count + per_file - 1) // per_file):
        docs = []
        path = os.path.join(out, "manifests", f"{f:03}.yaml")
        for i in range(f * per_file, min(count, (f + 1) * per_file)):
            slot = i % 100
            if slot < 70:
                docs.append(service_entry(i, pad=False))
                listed.append(f"{path}:{len(docs) - 1}")
            elif slot < 80:
                docs.append(deployment(i, pad=False))
            elif slot < 90:
                docs.append(service(i))
            elif slot < 98:
                docs.append(config_map(i))
            elif slot == 98 and f < 40:
                docs.append(sidecar(f))   # one selector-less Sidecar per namespace
            elif slot == 99 and i % 1000 == 99:
                docs.append(misspelled(i))
            else:
                docs.append(config_map(i))
        with open(path, "w") as out_file:
            out_file.write("---\n".join(docs))
    with open(os.path.join(out, "serviceentries.txt"), "w") as out_file:
        out_file.write("\n".join(listed) + "\n")

def one_per_file():
    os.makedirs(os.path.join(out, "serviceentries"), exist_ok=True)
    os.makedirs(os.path.join(out, "other"), exist_ok=True)
    for i in range(count):
        if i % 5 < 3:
            path = os.path.join(out, "serviceentries", f"se-{i:05}.yaml")
            text = service_entry(i)
        else:
            path = os.path.join(out, "other", f"deploy-{i:05}.yaml")
            text = deployment(i)
        with open(path, "w") as out_file:
            out_file.write(text)

def namespaced_entry(i, namespace, namespaces, labelled=False):
    export = ["", "  exportTo:\n  - \".\"\n", f"  exportTo:\n  - ns-{(namespace + 1) % namespaces:02}\n  - \".\"\n"][i % 3]
    return f"""apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db-{i}
  namespace: ns-{namespace:02}
{labels(f"db-{i}", i) if labelled else ""}spec:
  hosts:
  - db-{i}.example.com
  addresses:
  - {address(i)}/32
  ports:
  - number: {3306 + (i // 750) % 50}
    name: tcp
    protocol: TCP
{export}  location: MESH_EXTERNAL
  resolution: NONE
"""

def namespaced_sidecar(namespace, namespaces, selector):
    name, select = ("default", "") if not selector else (
        "batch", "  workloadSelector:\n    labels:\n      app: batch\n")
    return f"""apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: {name}
  namespace: ns-{namespace:02}
spec:
{select}  egress:
  - hosts:
    - "./*"
    - "shared/*"
    - "ns-{(namespace + 7) % namespaces:02}/*"
"""

def namespaced():
    namespaces = 60
    os.makedirs(os.path.join(out, "namespaces"), exist_ok=True)
    docs = {n: [namespaced_sidecar(n, namespaces, False)] for n in range(namespaces)}
    for n in range(0, namespaces, 5):
        docs[n].append(namespaced_sidecar(n, namespaces, True))
    sidecars = sum(len(d) for d in docs.values())
    for i in range(max(0, count - sidecars)):
        docs[i % namespaces].append(namespaced_entry(i, i % namespaces, namespaces))
    for n, texts in docs.items():
        with open(os.path.join(out, "namespaces", f"ns-{n:02}.yaml"), "w") as out_file:
            out_file.write("---\n".join(texts))

def in_namespace(text, namespace):
    # The other shapes' documents, moved into one of the mixed-namespaces shape's namespaces.
    return re.sub(r"(?m)^  namespace: team-\d+$", f"  namespace: ns-{namespace:02}", text, count=1)

def mixed_namespaces():
    namespaces = 37
    os.makedirs(os.path.join(out, "manifests"), exist_ok=True)
    listed = []
    per_file = 100
    sidecars = [namespaced_sidecar(n, namespaces, False) for n in range(namespaces)]
    sidecars += [namespaced_sidecar(n, namespaces, True) for n in range(0, namespaces, 4)]
    for f in range((count + per_file - 1) // per_file):
        docs = []
        path = os.path.join(out, "manifests", f"{f:03}.yaml")
        for i in range(f * per_file, min(count, (f + 1) * per_file)):
            slot, namespace = i % 100, i % namespaces
            if slot == 0 and f < len(sidecars):
                docs.append(sidecars[f])
            elif slot < 70:
                docs.append(namespaced_entry(i, namespace, namespaces, labelled=True))
                listed.append(f"{path}:{len(docs) - 1}")
            elif slot < 80:
                docs.append(in_namespace(deployment(i, pad=False), namespace))
            elif slot < 90:
                docs.append(in_namespace(service(i), namespace))
            else:
                docs.append(in_namespace(config_map(i), namespace))
        with open(path, "w") as out_file:
            out_file.write("---\n".join(docs))
    with open(os.path.join(out, "serviceentries.txt"), "w") as out_file:
        out_file.write("\n".join(listed) + "\n")

if args.shape == "multi-document":
    multi_document()
elif args.shape == "namespaces":
    namespaced()
elif args.shape == "mixed-namespaces":
    mixed_namespaces()
else:
    one_per_file()
