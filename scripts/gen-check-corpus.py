#!/usr/bin/env python3
"""Writes the `meshctl check` benchmark corpus: N one-document YAML files (default 10,000, ~10 MB),
mixed kinds as a real manifests repository has them, some with the mistakes meshctl reports.

Usage: gen-check-corpus.py OUT_DIR [N]
ServiceEntries go to OUT_DIR/serviceentries/, everything else to OUT_DIR/other/, so a schema
validator can be pointed at the ServiceEntries alone. Addresses are documentation ranges only."""
import os
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
os.makedirs(os.path.join(out, "serviceentries"), exist_ok=True)
os.makedirs(os.path.join(out, "other"), exist_ok=True)

PAD = "\n".join(f"    example.com/note-{k}: \"padding so documents are about one kilobyte, like real manifests\"" for k in range(6))

def address(i):
    # 750 distinct documentation addresses; with the port below every entry is unique.
    base = ["192.0.2", "198.51.100", "203.0.113"][(i // 250) % 3]
    return f"{base}.{i % 250 + 1}"

def service_entry(i):
    mistake = (i // 5) % 10
    addresses = f"  addresses:\n  - {address(i)}/32\n"
    protocol = "    protocol: TCP\n"
    if mistake == 1:
        addresses = f"  addresses:\n  - {address(i)}\n"          # MSH202
    elif mistake == 2:
        protocol = ""                                              # MSH205
    elif mistake == 3:
        addresses = f"  addresses:\n  - {address(i)}/24\n"       # MSH203
    return f"""apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db-{i}
  namespace: team-{i % 40}
  annotations:
{PAD}
spec:
  hosts:
  - db-{i}.example.com
{addresses}  ports:
  - number: {3306 + (i // 750) % 50}
    name: tcp
{protocol}  location: MESH_EXTERNAL
  resolution: NONE
"""

def deployment(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 40}
  annotations:
{PAD}
spec:
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

for i in range(count):
    if i % 5 < 3:
        path = os.path.join(out, "serviceentries", f"se-{i:05}.yaml")
        text = service_entry(i)
    else:
        path = os.path.join(out, "other", f"deploy-{i:05}.yaml")
        text = deployment(i)
    with open(path, "w") as f:
        f.write(text)
