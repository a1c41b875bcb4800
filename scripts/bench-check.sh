#!/usr/bin/env bash
# Benchmark `meshctl check` on the corpus shapes of scripts/gen-check-corpus.py (10,000
# documents each) and compare, on the first two, in the same run, with check-jsonschema
# validating the same ServiceEntries against Istio's CRD schema (what CI pipelines use today):
#
#   one-per-file      10,000 one-document files, ~9 MB (the README's corpus)
#   multi-document    100 files of 100 documents, ~3.4 MB, ~70 % ServiceEntries (the shape of a large GitOps repository)
#   namespaces        60 files, ~3 MB, 60 namespaces with Sidecars and an exportTo mix: 60 per-namespace views
#   mixed-namespaces  100 files of 100 documents, ~3.5 MB, 37 namespaces with Sidecars, an exportTo mix,
#                     Deployments, Services and ConfigMaps among the ServiceEntries
#
# meshctl runs every rule on the whole corpus, on all cores (it parses files in parallel) and,
# for reference, pinned to one core. Medians of 5 runs (3 for check-jsonschema, which takes
# seconds per run), peak RSS over the runs, ratios, and whether the goals are met:
# under 0.3 s and under 100 MB on every shape.
#
# Usage: scripts/bench-check.sh   (needs ../shared/schemas/istio for the comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=5
cj_runs=3
goal_seconds=0.3
goal_mib=100

cargo build --release --quiet --bin meshctl
bin=target/release/meshctl
shapes=(one-per-file multi-document namespaces mixed-namespaces)
# The shapes whose ServiceEntries are also given to check-jsonschema.
compared=(one-per-file multi-document)
for shape in "${shapes[@]}"; do
  python3 scripts/gen-check-corpus.py "$work/$shape" 10000 --shape "$shape"
  echo "corpus $shape: $(find "$work/$shape" -name '*.yaml' | wc -l) files, $(find "$work/$shape" -name '*.yaml' -print0 | du -cb --files0-from=- | tail -1 | awk '{printf "%.1f MB", $1/1e6}')"
done

# median wall seconds and max RSS (KiB) of a command over N runs: measure N CMD...
measure() {
  local n=$1 times=() rss=0
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" > /dev/null 2>&1 || true
    read -r t m < "$work/t"
    times+=("$t")
    (( m > rss )) && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (n + 1) / 2 ))p")
  echo "$median $rss"
}

declare -A secs rss
for shape in "${shapes[@]}"; do
  read -r secs[$shape] rss[$shape] < <(measure "$runs" "$bin" check "$work/$shape" -o json --fail-on none)
  read -r secs[$shape-1cpu] rss[$shape-1cpu] < <(measure "$runs" taskset -c 0 "$bin" check "$work/$shape" -o json --fail-on none)
done

# check-jsonschema reads one document per file: give it each ServiceEntry of a shape as a file.
mkdir -p "$work/se/one-per-file" "$work/se/multi-document"
cp "$work"/one-per-file/serviceentries/*.yaml "$work/se/one-per-file/"
python3 - "$work/multi-document/serviceentries.txt" "$work/se/multi-document" <<'PY'
import sys
out = sys.argv[2]
docs = {}
for line in open(sys.argv[1]):
    path, index = line.strip().rsplit(":", 1)
    if path not in docs:
        docs[path] = open(path).read().split("---\n")
    with open(f"{out}/{len(docs):03}-{int(index):03}.yaml", "w") as f:
        f.write(docs[path][int(index)])
PY
declare -A se_count
for shape in "${compared[@]}"; do
  se_count[$shape]=$(find "$work/se/$shape" -name '*.yaml' | wc -l)
done

crd=../shared/schemas/istio/serviceentry-crd.yaml
compare=yes
if [ ! -f "$crd" ]; then
  echo "check-jsonschema comparison skipped: $crd not found"
  compare=no
elif ! { python3 -m venv "$work/venv" && "$work/venv/bin/pip" install --quiet check-jsonschema; }; then
  echo "check-jsonschema comparison skipped: it could not be installed"
  compare=no
fi
if [ "$compare" = yes ]; then
  "$work/venv/bin/python" - "$crd" "$work/se-schema.json" <<'PY'
import json, sys
from ruamel.yaml import YAML  # check-jsonschema's own YAML library
crd = YAML(typ="safe").load(open(sys.argv[1]))
schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")["schema"]["openAPIV3Schema"]
json.dump(schema, open(sys.argv[2], "w"))
PY
  cj_version=$("$work/venv/bin/check-jsonschema" --version | awk '{print $NF}')
  for shape in "${compared[@]}"; do
    read -r secs[$shape-se] rss[$shape-se] < <(measure "$runs" "$bin" check "$work/se/$shape" -o json --fail-on none)
    read -r secs[$shape-cj] rss[$shape-cj] < <(measure "$cj_runs" "$work/venv/bin/check-jsonschema" --schemafile "$work/se-schema.json" "$work"/se/"$shape"/*.yaml)
  done
fi

echo
printf '| %-68s | %-16s | %9s | %9s |\n' "tool, input" shape "wall time" "peak RSS"
printf '| %-68s | %-16s | %9s | %9s |\n' --- --- --- ---
row() { printf '| %-68s | %-16s | %8ss | %5s MiB |\n' "$1" "$2" "$3" "$(( $4 / 1024 ))"; }
for shape in "${shapes[@]}"; do
  row "meshctl check, every rule, all 10,000 documents" "$shape" "${secs[$shape]}" "${rss[$shape]}"
  row "  same, one core (taskset -c 0)" "$shape" "${secs[$shape-1cpu]}" "${rss[$shape-1cpu]}"
  if [ "$compare" = yes ] && [ -n "${se_count[$shape]:-}" ]; then
    row "meshctl check, every rule, the ${se_count[$shape]} ServiceEntries" "$shape" "${secs[$shape-se]}" "${rss[$shape-se]}"
    row "check-jsonschema $cj_version (CRD schema only), the ${se_count[$shape]} ServiceEntries" "$shape" "${secs[$shape-cj]}" "${rss[$shape-cj]}"
  fi
done
echo
for shape in "${shapes[@]}"; do
  compared_shape=no
  [ "$compare" = yes ] && [ -n "${se_count[$shape]:-}" ] && compared_shape=yes
  python3 - "$shape" "${secs[$shape]}" "${rss[$shape]}" "$goal_seconds" "$goal_mib" "$compared_shape" \
    "${secs[$shape-se]:-0}" "${secs[$shape-cj]:-0}" "${se_count[$shape]:-0}" <<'PY'
import sys
shape, wall, rss_kib, goal_s, goal_mib, compare, m_se, c_se, n_se = sys.argv[1:]
wall, rss_mib = float(wall), int(rss_kib) / 1024
met = lambda ok: "met" if ok else "NOT met"
print(f"{shape}: wall {wall:.2f} s, goal < {goal_s} s {met(wall < float(goal_s))}; "
      f"peak RSS {rss_mib:.0f} MiB, goal < {goal_mib} MB {met(rss_mib * 1.048576 < float(goal_mib))}")
if compare == "yes":
    m_se, c_se = float(m_se), float(c_se)
    print(f"  check-jsonschema / meshctl on the same {n_se} ServiceEntries: {c_se / max(m_se, 0.001):.1f}x; "
          f"check-jsonschema ({n_se} SEs) / meshctl (all 10,000 documents, every rule): {c_se / max(wall, 0.001):.1f}x")
PY
done
