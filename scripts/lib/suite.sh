# Shared by the root-only system suites (system-tests.sh, system-sync.sh,
# envoy-differential.sh): PASS/FAIL counting, the two network namespaces $POD and $EXT each of
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
