#!/usr/bin/env bash
# Root-only system tests for `meshctl proxy`: the "Consuming External TCP Services" blog scenario
# for real, inside two network namespaces joined by a veth pair.
#
#   msh-pod  203.0.113.2/24   the workload: the mariadb client, and `meshctl proxy` in transparent
#            2001:db8::2/64   mode as uid 1337; outbound TCP (IPv4 and IPv6) redirected by
#                             `meshctl proxy iptables`
#   msh-ext  203.0.113.7/24   the "external host": MariaDB with test.ratings and a SELECT-only user
#            2001:db8::7/64   (listening on both families)
#            203.0.113.9/24   second addresses of the same host, not in the ServiceEntry
#            2001:db8::9/64
#
# No traffic leaves the namespaces (documentation addresses, no default route, no link to the host).
# Installs what it needs with apt-get. Builds meshctl (release) unless $MESHCTL names a binary.
# KEEP_TMP=1 keeps the scratch directory (proxy log, MariaDB log) for inspection.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_dead, wait_for, in_pod, in_ext, create_namespaces, remove_namespaces
source scripts/lib/suite.sh
# link_namespaces, start_ratings_db, query, query_ok, greeting_bytes, EXPECTED_ROWS
source scripts/lib/ratings.sh

if [ "$(id -u)" != 0 ]; then
  echo "system-tests.sh: needs root (network namespaces, iptables)" >&2
  exit 2
fi

# Namespace names: MSH_POD_NS / MSH_EXT_NS let a second suite run beside this one.
POD=${MSH_POD_NS:-msh-pod}
EXT=${MSH_EXT_NS:-msh-ext}
PROXY_UID=1337
RELOAD_WAIT=10 # seconds to wait for a hot reload to show (the spec promises 2 s)

# ---------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------
install_missing system-tests.sh \
  ip=iproute2 \
  iptables-save=iptables \
  mariadbd=mariadb-server \
  mariadb-install-db=mariadb-server \
  mariadb=mariadb-client \
  pgrep=procps \
  curl=curl \
  setpriv=util-linux \
  timeout=coreutils

# ---------------------------------------------------------------------------------------------
# Scratch space, cleanup
# ---------------------------------------------------------------------------------------------
T=$(mktemp -d /tmp/msh-system-tests.XXXXXX)
chmod 755 "$T"
PROXY_PID=
DB_PID=

