#!/usr/bin/env bash
# Root-only end-to-end test of `meshctl sync` and the proxy's DNS drift metric: the database
# moves, and the mesh follows without anyone editing YAML.
#
#   msy-pod  203.0.113.2/24   the workload: mariadb client, `meshctl proxy` (transparent, uid
#                             1337, --dns-drift-interval 1s) and `meshctl sync --watch --write`
#   msy-ext  203.0.113.7/24   MariaDB (the primary the entry is generated for)
#            203.0.113.8/24   the same MariaDB after the "failover"
#            203.0.113.9/24   where DNS moves in the last step
#            203.0.113.53/24  dnsmasq: db.example.test from a hosts file it re-reads on SIGHUP,
#                             TTL 2 s
#
# Steps (the issue's): 1 the client reads through .7; 2 DNS switches to .8: within TTL + 3 s the
# file holds .8, the proxy has reloaded and the client reads through .8; 3 during the grace
# period .7 still connects, after it .7 is denied and the file holds only .8; 4 with the DNS
# server stopped the file is unchanged and .8 still allowed (fail static); 5 `sync --check`
# exits 0 on the final state and 1 after DNS moves again, when the proxy's meshctl_dns_drift
# reads 1 and the new address is still denied. Prints the timeline (seconds since the DNS
# change) and "N passed, M failed"; exits non-zero on any failure.
#
# No traffic leaves the namespaces. Installs what it needs with apt-get. Builds meshctl
# (release) unless $MESHCTL names a binary. KEEP_TMP=1 keeps the scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_dead, wait_for, in_pod, in_ext, create_namespaces, remove_namespaces
source scripts/lib/suite.sh
# start_ratings_db, db_root, POD_IP, DB_PASSWORD
source scripts/lib/ratings.sh

if [ "$(id -u)" != 0 ]; then
  echo "system-sync.sh: needs root (network namespaces, iptables)" >&2
  exit 2
fi

POD=msy-pod
EXT=msy-ext
OLD_IP=203.0.113.7
NEW_IP=203.0.113.8
NEXT_IP=203.0.113.9
DNS_IP=203.0.113.53
HOST=db.example.test
TTL=2
GRACE=8 # seconds: long enough to show .7 still connecting, short enough for CI
PROXY_UID=1337

install_missing system-sync.sh \
  ip=iproute2 \
  iptables-save=iptables \
  mariadbd=mariadb-server \
  mariadb=mariadb-client \
  dnsmasq=dnsmasq-base \
  curl=curl \
  setpriv=util-linux \
  sha256sum=coreutils

T=$(mktemp -d /tmp/msy-system-sync.XXXXXX)
chmod 755 "$T"
PROXY_PID= DB_PID= DNS_PID= SYNC_PID=

