#!/usr/bin/env bash
# Root-only end-to-end test of the answers `meshctl gen serviceentry` and `meshctl sync` refuse
# to pin, against a real DNS server (dnsmasq):
#
#   mcl-pod  203.0.113.2/24   meshctl (gen, sync --write, sync --check, sync --watch)
#   mcl-ext  203.0.113.53/24  dnsmasq, restarted per step with one answer for db.example.test
#
# The entry is generated while DNS answers 203.0.113.7. Then, per step, DNS answers what a
# filter, a misconfiguration or an attacker would: `0.0.0.0` and `::` (Pi-hole's NULL mode),
# `::` alone, the cloud metadata address 169.254.169.254, a switch from public to private space
# (10.0.0.7) and 500 A records. For each: `gen serviceentry` exits 2 with one line and prints
# nothing (except for the private answer, which a new entry may pin); `sync --write` and `sync --check` exit 2 and the file is byte for byte unchanged;
# `sync --watch --write` counts the answer in meshctl_sync_refused_answers_total with its
# reason, logs it, and leaves the file unchanged. Last, `--allow-class-change` follows the
# public→private switch. Prints "N passed, M failed"; exits non-zero on any failure.
#
# No traffic leaves the namespaces. Installs what it needs with apt-get. Builds meshctl
# (release) unless $MESHCTL names a binary. KEEP_TMP=1 keeps the scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_dead, wait_for, in_pod, create_namespaces, remove_namespaces
source scripts/lib/suite.sh

if [ "$(id -u)" != 0 ]; then
  echo "system-classes.sh: needs root (network namespaces)" >&2
  exit 2
fi

POD=mcl-pod
EXT=mcl-ext
POD_IP=203.0.113.2
PINNED_IP=203.0.113.7
DNS_IP=203.0.113.53
HOST=db.example.test
POOL=500

install_missing system-classes.sh \
  ip=iproute2 \
  dnsmasq=dnsmasq-base \
  curl=curl \
  sha256sum=coreutils

T=$(mktemp -d /tmp/mcl-system-classes.XXXXXX)
chmod 755 "$T"
DNS_PID= SYNC_PID=

