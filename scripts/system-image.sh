#!/usr/bin/env bash
# Root-only system test of the release images: each image's own root filesystem, unpacked from the
# OCI archive scripts/release.sh writes, runs its entrypoint for real with its own user and
# environment (no container engine: `unshare --root` into the unpacked layers, as a runtime would
# chroot into them).
#
#   (a) `/meshctl version` in both images names the package version and this checkout's commit
#   (b) `/meshctl check /fixtures` in the meshctl image, HOME unset: a good directory exits 0, a
#       broken one exits 1
#   (c) the blog scenario of scripts/system-tests.sh in msh-img-pod / msh-img-ext: the INIT image
#       installs the capture rules with its own Debian iptables (`proxy iptables --apply`, IPv4
#       and IPv6, as uid 0 like the init container), the MESHCTL image runs the transparent proxy
#       as its uid 1337 with an entry pinning 203.0.113.7 and 2001:db8::7; the pod's mariadb
#       client (the host's) reads test.ratings through it, and 203.0.113.9 / 2001:db8::9 are
#       denied.
#
# Usage: scripts/system-image.sh [--use-dist]
#   --use-dist  test the archives already in dist/ instead of running scripts/release.sh first.
# Installs what it needs with apt-get. KEEP_TMP=1 keeps the scratch directory.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# pass, fail, log, wait_for, wait_dead, in_pod, create_namespaces, install_missing, teardown
source scripts/lib/suite.sh
# link_namespaces, start_ratings_db, query, query_ok, greeting_bytes, EXPECTED_ROWS
source scripts/lib/ratings.sh

if [ "$(id -u)" != 0 ]; then
  echo "system-image.sh: needs root (unshare --root, network namespaces, iptables)" >&2
  exit 2
fi
USE_DIST=0
for arg in "$@"; do
  case $arg in
    --use-dist) USE_DIST=1 ;;
    *) echo "system-image.sh: unknown argument \`$arg\`" >&2; exit 2 ;;
  esac
done

POD=msh-img-pod
EXT=msh-img-ext

install_missing system-image.sh \
  ip=iproute2 \
  mariadbd=mariadb-server \
  mariadb-install-db=mariadb-server \
  mariadb=mariadb-client \
  unshare=util-linux \
  curl=curl \
  timeout=coreutils \
  iptables-save=iptables \
  podman=podman \
  buildah=buildah \
  debootstrap=debootstrap \
  file=file

T=$(mktemp -d /tmp/msh-system-image.XXXXXX)
chmod 755 "$T"
DB_PID=
PROXY_PID=
cleanup() {
  local rc=$?
  set +e
  teardown "$PROXY_PID" "$DB_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# The images, unpacked
# ---------------------------------------------------------------------------------------------
started=$SECONDS
if [ "$USE_DIST" = 0 ]; then
  log "scripts/release.sh (binary, tarball, both images)"
  scripts/release.sh >"$T/release.log" 2>&1 || { tail -n 40 "$T/release.log"; exit 1; }
  log "release.sh took $((SECONDS - started)) s"
fi
unpacking=$SECONDS
VERSION=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "meshctl"))')
COMMIT=$(git rev-parse --short=12 HEAD)

