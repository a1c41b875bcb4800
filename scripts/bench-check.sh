#!/usr/bin/env bash
# Benchmark `meshctl check` on a generated corpus of 10,000 documents (~10 MB) and compare, in
# the same run, with check-jsonschema validating the same ServiceEntries against Istio's CRD
# schema (what CI pipelines use today). One core (taskset), medians of 5 runs, peak RSS.
#
# Usage: scripts/bench-check.sh   (needs ../shared/schemas/istio for the comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=5

cargo build --release --quiet
bin=target/release/meshctl
python3 scripts/gen-check-corpus.py "$work/corpus" 10000
echo "corpus: $(find "$work/corpus" -name '*.yaml' | wc -l) files, $(du -sb "$work/corpus" | awk '{printf "%.1f MB", $1/1e6}')"

# median wall seconds and max RSS (KiB) of a command over $runs runs
measure() {
  local times=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" taskset -c 0 "$@" > /dev/null 2>&1 || true
    read -r t m < "$work/t"
    times+=("$t")
    (( m > rss )) && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  echo "$median $rss"
}

read -r m_all m_all_rss < <(measure "$bin" check "$work/corpus" -o json --fail-on none)
read -r m_se m_se_rss < <(measure "$bin" check "$work/corpus/serviceentries" -o json --fail-on none)
printf 'meshctl check, whole corpus (10,000 docs):   %ss  %s MiB RSS\n' "$m_all" "$((m_all_rss / 1024))"
printf 'meshctl check, ServiceEntries only (6,000):  %ss  %s MiB RSS\n' "$m_se" "$((m_se_rss / 1024))"

crd=../shared/schemas/istio/serviceentry-crd.yaml
if [ ! -f "$crd" ]; then
  echo "check-jsonschema comparison skipped: $crd not found"
  exit 0
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet check-jsonschema
"$work/venv/bin/python" - "$crd" "$work/se-schema.json" <<'PY'
import json, sys
from ruamel.yaml import YAML  # check-jsonschema's own YAML library
crd = YAML(typ="safe").load(open(sys.argv[1]))
schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")["schema"]["openAPIV3Schema"]
json.dump(schema, open(sys.argv[2], "w"))
PY
read -r c_se c_se_rss < <(measure "$work/venv/bin/check-jsonschema" --schemafile "$work/se-schema.json" "$work"/corpus/serviceentries/*.yaml)
printf 'check-jsonschema, ServiceEntries (6,000):    %ss  %s MiB RSS\n' "$c_se" "$((c_se_rss / 1024))"
python3 - "$m_se" "$c_se" "$m_all" <<'PY'
import sys
m_se, c_se, m_all = map(float, sys.argv[1:])
print(f"ratio check-jsonschema / meshctl on the same 6,000 ServiceEntries: {c_se / max(m_se, 0.001):.1f}x")
print(f"ratio check-jsonschema (6,000 SEs) / meshctl (all 10,000 docs, every rule): {c_se / max(m_all, 0.001):.1f}x")
PY
