#!/usr/bin/env bash
# Benchmark `meshctl diff` on 10,000-document corpora (scripts/gen-check-corpus.py) against a
# copy with one ServiceEntry changed and a copy with 100 ServiceEntries changed:
#
#   one-per-file    10,000 one-document files, ~9 MB, 40 namespaces, no Sidecars
#   multi-document  100 files of 100 documents, ~3.4 MB, 40 namespaces with a Sidecar each
#   namespaces      60 files, ~3 MB, 60 namespaces with Sidecars (12 with a selector), mixed
#                   exportTo: about 70 workload views, the shape that costs diff most
#
# A change moves one entry's address to its own IPv6 documentation address, so every changed
# entry is a change diff must report. Medians of 5 runs, peak RSS, the ratio to `meshctl check`
# of the same corpus (diff loads two of them), the regions reported, and whether the goal is met:
# under 1 s on every shape.
#
# Usage: scripts/bench-diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=5
goal_seconds=1

cargo build --release --quiet --bin meshctl
bin=target/release/meshctl

# change DIR N: moves the first address of the first N ServiceEntries (in file order) to
# 2001:db8:b::<k>; prints how many it changed.
change() {
  python3 - "$1" "$2" <<'EOF'
import pathlib, re, sys
root, wanted = pathlib.Path(sys.argv[1]), int(sys.argv[2])
done = 0
for path in sorted(root.rglob("*.yaml")):
    if done == wanted:
        break
    docs = path.read_text().split("---\n")
    for k, doc in enumerate(docs):
        if done == wanted:
            break
        if "kind: ServiceEntry\n" not in doc or "  addresses:\n  - " not in doc:
            continue
        docs[k] = re.sub(r"(  addresses:\n  - )\S+", rf"\g<1>2001:db8:b::{done + 1:x}", doc, count=1)
        done += 1
    path.write_text("---\n".join(docs))
print(done)
EOF
}

# median wall seconds and max RSS (KiB) of a command over N runs: measure N CMD...
measure() {
  local n=$1 times=() rss=0
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r t m < <(tail -n 1 "$work/t")
    times+=("$t")
    ((m > rss)) && rss=$m
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((n + 1) / 2))p")" "$rss"
}

met=1
echo "| corpus | change | diff median | peak RSS | check median | diff / check | regions | under ${goal_seconds} s |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
for shape in one-per-file multi-document namespaces; do
  python3 scripts/gen-check-corpus.py "$work/$shape/old" 10000 --shape "$shape"
  read -r check_s _ < <(measure "$runs" "$bin" check "$work/$shape/old")
  for n in 1 100; do
    new=$work/$shape/new-$n
    cp -r "$work/$shape/old" "$new"
    changed=$(change "$new" "$n")
    [ "$changed" = "$n" ] || { echo "$shape: changed $changed entries, not $n" >&2; exit 2; }
    # (diff exits 1: there are changes)
    regions=$({ "$bin" diff "$work/$shape/old" "$new" -o json || true; } \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["regions"] for s in d["summary"]))')
    read -r diff_s rss < <(measure "$runs" "$bin" diff "$work/$shape/old" "$new")
    ratio=$(awk -v a="$diff_s" -v b="$check_s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    ok=$(awk -v a="$diff_s" -v g="$goal_seconds" 'BEGIN { print (a < g ? "yes" : "no") }')
    [ "$ok" = yes ] || met=0
    echo "| $shape | $n entries | ${diff_s} s | $((rss / 1024)) MiB | ${check_s} s | ${ratio}x | $regions | $ok |"
  done
done
[ "$met" = 1 ]