cleanup() {
  local rc=$?
  set +e
  teardown "$SYNC_PID" "$PROXY_PID" "$DNS_PID" "$DB_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# meshctl, network, MariaDB, DNS
# ---------------------------------------------------------------------------------------------
install_meshctl "$T/meshctl"
M=$T/meshctl

log "creating namespaces $POD and $EXT"
create_namespaces
ip link add msy-pod0 netns "$POD" type veth peer name msy-ext0 netns "$EXT"
ip -n "$POD" addr add "$POD_IP/24" dev msy-pod0
for a in "$OLD_IP" "$NEW_IP" "$NEXT_IP" "$DNS_IP"; do ip -n "$EXT" addr add "$a/24" dev msy-ext0; done
ip -n "$POD" link set msy-pod0 up
ip -n "$EXT" link set msy-ext0 up

log "starting MariaDB in $EXT (listening on every address of the external host)"
start_ratings_db

HOSTS=$T/dns-hosts
set_dns() { echo "$1 $HOST" >"$HOSTS.tmp" && mv "$HOSTS.tmp" "$HOSTS"; }
# Started with `ip netns exec` directly (not through a shell function), so $! is dnsmasq itself
# (ip execs it) and signals reach it rather than a subshell.
start_dns() {
  ip netns exec "$EXT" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$HOSTS" \
    --local-ttl="$TTL" --listen-address="$DNS_IP" --bind-interfaces --port=53 --user=root \
    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" &
  DNS_PID=$!
  wait_for 10 dns_answers
}
# dns_answers [IP]: the test DNS server answers (with IP, when given).
dns_answers() {
  local got
  got=$(in_pod "$M" resolve "$HOST" --nameserver "$DNS_IP" --timeout 1s -o json 2>/dev/null) || return 1
  [ -z "${1:-}" ] || grep -q "\"$1\"" <<<"$got"
}
set_dns "$OLD_IP"
log "starting dnsmasq on $DNS_IP ($HOST -> $OLD_IP, TTL ${TTL}s)"
start_dns || { fail "setup: dnsmasq does not answer"; cat "$T/dnsmasq.log" || true; exit 1; }

query() {
  in_pod timeout 15 mariadb --no-defaults --skip-ssl --connect-timeout=5 -h "$1" -P 3306 \
    -u bookinfo -p"$DB_PASSWORD" -N -B -e 'select * from test.ratings order by ReviewID' 2>&1
}
EXPECTED_ROWS=$'1\t5\n2\t4'
query_ok() { [ "$(query "$1")" = "$EXPECTED_ROWS" ]; }
query_denied() { ! query_ok "$1"; }

# ---------------------------------------------------------------------------------------------
# The entry (generated from DNS), capture, proxy, reconciler
# ---------------------------------------------------------------------------------------------
CONF=$T/config
mkdir -p "$CONF"
chmod 755 "$CONF"
ENTRY=$CONF/db.yaml
in_pod "$M" gen serviceentry "$HOST" --port 3306 --nameserver "$DNS_IP" >"$ENTRY"
chmod 644 "$ENTRY"
if grep -q "meshctl.dev/resolve: $HOST" "$ENTRY" && grep -q -- "- $OLD_IP/32" "$ENTRY"; then
  pass "setup: gen serviceentry pinned $OLD_IP/32 and recorded meshctl.dev/resolve: $HOST"
else
  fail "setup: unexpected generated entry:"; cat "$ENTRY"
fi

in_pod "$M" proxy iptables --proxy-port 15001 --proxy-uid "$PROXY_UID" --apply >"$T/iptables.log" 2>&1 \
  || { fail "setup: proxy iptables --apply"; cat "$T/iptables.log"; }
ip netns exec "$POD" setpriv --reuid "$PROXY_UID" --regid "$PROXY_UID" --clear-groups \
  env HOME="$T" "$M" proxy -f "$CONF" --listen 127.0.0.1:15001 --admin 127.0.0.1:15000 \
  --drain-timeout 1s --nameserver "$DNS_IP" --dns-drift-interval 1s >"$T/proxy.log" 2>&1 &
PROXY_PID=$!
admin() { in_pod curl -fsS --max-time 2 "http://127.0.0.1:15000$1"; }
wait_for 20 admin /ready || { fail "setup: proxy not ready"; tail -n 30 "$T/proxy.log"; exit 1; }
metric_sum() {
  { admin /metrics 2>/dev/null || true; } | awk -v pat="$1" 'index($0, pat) == 1 { s += $NF } END { printf "%d\n", s }'
}
reloads() { metric_sum 'meshctl_config_reloads_total{result="success"}'; }

ip netns exec "$POD" "$M" sync --watch --write "$CONF" --nameserver "$DNS_IP" --timeout 1s --grace "${GRACE}s" \
  --min-interval 1s --max-interval 30s --admin 127.0.0.1:15021 >"$T/sync.out" 2>"$T/sync.log" &
SYNC_PID=$!
wait_for 10 grep -q "watching 1 managed entry" "$T/sync.log" \
  || { fail "setup: sync --watch did not start"; cat "$T/sync.log"; exit 1; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
TIMELINE=()
mark() { TIMELINE+=("$(printf '%7ss  %s' "+$(since "$T0")" "$1")"); }
file_has() { grep -q -- "- $1/32" "$ENTRY"; }

# 1. Through the pinned address.
if query_ok "$OLD_IP" && [ "$(metric_sum 'meshctl_proxy_decisions_total{verdict="ALLOW"')" -ge 1 ]; then
  pass "1 the client reads test.ratings through $OLD_IP (allowed by the proxy)"
else
  fail "1 query through $OLD_IP: $(query "$OLD_IP")"
fi

# 2. The database moves.
r0=$(reloads)
T0=$(now)
set_dns "$NEW_IP"
kill -HUP "$DNS_PID"
mark "DNS answers $HOST -> $NEW_IP (TTL ${TTL}s)"
limit=$((TTL + 3))
if wait_for "$limit" file_has "$NEW_IP"; then
  mark "entry file holds $NEW_IP (sync --watch wrote it)"
  reloaded() { [ "$(reloads)" -gt "$r0" ]; }
  if wait_for "$limit" reloaded; then mark "proxy reloaded the entry"; fi
  if wait_for "$limit" query_ok "$NEW_IP"; then
    mark "client read test.ratings through $NEW_IP"
    t=$(since "$T0")
    if awk -v t="$t" -v l="$limit" 'BEGIN { exit !(t <= l) }'; then
      pass "2 moved: file holds $NEW_IP, proxy reloaded, client reads through $NEW_IP after ${t}s (limit ${limit}s)"
    else
      fail "2 moved: the client reached $NEW_IP only after ${t}s (limit ${limit}s)"
    fi
  else
    fail "2 moved: query through $NEW_IP still fails: $(query "$NEW_IP")"
  fi
else
  fail "2 moved: the file does not hold $NEW_IP ${limit}s after the DNS change"; cat "$ENTRY"
fi
if grep -q "meshctl.dev/departed: \"$OLD_IP=" "$ENTRY"; then
  pass "2 moved: $OLD_IP is recorded in meshctl.dev/departed"
else
  fail "2 moved: no departed record for $OLD_IP"; cat "$ENTRY"
fi

# 3. Grace period, then removal.
if file_has "$OLD_IP" && query_ok "$OLD_IP"; then
  mark "$OLD_IP still connects (grace period ${GRACE}s)"
  pass "3 grace: $OLD_IP still pinned and connecting during the grace period"
else
  fail "3 grace: $OLD_IP no longer connects during the grace period: $(query "$OLD_IP")"
fi
if wait_for $((GRACE + 5)) eval '! file_has "$OLD_IP"'; then
  mark "entry file holds only $NEW_IP (grace over)"
  if wait_for 10 query_denied "$OLD_IP"; then
    mark "$OLD_IP denied by the proxy"
    if file_has "$NEW_IP" && ! grep -q "meshctl.dev/departed" "$ENTRY"; then
      pass "3 grace: after the grace period $OLD_IP is removed and denied; the file holds only $NEW_IP"
    else
      fail "3 grace: unexpected file after the grace period:"; cat "$ENTRY"
    fi
  else
    fail "3 grace: $OLD_IP still connects after its removal"
  fi
else
  fail "3 grace: $OLD_IP still in the file $((GRACE + 5))s after the grace period began"; cat "$ENTRY"
fi

# 4. The DNS server goes away: nothing changes.
before=$(sha256sum <"$ENTRY")
kill -TERM "$DNS_PID"; wait_dead "$DNS_PID" 10 || kill -KILL "$DNS_PID"
wait "$DNS_PID" 2>/dev/null || true
DNS_PID=
mark "DNS server stopped"
if wait_for 15 grep -q "could not verify $HOST" "$T/sync.log"; then
  sleep 2
  if [ "$(sha256sum <"$ENTRY")" = "$before" ] && query_ok "$NEW_IP"; then
    mark "fail static: file unchanged, $NEW_IP still allowed"
    pass "4 fail static: lookups fail, the file is unchanged and the proxy keeps allowing $NEW_IP"
  else
    fail "4 fail static: file changed or $NEW_IP denied"; cat "$ENTRY"
  fi
else
  fail "4 fail static: sync never reported the failed lookup"; tail -n 20 "$T/sync.log"
fi

# 5. CI check on the final state, then after another move (reconciler stopped first).
kill -TERM "$SYNC_PID"
if wait_dead "$SYNC_PID" 10; then
  rc=0; wait "$SYNC_PID" || rc=$?
  SYNC_PID=
  [ "$rc" = 0 ] && pass "5 sync --watch exits 0 on SIGTERM" || fail "5 sync --watch exited $rc on SIGTERM"
else
  fail "5 sync --watch still running 10 s after SIGTERM"
fi
start_dns || fail "5 dnsmasq did not restart"
check() { in_pod "$M" sync --check "$CONF" --nameserver "$DNS_IP" --timeout 1s >"$T/check.out" 2>&1; }
rc=0; check || rc=$?
if [ "$rc" = 0 ]; then
  mark "sync --check on the final state exits 0"
  pass "5 sync --check exits 0 on the final state"
else
  fail "5 sync --check exited $rc on the final state:"; cat "$T/check.out"
fi
set_dns "$NEXT_IP"
kill -HUP "$DNS_PID"
wait_for 5 dns_answers "$NEXT_IP" || true
rc=0; check || rc=$?
if [ "$rc" = 1 ] && grep -q "MSH308" "$T/check.out"; then
  mark "DNS moved to $NEXT_IP: sync --check exits 1 (MSH308)"
  pass "5 sync --check exits 1 after DNS moves again: $(grep MSH308 "$T/check.out" | head -n 1)"
else
  fail "5 sync --check exited $rc after the move:"; cat "$T/check.out"
fi
drift_line="meshctl_dns_drift{service_entry=\"default/db-example-test-3306\",host=\"$HOST\"} 1"
if wait_for 10 eval 'admin /metrics | grep -qF "$drift_line"'; then
  mark "proxy: meshctl_dns_drift = 1"
  if grep -q "now resolves to $NEXT_IP outside the addresses pinned" "$T/proxy.log" && query_denied "$NEXT_IP"; then
    pass "5 the proxy exports meshctl_dns_drift 1, warns naming $NEXT_IP, and still denies it"
  else
    fail "5 no drift warning naming $NEXT_IP, or $NEXT_IP allowed"; tail -n 20 "$T/proxy.log"
  fi
else
  fail "5 meshctl_dns_drift did not turn 1"; admin /metrics | grep meshctl_dns_drift || true
fi

echo
echo "timeline (seconds since DNS switched $HOST from $OLD_IP to $NEW_IP):"
printf '  %s\n' "${TIMELINE[@]}"
echo
if [ "$failed" -gt 0 ]; then
  echo "----- sync log -----"; tail -n 40 "$T/sync.log" || true
  echo "----- proxy log -----"; tail -n 40 "$T/proxy.log" || true
  echo "----- entry -----"; cat "$ENTRY" || true
fi
in_pod "$M" proxy iptables --cleanup >/dev/null 2>&1 || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
