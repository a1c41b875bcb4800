#!/usr/bin/env bash
# Tests the Kubernetes manifests under deploy/ with the tools that consume them. For every
# directory holding a kustomization.yaml:
#
#   render    `kubectl kustomize DIR` succeeds
#   schema    the Kubernetes kinds validate with `kubernetes-validate --strict` for each version in
#             K8S_VERSIONS; Istio kinds go to meshctl (kubernetes-validate has no schema for them
#             and only warns), and a kind neither knows fails the run
#   meshctl   `meshctl check` passes the rendered output together with the ServiceEntries inside
#             its ConfigMaps, laid out as the kubelet mounts them (`..data` symlinks)
#   pods      what users rely on: capture rules for both families with the proxy's uid and port,
#             the proxy's hardening, probes and scrape annotations on its real admin port, RBAC of
#             exactly get/patch on serviceentries, a NetworkPolicy that admits exactly the
#             entry's address and DNS
#   run       every meshctl container's args through the real binary, on loopback: the capture
#             rules printed instead of applied; the proxy served from the mounted entries until
#             its probes and /metrics answer; sync --watch rewriting the entry when DNS moves and
#             the proxy reloading it; the CronJob's three steps against a fake kubectl that
#             refuses anything but get-by-name and apply
#
# This script is the driver: it sets up Python, meshctl and a DNS server (scripts/deploy/dns.py on
# 127.0.0.1), renders each directory and counts what scripts/deploy/checks.py reports for it. The
# checks live beside checks.py: kube.py (objects as the cluster sees them), proxy_sidecar.py,
# cronjob.py (against scripts/deploy/fake_kubectl.py), access.py (RBAC, NetworkPolicy), harness.py
# (shared). Needs kubectl (with its built-in kustomize) and python3; installs kubernetes-validate
# and PyYAML with pip (a venv under ~/.cache when the interpreter's site-packages are not
# writable). Builds meshctl (release) unless $MESHCTL names a binary. Runs without root.
# KEEP_TMP=1 keeps the scratch directory. Prints PASS/FAIL lines and a final "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kubernetes versions the manifests must validate against: 1.29 is the first release with
# native sidecars (init containers with `restartPolicy: Always`) on by default, which the proxy
# relies on; 1.37 is the newest kubernetes-validate $KUBERNETES_VALIDATE_VERSION ships schemas for.
K8S_VERSIONS="1.29.0 1.37.0"
KUBERNETES_VALIDATE_VERSION=1.37.0

# pass, fail, log, install_meshctl
source scripts/lib/suite.sh

command -v kubectl >/dev/null || { echo "test-deploy.sh: needs kubectl (with kustomize built in)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "test-deploy.sh: needs python3" >&2; exit 2; }

T=$(mktemp -d /tmp/msh-test-deploy.XXXXXX)
DNS_PID=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$DNS_PID" ]; then kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; fi
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Python with PyYAML and kubernetes-validate
# ---------------------------------------------------------------------------------------------
PY=python3
have_modules() {
  "$1" - "$KUBERNETES_VALIDATE_VERSION" <<'EOF' 2>/dev/null
import sys, yaml, kubernetes_validate.version as v
sys.exit(0 if v.__version__ == sys.argv[1] else 1)
EOF
}
if ! have_modules "$PY"; then
  log "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION and PyYAML"
  if ! python3 -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" PyYAML >"$T/pip.log" 2>&1; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/meshctl-test-deploy/venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >>"$T/pip.log" 2>&1
    PY="$venv/bin/python"
    have_modules "$PY" || "$PY" -m pip install --quiet --disable-pip-version-check \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" PyYAML >>"$T/pip.log" 2>&1 || {
      tail -n 20 "$T/pip.log" >&2
      echo "test-deploy.sh: pip install failed" >&2
      exit 2
    }
  fi
  have_modules "$PY" || { echo "test-deploy.sh: kubernetes-validate not importable after install" >&2; exit 2; }