# unpack ARCHIVE DIR: the image's layers in order into DIR/rootfs; writes DIR/config.sh with
# ENTRYPOINT (an array), IMAGE_USER and IMAGE_ENV (an array of NAME=VALUE) from its config.
unpack() {
  local archive=$1 dir=$2 layer
  mkdir -p "$dir/oci" "$dir/rootfs"
  tar -xf "$archive" -C "$dir/oci"
  python3 - "$dir" >"$dir/layers" <<'PY'
import json, shlex, sys
d = sys.argv[1]
blob = lambda digest: f"{d}/oci/blobs/{digest.replace(':', '/')}"
index = json.load(open(f"{d}/oci/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))["config"]
with open(f"{d}/config.sh", "w") as out:
    out.write("ENTRYPOINT=(%s)\n" % " ".join(shlex.quote(a) for a in config.get("Entrypoint") or []))
    out.write("IMAGE_USER=%s\n" % shlex.quote(config.get("User") or "0"))
    out.write("IMAGE_ENV=(%s)\n" % " ".join(shlex.quote(e) for e in config.get("Env") or []))
for layer in manifest["layers"]:
    print(blob(layer["digest"]))
PY
  while read -r layer; do
    # A build without RUN adds files only: a whiteout would mean a layer deletes something.
    if tar -tf "$layer" | grep -q '\.wh\.'; then
      echo "$archive: a layer has whiteout files" >&2
      return 1
    fi
    tar -xf "$layer" -C "$dir/rootfs" --numeric-owner
  done <"$dir/layers"
  rm -rf "$dir/oci"
  # What a container runtime provides: a /proc mount point and the standard device nodes
  # (meshctl hands /dev/null to the programs it runs).
  mkdir -p "$dir/rootfs/proc" "$dir/rootfs/dev"
  mknod -m 666 "$dir/rootfs/dev/null" c 1 3
  mknod -m 666 "$dir/rootfs/dev/zero" c 1 5
  mknod -m 666 "$dir/rootfs/dev/full" c 1 7
  mknod -m 666 "$dir/rootfs/dev/random" c 1 8
  mknod -m 666 "$dir/rootfs/dev/urandom" c 1 9
}

MESH_DIR=$T/meshctl-image
INIT_DIR=$T/init-image
for pair in "meshctl-$VERSION-oci.tar=$MESH_DIR" "meshctl-init-$VERSION-oci.tar=$INIT_DIR"; do
  archive=dist/${pair%%=*}
  [ -s "$archive" ] || { echo "system-image.sh: $archive missing (run scripts/release.sh)" >&2; exit 2; }
  unpack "$archive" "${pair#*=}" || exit 1
done
log "images unpacked in $((SECONDS - unpacking)) s: meshctl $(du -sh "$MESH_DIR/rootfs" | cut -f1), init $(du -sh "$INIT_DIR/rootfs" | cut -f1)"

# image_cmd DIR [--netns NS] [--user UID:GID] ARGS...: sets CMD to run the image's entrypoint with
# ARGS inside its root filesystem, with only the image's environment, in new mount and pid
# namespaces with /proc, as the image's user unless --user overrides it (as a pod's
# securityContext does), in network namespace NS when given. The entrypoint is pid 1 of its pid
# namespace, as in a container; --kill-child hands it SIGTERM when unshare is killed.
image_cmd() {
  local dir=$1 user netns=()
  shift
  # shellcheck disable=SC1091 # written by unpack
  source "$dir/config.sh"
  user=$IMAGE_USER
  if [ "${1:-}" = --netns ]; then netns=(ip netns exec "$2"); shift 2; fi
  if [ "${1:-}" = --user ]; then user=$2; shift 2; fi
  CMD=("${netns[@]}" env -i "${IMAGE_ENV[@]}" unshare --mount --pid --kill-child=SIGTERM
    --mount-proc --root="$dir/rootfs" --setgid "${user#*:}" --setuid "${user%%:*}"
    "${ENTRYPOINT[@]}" "$@")
}
run_image() { image_cmd "$@"; "${CMD[@]}"; }

# init_tool CMD...: a program of the init image's own (not its entrypoint) in the pod, as root.
init_tool() {
  in_pod env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin unshare --mount --root="$INIT_DIR/rootfs" "$@"
}

# ---------------------------------------------------------------------------------------------
# (a) version
# ---------------------------------------------------------------------------------------------
for dir in "$MESH_DIR" "$INIT_DIR"; do
  name=$(basename "$dir")
  out=$(run_image "$dir" version 2>&1) || true
  if [[ $out =~ ^meshctl\ $VERSION\ \(commit\ $COMMIT,\ built\ [0-9]{4}-[0-9]{2}-[0-9]{2},\ x86_64-unknown-linux-gnu\)$ ]]; then
    pass "a $name: /meshctl version as uid $(source "$dir/config.sh"; echo "$IMAGE_USER"): $out"
  else
    fail "a $name: /meshctl version printed: $out"
  fi
done

# ---------------------------------------------------------------------------------------------
# (b) check, with HOME unset (the NSS lookup std falls back to finds nothing in a scratch image)
# ---------------------------------------------------------------------------------------------
mkdir -p "$MESH_DIR/rootfs/fixtures"
cp -R fixtures/blog "$MESH_DIR/rootfs/fixtures/good"
cp -R fixtures/mistakes "$MESH_DIR/rootfs/fixtures/bad"
chmod -R a+rX "$MESH_DIR/rootfs/fixtures"
for case in good=0 bad=1; do
  rc=0
  run_image "$MESH_DIR" check "/fixtures/${case%%=*}" >"$T/check-${case%%=*}.out" 2>&1 || rc=$?
  if [ "$rc" = "${case#*=}" ]; then
    pass "b meshctl image: /meshctl check /fixtures/${case%%=*} exits $rc"
  else
    fail "b meshctl image: /meshctl check /fixtures/${case%%=*} exited $rc, expected ${case#*=}"
    tail -n 20 "$T/check-${case%%=*}.out"
  fi
done

# ---------------------------------------------------------------------------------------------
# (c) the transparent proxy in the pod's network namespace
# ---------------------------------------------------------------------------------------------
log "creating namespaces $POD and $EXT"
create_namespaces
link_namespaces
log "starting MariaDB in $EXT"
start_ratings_db
if query_ok "$DB_IP" && query_ok "$DB_IP6"; then
  pass "c baseline: the pod reads test.ratings from $DB_IP and [$DB_IP6] directly (no capture yet)"
else
  fail "c baseline: direct query from the pod failed: $(query "$DB_IP")"
fi

# The init container: uid 0 with the init image's own iptables-restore and ip6tables-restore.
if run_image "$INIT_DIR" --netns "$POD" --user 0:0 proxy iptables --proxy-port 15001 \
    --proxy-uid 1337 --apply >"$T/iptables-apply.log" 2>&1; then
  v4=$(init_tool iptables-save -t nat 2>&1 || true)
  v6=$(init_tool ip6tables-save -t nat 2>&1 || true)
  rule='-A MESHCTL_OUTPUT -p tcp -j REDIRECT --to-ports 15001'
  if grep -q -- "$rule" <<<"$v4" && grep -q -- "$rule" <<<"$v6"; then
    pass "c init image: proxy iptables --apply as uid 0 installed the IPv4 and IPv6 capture chains ($(init_tool iptables --version))"
  else
    fail "c init image: capture chains missing"; echo "$v4"; echo "$v6"; cat "$T/iptables-apply.log"
  fi
else
  fail "c init image: proxy iptables --apply exited non-zero"; cat "$T/iptables-apply.log"
fi

# The proxy's configuration, as a mounted ConfigMap would put it into the meshctl image.
mkdir -p "$MESH_DIR/rootfs/etc/meshctl"
cat >"$MESH_DIR/rootfs/etc/meshctl/mysql-external.yaml" <<'YAML'
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
chmod -R a+rX "$MESH_DIR/rootfs/etc"
log "starting the meshctl image's /meshctl proxy (transparent, its uid) in $POD"
image_cmd "$MESH_DIR" --netns "$POD" proxy -f /etc/meshctl --listen 127.0.0.1:15001 \
  --admin 127.0.0.1:15000 --drain-timeout 2s
"${CMD[@]}" >"$T/proxy.log" 2>&1 &
PROXY_PID=$!

admin() { in_pod curl -fsS --max-time 2 "http://127.0.0.1:15000$1"; }
proxy_ready() { kill -0 "$PROXY_PID" 2>/dev/null && admin /ready; }
metric_sum() { # REGEX: the sum of the samples whose line matches
  { admin /metrics 2>/dev/null || true; } | awk -v re="$1" '$0 ~ re { s += $NF } END { printf "%d\n", s }'
}
decisions() { metric_sum '^meshctl_proxy_decisions_total[{]'; }
denials() { metric_sum '^meshctl_proxy_decisions_total[{].*verdict="(deny|DENY)"'; }

# ip netns exec and env exec; unshare (PROXY_PID) forks the entrypoint.
proxy_child() { pgrep -x meshctl -P "$PROXY_PID" | head -n 1; }
if wait_for 20 proxy_ready; then
  uid=$(ps -o uid= -p "$(proxy_child)" 2>/dev/null | tr -d ' ' || true)
  if [ "$uid" = 1337 ]; then
    pass "c meshctl image: the proxy is ready (/ready 200), running as uid $uid"
  else
    fail "c meshctl image: the proxy is ready but runs as uid '${uid}', not 1337"
  fi
else
  fail "c meshctl image: the proxy did not become ready within 20 s"; tail -n 30 "$T/proxy.log"
fi

for ip in "$DB_IP" "$DB_IP6"; do
  n0=$(decisions)
  out=$(query "$ip") || true
  n1=$(decisions)
  if [ "$out" = "$EXPECTED_ROWS" ] && [ "$n1" -gt "$n0" ]; then
    pass "c allowed: the pod reads test.ratings from $ip through the proxy (decisions $n0 -> $n1)"
  else
    fail "c allowed: query to $ip returned: $out (decisions $n0 -> $n1)"
  fi
done
for ip in "$OTHER_IP" "$OTHER_IP6"; do
  d0=$(denials)
  bytes=$(greeting_bytes "$ip")
  d1=$(denials)
  if [ "$bytes" = 0 ] && [ "$d1" -gt "$d0" ]; then
    pass "c denied: $ip:3306 (not in the entry) closed by the proxy without a greeting (denials $d0 -> $d1)"
  else
    fail "c denied: $ip:3306 greeting bytes=$bytes, denials $d0 -> $d1"
  fi
done

# A container's stop: SIGTERM to the entrypoint, which is pid 1 of its pid namespace and so gets
# no default signal action; the proxy handles SIGTERM itself, drains and exits.
child=$(proxy_child || true)
if [ -n "$child" ] && kill -TERM "$child" && wait_dead "$PROXY_PID" 10; then
  pass "c meshctl image: the proxy, pid 1 of its pid namespace, exited on SIGTERM"
  wait "$PROXY_PID" 2>/dev/null || true
  PROXY_PID=
else
  fail "c meshctl image: the proxy did not exit within 10 s of SIGTERM to pid ${child:-?}"
fi

if [ "$failed" -gt 0 ]; then
  echo "----- proxy log (last 60 lines) -----"
  tail -n 60 "$T/proxy.log" || true
fi
echo "system-image.sh took $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
