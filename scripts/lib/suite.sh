# Shared by the root-only system suites (system-tests.sh, system-sync.sh, system-classes.sh,
# system-image.sh, envoy-differential.sh): installing what they need, the binary they run,
# PASS/FAIL counting, the two network namespaces $POD and $EXT each of
# them builds, and the waits they all need. Source it first; set POD and EXT before the
# namespace functions run.

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
log() { echo "--- $*"; }

# wait_dead PID SECONDS: true once PID has exited.
wait_dead() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds or time runs out.
wait_for() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

in_pod() { ip netns exec "$POD" "$@"; }
in_ext() { ip netns exec "$EXT" "$@"; }

# remove_namespaces: kill what still runs in $POD and $EXT (only this run started anything
# there) and delete them; quiet when they are already gone.
remove_namespaces() {
  local ns pid
  for ns in "$POD" "$EXT"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

# create_namespaces: $POD and $EXT afresh (a leftover of an interrupted run is removed first),
# each with loopback up and nothing else.
create_namespaces() {
  local ns
  remove_namespaces
  for ns in "$POD" "$EXT"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
}

# install_missing SUITE CMD=PACKAGE...: installs, with apt-get, the Debian package of every
# command that is not on PATH (each package once, without recommends). While apt runs, a
# policy-rc.d refuses to start services: the suites run their own mariadbd and dnsmasq inside
# the namespaces. On failure: apt's last lines and exit 2 naming the suite.
install_missing() {
  local suite=$1 pair missing=()
  shift
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null && continue
    [[ " ${missing[*]-} " == *" ${pair#*=} "* ]] || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local rcd=/usr/sbin/policy-rc.d made_rcd=0 rc=0 apt_log
  apt_log=$(mktemp "/tmp/$suite-apt.XXXXXX")
  if [ ! -e "$rcd" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 755 "$rcd" && made_rcd=1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1 || rc=$?
  [ "$made_rcd" = 1 ] && rm -f "$rcd"
  if [ "$rc" != 0 ]; then
    tail -n 30 "$apt_log" >&2
    echo "$suite: apt-get failed" >&2
    exit 2
  fi
}

# install_meshctl DEST: copies the binary the suite runs to DEST (a directory every uid can
# read): $MESHCTL when set, else a fresh release build.
install_meshctl() {
  local src
  if [ -n "${MESHCTL:-}" ]; then
    src=$MESHCTL
  else
    log "building meshctl (cargo build --release --locked)"
    cargo build --release --locked --quiet
    src="${CARGO_TARGET_DIR:-target}/release/meshctl"
  fi
  install -m 755 "$src" "$1"
}

# stop_pids PID...: SIGTERM each PID still running, SIGKILL after 2 s.
stop_pids() {
  local pid
  for pid in "$@"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      wait_dead "$pid" 20 || kill -KILL "$pid"
    fi
  done
}

# teardown PID...: what every suite does on exit — stop its processes, remove its namespaces,
# and remove its scratch directory $T (kept, and named, with KEEP_TMP=1).
teardown() {
  stop_pids "$@"
  remove_namespaces
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
