#!/usr/bin/env bash
# Benchmark `meshctl sync` over 1,000 managed entries against a local DNS server (dnsmasq on
# 127.0.0.1, answering 1,000 names from a hosts file). Half the entries pin a stale address, so
# every run finds 500 drifts. Measures, each as the median of 5 runs with peak RSS:
#   - `sync --check` (load, 1,000 lookups, plan, findings), at --concurrency 64 and 1;
#   - `sync --write` on a fresh copy (the same, plus rewriting 500 files atomically);
#   - the first `sync --watch --write` pass, as the reconciler logs it ("pass 1: ... in N ms"),
#     with the process's peak RSS (VmHWM) after the pass.
#
# Usage: scripts/bench-sync.sh   (root or not; installs dnsmasq-base with apt-get when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
PORT=${PORT:-5399}
runs=5
work=$(mktemp -d)
DNS_PID=
cleanup() {
  [ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

command -v dnsmasq >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
}
cargo build --release --locked --quiet
bin=target/release/meshctl

# Names and answers: db-N.bench.test -> an address from the documentation ranges.
python3 - "$work" "$N" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
pool = [f"{net}.{i}" for net in ("192.0.2", "198.51.100", "203.0.113") for i in range(1, 255)]
os.makedirs(f"{work}/entries")
with open(f"{work}/hosts", "w") as hosts:
    for i in range(n):
        ip = pool[i % len(pool)]
        hosts.write(f"{ip} db-{i}.bench.test\n")
        # Half the entries are stale: they pin the next address in the pool.
        pinned = pool[(i + 1) % len(pool)] if i % 2 else ip
        with open(f"{work}/entries/db-{i:04}.yaml", "w") as f:
            f.write(f"""# entry {i}
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db-{i}-bench-test-3306
  annotations:
    meshctl.dev/resolve: db-{i}.bench.test
spec:
  hosts:
  - db-{i}.bench.test
  addresses:
  - {pinned}/32
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
  location: MESH_EXTERNAL
  resolution: NONE
""")
PY
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --addn-hosts="$work/hosts" --local-ttl=30 --listen-address=127.0.0.1 --bind-interfaces \
  --port="$PORT" --cache-size=10000 --dns-forward-max=1000 --user="$(id -un)" \
  --pid-file="$work/dnsmasq.pid" >/dev/null 2>&1 &
DNS_PID=$!
for _ in $(seq 50); do
  "$bin" resolve db-0.bench.test --nameserver "127.0.0.1:$PORT" --timeout 1s >/dev/null 2>&1 && break
  sleep 0.1
done
DNS=(--nameserver "127.0.0.1:$PORT" --timeout 2s)

# median wall seconds and max RSS (KiB) of a command over $runs runs; $1 is a setup command
measure() {
  local setup=$1 times=() rss=0
  shift
  for _ in $(seq "$runs"); do
    eval "$setup"
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || true
    # GNU time writes "Command exited with non-zero status 1" first when the command exits 1.
    read -r t m < <(tail -n 1 "$work/t")
    times+=("$t")
    ((m > rss)) && rss=$m
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p" | tr '\n' ' '
  echo "$rss"
}
report() { # label seconds rss
  awk -v l="$1" -v s="$2" -v r="$3" -v n="$N" \
    'BEGIN { printf "%-46s %6.2fs  %7.0f entries/s  %4d MiB peak RSS\n", l, s, n / (s > 0 ? s : 0.001), r / 1024 }'
}

out=$("$bin" sync --check "$work/entries" "${DNS[@]}" -o json 2>/dev/null || true)
echo "entries: $N in $N files; drifted: $(grep -c '"MSH308"' <<<"$out") (expected $((N / 2)))"

read -r s r < <(measure : "$bin" sync --check "$work/entries" "${DNS[@]}")
report "sync --check (--concurrency 64)" "$s" "$r"
read -r s r < <(measure : "$bin" sync --check "$work/entries" "${DNS[@]}" --concurrency 1)
report "sync --check (--concurrency 1)" "$s" "$r"
read -r s r < <(measure 'rm -rf "$work/copy"; cp -r "$work/entries" "$work/copy"' \
  "$bin" sync --write "$work/copy" "${DNS[@]}")
report "sync --write (500 files rewritten)" "$s" "$r"

passes=() hwm=0
for _ in $(seq "$runs"); do
  rm -rf "$work/copy" && cp -r "$work/entries" "$work/copy"
  "$bin" sync --watch --write "$work/copy" "${DNS[@]}" --admin off 2>"$work/watch.log" &
  pid=$!
  for _ in $(seq 300); do grep -q "pass 1:" "$work/watch.log" && break; sleep 0.1; done
  ms=$(sed -n 's/.*pass 1: looked up [0-9]* host(s) in \([0-9]*\) ms.*/\1/p' "$work/watch.log")
  kb=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || true
  passes+=("$ms")
  ((kb > hwm)) && hwm=$kb
done
ms=$(printf '%s\n' "${passes[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
report "sync --watch --write, first pass" "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')" "$hwm"
echo "written files after one watch pass: $(grep -l 'meshctl.dev/departed' "$work"/copy/*.yaml | wc -l) (departures recorded, grace 10m)"