fi

# ---------------------------------------------------------------------------------------------
# meshctl
# ---------------------------------------------------------------------------------------------
mkdir -p "$T/bin"
install_meshctl "$T/bin/meshctl"
BIN=$T/bin/meshctl

# ---------------------------------------------------------------------------------------------
# Helpers under scripts/deploy/: a DNS server, a fake kubectl, the checks of one rendered directory
# ---------------------------------------------------------------------------------------------
# -B keeps Python from writing __pycache__ into the checkout when checks.py imports its modules.
D=$(pwd)/scripts/deploy
for f in dns.py fake_kubectl.py checks.py canary-unknown-field.yaml canary-bad-address.yaml; do
  [ -s "$D/$f" ] || { echo "test-deploy.sh: missing $D/$f" >&2; exit 2; }
done

# The CronJob's kubectl: a wrapper on PATH that runs fake_kubectl.py with the Python that has PyYAML.
mkdir -p "$T/fakebin"
export FAKEBIN="$T/fakebin"
cat >"$T/fakebin/kubectl" <<EOF
#!/bin/sh
exec "$(command -v "$PY" || echo "$PY")" -B "$D/fake_kubectl.py" "\$@"
EOF
chmod 755 "$T/fakebin/kubectl"

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
echo '{"ttl": 1, "names": {}}' >"$T/zone.json"
"$PY" -B "$D/dns.py" "$T/zone.json" "$T/dns.port" &
DNS_PID=$!
for _ in $(seq 50); do [ -s "$T/dns.port" ] && break; sleep 0.1; done
[ -s "$T/dns.port" ] || { echo "test-deploy.sh: the DNS server did not start" >&2; exit 2; }
DNS_PORT=$(cat "$T/dns.port")

# The validators must be able to fail: an unknown field, and an address Istio rejects.
for version in $K8S_VERSIONS; do
  if "$PY" -m kubernetes_validate --strict -k "$version" "$D/canary-unknown-field.yaml" >/dev/null 2>&1; then
    fail "kubernetes-validate --strict -k $version accepts an unknown field: it cannot be trusted here"
  else
    pass "kubernetes-validate --strict -k $version rejects an unknown field"
  fi
done
if "$BIN" check - <"$D/canary-bad-address.yaml" >/dev/null 2>&1; then
  fail "meshctl check accepts an invalid address: it cannot be trusted here"
else
  pass "meshctl check rejects an invalid ServiceEntry"
fi

mapfile -t dirs < <(find deploy -name kustomization.yaml -printf '%h\n' | sort)
if [ ${#dirs[@]} -eq 0 ]; then fail "no kustomization.yaml under deploy/"; fi
mkdir -p "$T/render"
kubectl kustomize deploy/proxy-sidecar >"$T/render/proxy-sidecar.base.yaml" 2>"$T/render/proxy-sidecar.err" || true
for dir in "${dirs[@]}"; do
  log "$dir"
  slug=${dir//\//_}
  out="$T/render/$slug.yaml"
  if kubectl kustomize "$dir" >"$out" 2>"$T/render/$slug.err"; then
    pass "$dir: kubectl kustomize renders $(grep -c '^kind:' "$out") resource(s)"
  else
    fail "$dir: kubectl kustomize: $(cat "$T/render/$slug.err")"
    continue
  fi
  mkdir -p "$T/work/$slug"
  while IFS= read -r line; do
    case $line in
      PASS:*) pass "${line#PASS: }" ;;
      FAIL:*) fail "${line#FAIL: }" ;;
      *) echo "$line" ;;
    esac
  done < <("$PY" -B "$D/checks.py" "$BIN" "$dir" "$out" "$T/work/$slug" "$T/zone.json" "$DNS_PORT" \
    "$K8S_VERSIONS" "$PY" "$T/render/proxy-sidecar.base.yaml" 2>&1 || echo "FAIL: $dir: checks.py exited $?")
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