cleanup() {
  local rc=$?
  set +e
  teardown "$PROXY_PID" "$DB_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# meshctl
# ---------------------------------------------------------------------------------------------
# The proxy runs as uid $PROXY_UID, which may not be able to reach the build tree (/root is 0700).
install_meshctl "$T/meshctl"
MESHCTL_BIN=$T/meshctl

# ---------------------------------------------------------------------------------------------
# Network: two namespaces, one veth pair, no route anywhere else
# ---------------------------------------------------------------------------------------------
log "creating namespaces $POD and $EXT"
create_namespaces
link_namespaces

# ---------------------------------------------------------------------------------------------
# MariaDB on the "external host"
# ---------------------------------------------------------------------------------------------
log "starting MariaDB in $EXT"
start_ratings_db

if query_ok "$DB_IP"; then
  pass "baseline: the pod reads test.ratings from $DB_IP directly (no capture yet)"
else
  fail "baseline: direct query from the pod failed: $(query "$DB_IP")"
fi
if query_ok "$DB_IP6" && [ "$(greeting_bytes "$OTHER_IP6")" != 0 ]; then
  pass "baseline: IPv6 works directly: $DB_IP6 answers the query, $OTHER_IP6 greets (no capture yet)"
else
  fail "baseline: direct IPv6 from the pod failed: $(query "$DB_IP6")"
fi

# ---------------------------------------------------------------------------------------------
# Capture and proxy in the pod
# ---------------------------------------------------------------------------------------------
rules() {
  { in_pod iptables-save 2>/dev/null || true; } | sed -n -E '/^(-A|:)/p' \
    | sed -E -e '/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /d' -e 's/ \[[0-9]+:[0-9]+\]$//' | sort
}
RULES_BEFORE=$(rules)
rules6() {
  { in_pod ip6tables-save 2>/dev/null || true; } | sed -n -E '/^(-A|:)/p' \
    | sed -E -e '/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /d' -e 's/ \[[0-9]+:[0-9]+\]$//' | sort
}
RULES6_BEFORE=$(rules6)

if in_pod "$MESHCTL_BIN" proxy iptables --proxy-port 15001 --proxy-uid "$PROXY_UID" --apply >"$T/iptables-apply.log" 2>&1; then
  if in_pod iptables-save -t nat | grep -qi meshctl; then
    pass "proxy iptables --apply installed the capture chain"
  else
    fail "proxy iptables --apply: no MESHCTL chain in iptables-save"; in_pod iptables-save -t nat
  fi
  if grep -q -- "-A MESHCTL_OUTPUT -p tcp -j REDIRECT --to-ports 15001" "$T/iptables-apply.log"; then
    pass "proxy iptables --apply printed the rules it added"
  else
    fail "proxy iptables --apply did not print the rules it added"; cat "$T/iptables-apply.log"
  fi
  if in_pod ip6tables-save -t nat | grep -q -- '-d ::1/128 -j RETURN'; then
    pass "proxy iptables --apply installed the IPv6 capture chain (ip6tables)"
  else
    fail "proxy iptables --apply: no IPv6 MESHCTL chain in ip6tables-save"; in_pod ip6tables-save -t nat
  fi
else
  fail "proxy iptables --apply exited non-zero"; cat "$T/iptables-apply.log"
fi

CONF=$T/config
mkdir -p "$CONF"
chmod 755 "$CONF"
write_entry() {
  cat >"$T/entry.tmp" <<'YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mysql-external}
spec:
  hosts: [db.example.com]
  addresses: [203.0.113.7/32, 2001:db8::7/128]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
YAML
  chmod 644 "$T/entry.tmp"
  mv "$T/entry.tmp" "$CONF/mysql-external.yaml"
}
write_addressless_entry() {
  cat >"$T/entry.tmp" <<'YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mysql-external}
spec:
  hosts: [db.example.com]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
YAML
  chmod 644 "$T/entry.tmp"
  mv "$T/entry.tmp" "$CONF/mysql-external.yaml"
}
# An unrelated entry stays in the directory throughout, so removing mysql-external.yaml tests the
# removal of that entry rather than how an empty configuration is handled.
cat >"$CONF/other-external.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: postgres-external}
spec:
  hosts: [pg.example.com]
  addresses: [198.51.100.20/32]
  ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
YAML
chmod 644 "$CONF/other-external.yaml"
write_entry

PROXY_ARGS=(proxy -f "$CONF" --listen 127.0.0.1:15001 --admin 127.0.0.1:15000 --drain-timeout 2s)
# (no --outbound-policy: the default must be REGISTRY_ONLY, which assertion 2 checks)
if "$MESHCTL_BIN" proxy --help 2>/dev/null | grep -q -- '--access-log'; then
  PROXY_ARGS+=(--access-log -)
fi
log "starting meshctl ${PROXY_ARGS[*]} as uid $PROXY_UID in $POD"
ip netns exec "$POD" setpriv --reuid "$PROXY_UID" --regid "$PROXY_UID" --clear-groups \
  env HOME="$T" RUST_LOG="${RUST_LOG:-info}" "$MESHCTL_BIN" "${PROXY_ARGS[@]}" >"$T/proxy.log" 2>&1 &
PROXY_PID=$!

admin() { in_pod curl -fsS --max-time 2 "http://127.0.0.1:15000$1"; }
proxy_ready() { kill -0 "$PROXY_PID" 2>/dev/null && admin /ready; }
if wait_for 20 proxy_ready; then
  pass "proxy is ready (/ready 200) running as uid $(ps -o uid= -p "$PROXY_PID" | tr -d ' ')"
else
  fail "proxy did not become ready within 20 s"
fi

# deny_count: sum of meshctl_proxy_decisions_total samples whose verdict is deny.
deny_count() {
  { admin /metrics 2>/dev/null || true; } | awk '
    /^meshctl_proxy_decisions_total[{]/ && tolower($0) ~ /verdict="deny"/ { s += $NF }
    END { printf "%d\n", s }'
}
# revoked_count: established connections a reload closed (a query caught by the reload itself).
revoked_count() {
  { admin /metrics 2>/dev/null || true; } | awk '/^meshctl_proxy_revoked_connections_total / { s += $NF } END { printf "%d\n", s }'
}
# decision_count: all decisions the proxy made (allow and deny).
decision_count() {
  { admin /metrics 2>/dev/null || true; } | awk '/^meshctl_proxy_decisions_total[{]/ { s += $NF } END { printf "%d\n", s }'
}

# 1. Allowed by the ServiceEntry.
out=$(query "$DB_IP") || true
if [ "$out" = "$EXPECTED_ROWS" ]; then
  pass "1 allowed: the pod reads both ratings rows from $DB_IP:3306 through the proxy"
else
  fail "1 allowed: query to $DB_IP through the proxy returned: $out"
fi
if [ "$(decision_count)" -ge 1 ]; then
  pass "1 allowed: the proxy counted the decision (the query really went through it)"
else
  fail "1 allowed: meshctl_proxy_decisions_total is zero: did the connection bypass the proxy?"
fi

# 2. An address not in the entry is denied under REGISTRY_ONLY.
d0=$(deny_count)
bytes=$(greeting_bytes "$OTHER_IP")
out=$(query "$OTHER_IP") || true
d1=$(deny_count)
if [ "$bytes" = 0 ] && [ "$out" != "$EXPECTED_ROWS" ] && [ "$d1" -gt "$d0" ]; then
  pass "2 not allowed: $OTHER_IP:3306 closed by the proxy without a server greeting (deny count $d0 -> $d1)"
else
  fail "2 not allowed: $OTHER_IP:3306 greeting bytes=$bytes, deny count $d0 -> $d1, query: $out"
fi

# 2b. IPv6: the /128 in the entry is allowed through the proxy (redirected by ip6tables to
# [::1]:15001), and another IPv6 address of the same host is refused.
n0=$(decision_count)
out=$(query "$DB_IP6") || true
n1=$(decision_count)
if [ "$out" = "$EXPECTED_ROWS" ] && [ "$n1" -gt "$n0" ]; then
  pass "2b IPv6 allowed: the pod reads the ratings from [$DB_IP6]:3306 through the proxy (decisions $n0 -> $n1)"
else
  fail "2b IPv6 allowed: query to [$DB_IP6]:3306 returned: $out (decisions $n0 -> $n1)"
fi
d0=$(deny_count)
bytes=$(greeting_bytes "$OTHER_IP6")
d1=$(deny_count)
if [ "$bytes" = 0 ] && [ "$d1" -gt "$d0" ]; then
  pass "2c IPv6 denied: [$OTHER_IP6]:3306 closed by the proxy without a greeting (deny count $d0 -> $d1)"
else
  fail "2c IPv6 denied: [$OTHER_IP6]:3306 greeting bytes=$bytes, deny count $d0 -> $d1"
fi

# 3. Remove the entry: hot reload, no restart.
rm -f "$CONF/mysql-external.yaml"
d0=$(deny_count)
r0=$(revoked_count)
query_denied() { ! query_ok "$DB_IP"; }
if wait_for "$RELOAD_WAIT" query_denied; then
  d1=$(deny_count)
  r1=$(revoked_count)
  # A query under way when the reload lands is revoked rather than denied at accept.
  if [ "$d1" -gt "$d0" ] || [ "$r1" -gt "$r0" ]; then
    pass "3 removed: query to $DB_IP fails after the entry file is deleted (deny count $d0 -> $d1, revoked $r0 -> $r1)"
  else
    fail "3 removed: query fails but no deny or revocation was counted ($d0 -> $d1, $r0 -> $r1)"
  fi
else
  fail "3 removed: query to $DB_IP still succeeds ${RELOAD_WAIT}s after deleting the entry"
fi
kill -0 "$PROXY_PID" 2>/dev/null || fail "3 removed: the proxy process died"

# 4. Restore it.
write_entry
if wait_for "$RELOAD_WAIT" query_ok "$DB_IP"; then
  pass "4 restored: query to $DB_IP works again after the entry is restored"
else
  fail "4 restored: query to $DB_IP still fails ${RELOAD_WAIT}s after restoring: $(query "$DB_IP")"
fi

# 5. An address-less TCP entry on 3306 opens the port to every IP.
write_addressless_entry
if wait_for "$RELOAD_WAIT" query_ok "$OTHER_IP"; then
  if query_ok "$DB_IP"; then
    pass "5 address-less: $OTHER_IP:3306 (and $DB_IP:3306) now go through: open to every IP on 3306"
  else
    fail "5 address-less: $OTHER_IP works but $DB_IP fails: $(query "$DB_IP")"
  fi
else
  fail "5 address-less: $OTHER_IP:3306 still fails ${RELOAD_WAIT}s after the address-less entry: $(query "$OTHER_IP")"
fi

# 6. Cleanup removes exactly the capture rules; traffic then bypasses the proxy.
if in_pod "$MESHCTL_BIN" proxy iptables --proxy-port 15001 --proxy-uid "$PROXY_UID" --cleanup >"$T/iptables-cleanup.log" 2>&1; then
  if in_pod iptables-save | grep -qi meshctl; then
    fail "6 cleanup: iptables-save still shows a MESHCTL chain"; in_pod iptables-save -t nat
  elif [ "$(rules)" != "$RULES_BEFORE" ]; then
    fail "6 cleanup: rules differ from before --apply:"; diff <(echo "$RULES_BEFORE") <(rules) || true
  elif [ "$(rules6)" != "$RULES6_BEFORE" ]; then
    fail "6 cleanup: IPv6 rules differ from before --apply:"; diff <(echo "$RULES6_BEFORE") <(rules6) || true
  else
    pass "6 cleanup: --cleanup removed the capture rules (iptables-save and ip6tables-save as before --apply)"
  fi
else
  fail "6 cleanup: proxy iptables --cleanup exited non-zero"; cat "$T/iptables-cleanup.log"
fi
n0=$(decision_count)
out=$(query "$OTHER_IP") || true
n1=$(decision_count)
if [ "$out" = "$EXPECTED_ROWS" ] && [ "$n0" = "$n1" ]; then
  pass "6 cleanup: a direct connection to $OTHER_IP bypasses the proxy (decisions stay at $n0)"
else
  fail "6 cleanup: after cleanup query=$out, proxy decisions $n0 -> $n1"
fi

# 7. SIGTERM: the proxy drains and exits.
kill -TERM "$PROXY_PID"
if wait_dead "$PROXY_PID" 10; then
  pass "7 shutdown: the proxy exited after SIGTERM"
  wait "$PROXY_PID" 2>/dev/null || true
else
  fail "7 shutdown: the proxy still runs 10 s after SIGTERM (drain timeout 2 s)"
fi

if [ "$failed" -gt 0 ]; then
  echo "----- proxy log (last 100 lines) -----"
  tail -n 100 "$T/proxy.log" || true
  echo "----- pod iptables-save -----"
  in_pod iptables-save || true
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