cleanup() {
  local rc=$?
  set +e
  teardown "$SYNC_PID" "$DNS_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_meshctl "$T/meshctl"
M=$T/meshctl

log "creating namespaces $POD and $EXT"
create_namespaces
ip link add mcl-pod0 netns "$POD" type veth peer name mcl-ext0 netns "$EXT"
ip -n "$POD" addr add "$POD_IP/24" dev mcl-pod0
ip -n "$EXT" addr add "$DNS_IP/24" dev mcl-ext0
ip -n "$POD" link set mcl-pod0 up
ip -n "$EXT" link set mcl-ext0 up

# serve ARG...: (re)start dnsmasq answering for $HOST as the dnsmasq options ARG... say, and
# wait until it answers. Started with `ip netns exec` directly, so $! is dnsmasq itself.
serve() {
  stop_dns
  ip netns exec "$EXT" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --local-ttl=1 --listen-address="$DNS_IP" --bind-interfaces --port=53 --user=root \
    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" "$@" &
  DNS_PID=$!
  # Any answer will do (a refused one included): the port is up.
  wait_for 10 in_pod "$M" resolve "$HOST" --nameserver "$DNS_IP" --timeout 1s
}
stop_dns() {
  if [ -n "$DNS_PID" ]; then
    kill -TERM "$DNS_PID" 2>/dev/null || true
    wait_dead "$DNS_PID" 10 || kill -KILL "$DNS_PID" 2>/dev/null || true
    wait "$DNS_PID" 2>/dev/null || true
    DNS_PID=
  fi
}

CONF=$T/config
mkdir -p "$CONF"
ENTRY=$CONF/db.yaml
log "dnsmasq: $HOST -> $PINNED_IP; generating the entry"
serve --address="/$HOST/$PINNED_IP" || { fail "setup: dnsmasq does not answer"; cat "$T/dnsmasq.log"; exit 1; }
in_pod "$M" gen serviceentry "$HOST" --port 3306 --nameserver "$DNS_IP" >"$ENTRY"
if grep -q -- "- $PINNED_IP/32" "$ENTRY" && grep -q "meshctl.dev/resolve: $HOST" "$ENTRY"; then
  pass "setup: gen serviceentry pinned $PINNED_IP/32"
else
  fail "setup: unexpected generated entry:"; cat "$ENTRY"; exit 1
fi
SUM=$(sha256sum <"$ENTRY")
unchanged() { [ "$(sha256sum <"$ENTRY")" = "$SUM" ]; }

# The pool: 500 distinct public addresses for one name (192.0.2.0-255, 198.51.100.0-243).
for ((i = 0; i < POOL; i++)); do
  if ((i < 256)); then echo "192.0.2.$i $HOST"; else echo "198.51.100.$((i - 256)) $HOST"; fi
done >"$T/pool-hosts"

PORT=15031
metric_line() { in_pod curl -fsS --max-time 2 "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep -F "$1"; }

# step NAME REASON WORDS DNSMASQ-ARG...: DNS answers as the arguments say; every command refuses
# with WORDS in its one line, and the file stays as generated.
step() {
  local name=$1 reason=$2 words=$3 rc out
  shift 3
  log "$name"
  serve "$@" || { fail "$name: dnsmasq does not answer"; tail -n 5 "$T/dnsmasq.log"; return; }

  rc=0; in_pod "$M" gen serviceentry "$HOST" --port 3306 --nameserver "$DNS_IP" --timeout 2s \
    >"$T/gen.out" 2>"$T/gen.err" || rc=$?
  if [ "$reason" = class-change ]; then
    # A new entry has no space to leave: private addresses are pinned like public ones.
    if [ "$rc" = 0 ] && grep -q -- "- 10.0.0.7/32" "$T/gen.out"; then
      pass "$name: gen pins a private answer for a new entry (nothing to switch from)"
    else
      fail "$name: gen exited $rc:"; cat "$T/gen.out" "$T/gen.err"
    fi
  elif [ "$rc" = 2 ] && [ ! -s "$T/gen.out" ] && [ "$(wc -l <"$T/gen.err")" = 1 ] \
    && grep -qF "$words" "$T/gen.err"; then
    pass "$name: gen exits 2 with one line: $(cat "$T/gen.err")"
  else
    fail "$name: gen exited $rc:"; cat "$T/gen.out" "$T/gen.err"
  fi

  for mode in --write --check; do
    rc=0; in_pod "$M" sync "$mode" "$CONF" --nameserver "$DNS_IP" --timeout 2s >"$T/sync.out" 2>&1 || rc=$?
    if [ "$rc" = 2 ] && grep -qF "$words" "$T/sync.out" && unchanged; then
      pass "$name: sync $mode exits 2, the file is byte for byte unchanged"
    else
      fail "$name: sync $mode exited $rc (file unchanged: $(unchanged && echo yes || echo no)):"
      cat "$T/sync.out"
    fi
  done

  ip netns exec "$POD" "$M" sync --watch --write "$CONF" --nameserver "$DNS_IP" --timeout 2s \
    --min-interval 1s --admin "127.0.0.1:$PORT" >"$T/watch.out" 2>"$T/watch.log" &
  SYNC_PID=$!
  local want="meshctl_sync_refused_answers_total{service_entry=\"default/db-example-test-3306\",reason=\"$reason\"}"
  if wait_for 15 metric_line "$want"; then
    sleep 1.5 # a second pass: still refused, still nothing written
    local line
    line=$(metric_line "$want")
    if unchanged && grep -qF "$words" "$T/watch.log" && ! metric_line 'meshctl_sync_writes_total{'; then
      pass "$name: sync --watch counts it ($line), logs it, writes nothing"
    else
      fail "$name: sync --watch changed the file or did not log it:"; tail -n 5 "$T/watch.log"
    fi
  else
    fail "$name: sync --watch never counted a refused answer ($want)"; tail -n 5 "$T/watch.log"
  fi
  kill -TERM "$SYNC_PID"; wait_dead "$SYNC_PID" 10 || kill -KILL "$SYNC_PID"
  wait "$SYNC_PID" 2>/dev/null || true
  SYNC_PID=
}

step "null mode (0.0.0.0 and ::)" address-class \
  "answered \`0.0.0.0\`, an unspecified address; refusing to pin it" "--address=/$HOST/#"
step "unspecified IPv6 (:: alone)" address-class \
  "answered \`::\`, an unspecified address; refusing to pin it" "--address=/$HOST/::"
step "cloud metadata (169.254.169.254)" address-class \
  "answered \`169.254.169.254\`, a link-local address (cloud metadata); refusing to pin it" \
  "--address=/$HOST/169.254.169.254"
step "public to private (10.0.0.7)" class-change \
  "moved from public to private address space (\`10.0.0.7\` is a private address)" \
  "--address=/$HOST/10.0.0.7"
step "$POOL records" too-many \
  "answered $POOL addresses, more than the 256 a ServiceEntry's \`addresses\` may hold" \
  "--addn-hosts=$T/pool-hosts"

log "public to private with --allow-class-change"
serve --address="/$HOST/10.0.0.7" || fail "allow: dnsmasq does not answer"
rc=0; in_pod "$M" sync --write "$CONF" --nameserver "$DNS_IP" --timeout 2s --grace 0s \
  --allow-class-change >"$T/sync.out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && grep -q -- "- 10.0.0.7/32" "$ENTRY" && ! grep -q -- "- $PINNED_IP/32" "$ENTRY"; then
  pass "allow: --allow-class-change follows the switch (the file pins 10.0.0.7/32 only)"
else
  fail "allow: sync --allow-class-change exited $rc:"; cat "$T/sync.out" "$ENTRY"
fi

echo
if [ "$failed" -gt 0 ]; then
  echo "----- dnsmasq log -----"; tail -n 20 "$T/dnsmasq.log" || true
  echo "----- entry -----"; cat "$ENTRY" || true
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
